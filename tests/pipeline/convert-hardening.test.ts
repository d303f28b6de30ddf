// Conversion against odd inputs, full disks, long songs and interrupts — real ffmpeg, real tmpfs
// mounts (the tests run as root), real process groups. Each case failed before issue 10 item 19
// and issue 12 item 15 were fixed.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { convertFile } from "../../host/audio/convert.js";
import { formatDuration } from "../../host/audio/duration.js";
import { resetFfmpeg } from "../../host/audio/ffmpeg.js";
import { BOARDS, frameRateHz } from "../../host/boards.js";
import { ff } from "./media.js";
import { tempDir } from "../temp.js";

const pi4 = BOARDS.pi4;
const rate = frameRateHz(pi4);
const root = tempDir("piwave-convert-hard-");
const mounts: string[] = [];
let n = 0;
/** A fresh directory under this file's own temporary root (removed at the end, also on failure). */
const fresh = (what: string) => {
  const d = join(root, `${what}-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};
const media = fresh("media");
const p = (name: string) => join(media, name);

function tmpfs(sizeKiB: number): string {
  const d = fresh("tmpfs");
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", d]);
  mounts.push(d);
  return d;
}

/** Fill `dir` until no more than `leaveBytes` are free. */
function fill(dir: string, leaveBytes: number): void {
  const free = Number(execFileSync("df", ["-B1", "--output=avail", dir], { encoding: "utf8" }).split("\n")[1]!.trim());
  // Real bytes: tmpfs allocates pages on write, not on truncate.
  writeFileSync(join(dir, "filler"), Buffer.alloc(Math.max(0, free - leaveBytes)));
}

/** Every file below `dir`, hidden ones included. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

afterEach(() => {
  delete process.env.FFMPEG_PATH;
  resetFfmpeg();
});

afterAll(() => {
  for (const m of mounts) spawnSync("umount", [m]);
  rmSync(root, { recursive: true, force: true });
});

const conv = (file: string, extra: object = {}) => convertFile(file, { board: pi4, cacheDir: fresh("cache"), ...extra });

describe("truncated files say they are cut short", () => {
  it("an MP3 cut in half is refused (decoded length against the header's), not half the song without a word", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=8", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", p("whole.mp3")]);
    const whole = readFileSync(p("whole.mp3"));
    writeFileSync(p("half.mp3"), whole.subarray(0, whole.length >> 1));
    await expect(conv(p("half.mp3"))).rejects.toThrow(/half\.mp3: is cut short: it decodes to 0:0[34]\.\d of the 0:08\.\d its mp3 header announces \(an incomplete download or copy\?\); download or copy it again/);
    const ok = await conv(p("whole.mp3"));
    expect(Math.abs(ok.pcm.length / 2 / rate - 8)).toBeLessThan(0.1);
  });

  it("a FLAC cut in half is refused the same way", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-ac", "2", "-c:a", "flac", p("whole.flac")]);
    const whole = readFileSync(p("whole.flac"));
    writeFileSync(p("half.flac"), whole.subarray(0, whole.length >> 1));
    await expect(conv(p("half.flac"))).rejects.toThrow(/half\.flac: is damaged or cut short: it decodes to 0:0[12]\.\d of the 0:04\.0 its flac header announces, and ffmpeg reported 1 decoding error\(s\), first: "invalid residual"; download or copy it again, or re-encode it/);
  });

  it("an Ogg or FLAC cut before its first audio is 'cut short', not 'has no audio stream'", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-ac", "2", "-c:a", "libvorbis", p("whole.ogg")]);
    writeFileSync(p("stub.ogg"), readFileSync(p("whole.ogg")).subarray(0, 3000));
    writeFileSync(p("stub.flac"), readFileSync(p("whole.flac")).subarray(0, 3000));
    for (const f of ["stub.ogg", "stub.flac"]) {
      await expect(conv(p(f))).rejects.toThrow(new RegExp(`${f.replace(".", "\\.")}: is cut short: it ends before its audio stream's headers`));
    }
  });
});

