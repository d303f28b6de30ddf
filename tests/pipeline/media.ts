/** Test media, made with the real ffmpeg into a temporary directory. */
import { execFileSync } from "node:child_process";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../temp.js";

export function ff(args: string[]): void {
  execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args], { timeout: 60_000 });
}

export function makeMedia() {
  const dir = tempDir("piwave-media-");
  const p = (n: string) => join(dir, n);
  // 1 kHz left, 1.5 kHz right, 3 s, 48 kHz: different content per channel.
  const stereo = ["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=3", "-f", "lavfi", "-i", "sine=frequency=1500:sample_rate=48000:duration=3", "-filter_complex", "[0][1]amerge=inputs=2"];
  ff([...stereo, p("stereo.wav")]);
  ff([...stereo, "-c:a", "libmp3lame", "-b:a", "192k", p("song.mp3")]);
  ff([...stereo, "-c:a", "flac", p("song.flac")]);
  ff([...stereo, "-c:a", "libopus", p("song.opus")]);
  ff([...stereo, "-c:a", "aac", p("song.m4a")]);
  ff(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=44100:duration=2", "-c:v", "mpeg4", "-c:a", "aac", "-shortest", p("clip.mp4")]);
  ff(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", "-c:v", "mpeg4", p("silent-video.mp4")]);
  ff(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100:duration=2", "-ac", "1", p("mono.wav")]);
  ff(["-f", "lavfi", "-i", "sine=frequency=500:sample_rate=48000:duration=1", "-af", "pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0", p("surround.wav")]);
  ff(["-t", "0.5", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-f", "lavfi", "-i", "sine=frequency=700:sample_rate=44100:duration=1", "-filter_complex", "[0][1]concat=n=2:v=0:a=1,apad=pad_dur=0.5", "-ac", "2", p("padded.wav")]);
  writeFileSync(p("notes.txt"), "these are not the songs you are looking for\n".repeat(20));
  // A valid WAV with no samples at all.
  ff(["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "0", p("empty.wav")]);
  // Random bytes with an audio-looking name.
  writeFileSync(p("garbage.flac"), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff)));
  // An MP3 whose middle is overwritten with garbage.
  const mp3 = Buffer.from(readFileSync(p("song.mp3")));
  for (let i = Math.floor(mp3.length / 3); i < Math.floor(mp3.length / 3) + 6000; i++) mp3[i] = (i * 131) & 0xff;
  writeFileSync(p("corrupt.mp3"), mp3);
  return { dir, p };
}