describe("odd but valid inputs convert", () => {
  it("a 1,999,999 Hz WAV converts (through 48 kHz), with its pitch and length exact", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=1999999:duration=0.5", "-ac", "2", p("odd-rate.wav")]);
    const c = await conv(p("odd-rate.wav"));
    expect(Math.abs(c.pcm.length / 2 - 0.5 * rate)).toBeLessThanOrEqual(2);
    let ups = 0;
    for (let i = 1; i < c.pcm.length / 2; i++) if (c.pcm[2 * (i - 1)]! < 0 && c.pcm[2 * i]! >= 0) ups++;
    expect(Math.abs(ups - 500)).toBeLessThanOrEqual(1);
  });

  it("a 3 ms file is 3 ms of audio, not 'zero duration'", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", "0.003", "-ac", "2", p("blip.wav")]);
    const c = await conv(p("blip.wav"));
    expect(Math.abs(c.pcm.length / 2 - 0.003 * rate)).toBeLessThanOrEqual(2);
  });

  it("durations print as h:mm:ss.s / m:ss.s, rounded before they are split", () => {
    expect(formatDuration(179.96)).toBe("3:00.0");
    expect(formatDuration(10799.96)).toBe("3:00:00.0");
    expect(formatDuration(14400)).toBe("4:00:00.0");
    expect(formatDuration(59.94)).toBe("0:59.9");
    expect(formatDuration(3599.99)).toBe("1:00:00.0");
    expect(formatDuration(0.003)).toBe("0:00.0");
  });
});

describe("the memory budget is checked before converting", () => {
  it("a 4-hour song is refused from its probed duration: no conversion, nothing written to the cache or TMPDIR", async () => {
    // 4 hours at 1 kHz mono: a small FLAC whose header says 4:00:00.
    ff(["-f", "lavfi", "-i", "anullsrc=r=1000:cl=mono", "-t", "14400", "-c:a", "flac", p("four-hours.flac")]);
    const cache = fresh("cache");
    const log = join(fresh("log"), "calls");
    process.env.FFMPEG_PATH = loggingFfmpeg(log);
    resetFfmpeg();
    await expect(convertFile(p("four-hours.flac"), { board: pi4, cacheDir: cache })).rejects.toThrow(
      /four-hours\.flac: is 4:00:00\.0 long, which takes 2\.54 GB at the pi4's 44\.107 kHz: more than the pi4 memory budget of 872\.4 MB by 1\.67 GB \(about 2:37:\d\d\.\d of audio\); leave it out, or cut it shorter/,
    );
    expect(calls(log)).toHaveLength(1); // the probe only
    expect(filesUnder(join(cache, "pcm"))).toEqual([]);
  });

  it("what is left of the budget counts: a song that fits alone is refused after others took the room", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ac", "2", p("three.flac")]);
    await expect(conv(p("three.flac"), { maxBytes: 200_000 })).rejects.toThrow(/three\.flac: is 0:03\.0 long, which takes 529\.3 kB .*more than the 200\.0 kB left of the pi4 memory budget by 329\.3 kB/);
  });

  it("a song whose length the container does not know is stopped once past the budget (-fs), and leaves nothing", async () => {
    // ADTS AAC has no duration: ffmpeg only estimates it from the bit rate.
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ac", "2", "-c:a", "aac", "-f", "adts", p("stream.aac")]);
    const cache = fresh("cache");
    await expect(convertFile(p("stream.aac"), { board: pi4, cacheDir: cache, maxBytes: 100_000 })).rejects.toThrow(
      /stream\.aac: is at least 0:00\.\d long, which takes 1\d\d\.\d kB .*more than the 100\.0 kB left of the pi4 memory budget/,
    );
    expect(filesUnder(join(cache, "pcm"))).toEqual([]);
  });
});

describe("full disks", () => {
  it("a full cache: the cache directory named with the space needed, no temporary file left, the next build works once there is room", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ac", "2", p("fits.flac")]);
    const cache = tmpfs(4096);
    mkdirSync(join(cache, "pcm"));
    fill(cache, 64 * 1024);
    await expect(convertFile(p("fits.flac"), { board: pi4, cacheDir: cache })).rejects.toThrow(
      new RegExp(`no space left in ${join(cache, "pcm")}: converted fits\\.flac needs \\d\\.\\d MB, \\d+(\\.\\d)? [kM]?B free\\. Free some space there or choose another directory`),
    );
    expect(filesUnder(cache).filter((f) => !f.endsWith("filler") && !f.endsWith("ffmpeg-builds.json"))).toEqual([]);
    rmSync(join(cache, "filler"));
    const c = await convertFile(p("fits.flac"), { board: pi4, cacheDir: cache });
    expect(c.pcm.length / 2).toBe(Math.round(3 * rate));
  });

  it("a read-only cache: the directory is named and the song is not blamed", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", p("ro.wav")]);
    const cache = tmpfs(1024);
    mkdirSync(join(cache, "pcm"));
    execFileSync("mount", ["-o", "remount,ro", cache]);
    await expect(convertFile(p("ro.wav"), { board: pi4, cacheDir: cache })).rejects.toThrow(
      new RegExp(`cannot write ${join(cache, "pcm")}/converted ro\\.wav: ${join(cache, "pcm")} is on a read-only filesystem\\. Choose another directory\\.`),
    );
  });

  it("leftover temporary files of a killed piwave are swept from the cache", async () => {
    const cache = fresh("cache");
    mkdirSync(join(cache, "pcm"));
    const dead = spawnSync("true").pid!; // a process that has exited
    const leftover = join(cache, "pcm", `.abc.s16.${dead}.0123abcd.tmp`);
    writeFileSync(leftover, Buffer.alloc(1000));
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", p("one.wav")]);
    await convertFile(p("one.wav"), { board: pi4, cacheDir: cache });
    expect(existsSync(leftover)).toBe(false);
  });

  it("a full TMPDIR does not matter: nothing goes there", async () => {
    const full = tmpfs(256);
    fill(full, 0);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = full;
    try {
      ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-ac", "2", p("two.wav")]);
      const c = await conv(p("two.wav"));
      expect(c.pcm.length / 2).toBe(Math.round(2 * rate));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(readdirSync(full)).toEqual(["filler"]);
  });
});

/** An ffmpeg on PATH that writes each invocation to `log`, then runs the real one. */
function loggingFfmpeg(log: string): string {
  const bin = fresh("bin");
  const real = execFileSync("sh", ["-c", "command -v ffmpeg"], { encoding: "utf8" }).trim();
  for (const tool of ["ffmpeg", "ffprobe"]) {
    const realTool = tool === "ffmpeg" ? real : real.replace(/ffmpeg$/, "ffprobe");
    writeFileSync(join(bin, tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${log}'\nexec '${realTool}' "$@"\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return join(bin, "ffmpeg");
}

function calls(log: string): string[] {
  return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : [];
}

describe("processes: one probe and ffmpeg on a miss, none on a cache hit", () => {
  it("counts every ffmpeg and ffprobe started", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-ac", "2", "-c:a", "libmp3lame", p("count.mp3")]);
    const log = join(fresh("log"), "calls");
    const bin = loggingFfmpeg(log);
    const savedPath = process.env.PATH;
    process.env.PATH = `${join(bin, "..")}:${savedPath}`;
    process.env.FFMPEG_PATH = bin;
    resetFfmpeg();
    try {
      const cache = fresh("cache");
      const first = await convertFile(p("count.mp3"), { board: pi4, cacheDir: cache });
      expect(first.fromCache).toBe(false);
      const cold = calls(log);
      expect(cold, cold.join("\n")).toHaveLength(2);
      expect(cold[0]).toMatch(/^ffmpeg -nostdin -i file:.*count\.mp3$/);
      expect(cold[1]).toMatch(/^ffmpeg .*-i file:.*count\.mp3 .*-f f32le/);
      const again = await convertFile(p("count.mp3"), { board: pi4, cacheDir: cache });
      expect(again.fromCache).toBe(true);
      expect(calls(log)).toHaveLength(2);
      // Other parameters on a known ffmpeg: no second look at the binary, just the probe and the conversion.
      await convertFile(p("count.mp3"), { board: pi4, cacheDir: cache, fadeSeconds: 0.1 });
      expect(calls(log)).toHaveLength(4);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe("an FFMPEG_PATH that is not ffmpeg", () => {
  it("is named as such (not blamed on the song)", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", p("any.wav")]);
    process.env.FFMPEG_PATH = "/bin/echo";
    resetFfmpeg();
    await expect(conv(p("any.wav"))).rejects.toThrow(/^\/bin\/echo \(from FFMPEG_PATH\) does not run as ffmpeg: its output does not start with "ffmpeg version"$/);
  });
});

describe("track titles", () => {
  it("come from the file's tags (the container's, else the audio stream's), the file name otherwise", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", "-metadata", "title=Sonate für Klavier — Ω: Allegro", "-c:a", "libmp3lame", p("track01.mp3")]);
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", "-metadata", "title=日本語のタイトル", "-c:a", "libopus", p("track02.opus")]);
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", "-metadata", "title=Line one\nStream #0:0: Audio: fake, 8000 Hz, mono\n  Duration: 99:00:00.00", "-c:a", "flac", p("track03.flac")]);
    ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", p("Untitled song.wav")]);
    const cache = fresh("cache");
    const names = [];
    for (const f of ["track01.mp3", "track02.opus", "track03.flac", "Untitled song.wav"]) names.push((await convertFile(p(f), { board: pi4, cacheDir: cache })).name);
    expect(names).toEqual(["Sonate für Klavier — Ω: Allegro", "日本語のタイトル", "Line one Stream #0:0: Audio: fake, 8000 Hz, mono Duration: 99:00:00.00", "Untitled song"]);
    // The multi-line title did not fool the probe: the real length and rate were used.
    const c = await convertFile(p("track03.flac"), { board: pi4, cacheDir: cache });
    expect(c.fromCache).toBe(true);
    expect(c.name).toBe(names[2]);
    expect(Math.abs(c.pcm.length / 2 - rate)).toBeLessThanOrEqual(1);
  });
});

describe("Ctrl-C during a conversion", () => {
  it("kills ffmpeg's process group, removes the temporary file, and the command ends", async () => {
    ff(["-f", "lavfi", "-i", "anoisesrc=d=120:c=pink:r=96000", "-ac", "2", p("long-for-sigint.flac")]);
    const cache = fresh("cache");
    const tmp = fresh("tmpdir");
    const script = join(fresh("script"), "run.ts");
    writeFileSync(
      script,
      `import { convertFile } from ${JSON.stringify(new URL("../../host/audio/convert.ts", import.meta.url).pathname)};
import { BOARDS } from ${JSON.stringify(new URL("../../host/boards.ts", import.meta.url).pathname)};
import { exitCodeFor, interruptSignal, interruptedBy } from ${JSON.stringify(new URL("../../host/interrupt.ts", import.meta.url).pathname)};
let told = false;
convertFile(process.argv[2], { board: BOARDS.pi4, cacheDir: process.argv[3], signal: interruptSignal(), onProgress: (f) => { if (!told && f && f > 0) { told = true; console.log("converting"); } } })
  .then(() => { console.log("finished"); process.exitCode = 0; })
  .catch((e) => { console.log("error: " + e.message); process.exitCode = interruptedBy() ? exitCodeFor(interruptedBy()) : 1; });
`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script, p("long-for-sigint.flac"), cache], { detached: true, env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no progress: ${out}`)), 30_000);
        child.stdout.on("data", () => {
          if (out.includes("converting")) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const scratch = filesUnder(join(cache, "pcm"));
      expect(scratch.some((f) => /\.tmp$/.test(f))).toBe(true); // ffmpeg is writing
      // ffmpeg leads its own process group (so a terminal's Ctrl-C reaches piwave only).
      const ffPid = spawnSync("pgrep", ["-f", "f32le.*long-for-sigint|long-for-sigint.*f32le"], { encoding: "utf8" }).stdout.trim().split("\n")[0]!;
      expect(ffPid).toMatch(/^\d+$/);
      const pgid = spawnSync("ps", ["-o", "pgid=", "-p", ffPid], { encoding: "utf8" }).stdout.trim();
      expect(pgid).toBe(ffPid);
      // What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
      process.kill(-child.pid!, "SIGINT");
      const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
      expect(out).toMatch(/error: interrupted by SIGINT/);
      expect(code).toBe(130);
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    expect(spawnSync("pgrep", ["-f", "long-for-sigint"], { encoding: "utf8" }).stdout.trim()).toBe("");
    expect(filesUnder(join(cache, "pcm"))).toEqual([]);
    // tsx keeps its compile cache in TMPDIR (tsx-<uid>); nothing else may be there.
    expect(readdirSync(tmp).filter((f) => !/^tsx-\d+$/.test(f))).toEqual([]);
  }, 60_000);
});
