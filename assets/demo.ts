/**
 * The demo music, made by piwave itself (nothing downloaded): a short
 * original piece synthesised from a score, plus a channel check. Rendered
 * at any frame rate, so each board gets its exact hardware rate.
 *
 *   1. "Raspberry Arpeggio": a I–vi–IV–V progression in C, plucked
 *      arpeggio (right of centre), bass (centre), bell melody (left).
 *   2. "Channel check": a low tone on the LEFT only, a high tone on the
 *      RIGHT only, then both — to tell the jack's channels apart.
 */
import type { Track } from "../host/bundle.js";

const A4 = 440;
const midiHz = (n: number) => A4 * Math.pow(2, (n - 69) / 12);

interface Note {
  /** Start in beats. */
  at: number;
  /** Length in beats. */
  len: number;
  midi: number;
  voice: "pluck" | "bass" | "bell";
  gain: number;
}

const BPM = 112;
const CHORDS: number[][] = [
  [60, 64, 67, 72], // C
  [57, 60, 64, 69], // Am
  [53, 57, 60, 65], // F
  [55, 59, 62, 67], // G
];
const MELODY: [number, number, number][] = [
  // [beat, length, midi]
  [0, 1.5, 76], [1.5, 0.5, 74], [2, 2, 72],
  [4, 1, 72], [5, 1, 71], [6, 2, 69],
  [8, 1.5, 69], [9.5, 0.5, 71], [10, 2, 72],
  [12, 1, 74], [13, 1, 71], [14, 2, 67],
  [16, 1.5, 76], [17.5, 0.5, 77], [18, 2, 79],
  [20, 1, 76], [21, 1, 72], [22, 2, 69],
  [24, 1, 72], [25, 1, 74], [26, 2, 76],
  [28, 2, 74], [30, 2, 72],
];

function score(): Note[] {
  const notes: Note[] = [];
  for (let bar = 0; bar < 8; bar++) {
    const chord = CHORDS[bar % 4]!;
    for (let i = 0; i < 8; i++) {
      notes.push({ at: bar * 4 + i * 0.5, len: 0.5, midi: chord[[0, 1, 2, 3, 2, 1, 2, 3][i]!]!, voice: "pluck", gain: 0.16 });
    }
    notes.push({ at: bar * 4, len: 2, midi: chord[0]! - 24, voice: "bass", gain: 0.28 });
    notes.push({ at: bar * 4 + 2, len: 2, midi: chord[0]! - 12, voice: "bass", gain: 0.22 });
  }
  for (const [at, len, midi] of MELODY) notes.push({ at, len, midi, voice: "bell", gain: 0.2 });
  notes.push({ at: 32, len: 4, midi: 48, voice: "bass", gain: 0.3 });
  notes.push({ at: 32, len: 4, midi: 72, voice: "bell", gain: 0.2 });
  return notes;
}

/** Pan: 0 = left, 1 = right (equal-power). */
const PAN: Record<Note["voice"], number> = { pluck: 0.7, bass: 0.5, bell: 0.3 };

function voiceSample(v: Note["voice"], f: number, t: number, dur: number): number {
  const twoPi = 2 * Math.PI;
  switch (v) {
    case "pluck": {
      const env = Math.exp(-t * 9) * Math.min(1, t * 400);
      return env * (Math.sin(twoPi * f * t) + 0.5 * Math.sin(twoPi * 2 * f * t) * Math.exp(-t * 6) + 0.25 * Math.sin(twoPi * 3 * f * t) * Math.exp(-t * 12));
    }
    case "bass": {
      const env = Math.min(1, t * 200) * Math.min(1, Math.max(0, (dur - t) * 30)) * Math.exp(-t * 1.2);
      return env * (Math.sin(twoPi * f * t) + 0.3 * Math.sin(twoPi * 2 * f * t));
    }
    case "bell": {
      const env = Math.min(1, t * 300) * Math.exp(-t * 2.5) * Math.min(1, Math.max(0, (dur + 0.6 - t) * 8));
      return env * (Math.sin(twoPi * f * t) + 0.35 * Math.sin(twoPi * 2.76 * f * t) * Math.exp(-t * 3) + 0.15 * Math.sin(twoPi * 5.4 * f * t) * Math.exp(-t * 5));
    }
  }
}

function toInt16(x: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(x * 32767)));
}

/** "Raspberry Arpeggio", about `36 beats at 112 BPM` ≈ 19 s, at `rateHz`. */
export function renderArpeggio(rateHz: number): Int16Array {
  const beat = 60 / BPM;
  const notes = score();
  const seconds = 36 * beat + 1;
  const n = Math.floor(seconds * rateHz);
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (const note of notes) {
    const f = midiHz(note.midi);
    const start = Math.floor(note.at * beat * rateHz);
    const dur = note.len * beat;
    const tail = note.voice === "bell" ? 1.2 : note.voice === "pluck" ? 0.6 : 0.1;
    const end = Math.min(n, start + Math.floor((dur + tail) * rateHz));
    const gl = note.gain * Math.cos((PAN[note.voice] * Math.PI) / 2);
    const gr = note.gain * Math.sin((PAN[note.voice] * Math.PI) / 2);
    for (let i = start; i < end; i++) {
      const s = voiceSample(note.voice, f, (i - start) / rateHz, dur);
      left[i] = left[i]! + gl * s;
      right[i] = right[i]! + gr * s;
    }
  }
  const out = new Int16Array(n * 2);
  const fade = Math.floor(0.8 * rateHz);
  for (let i = 0; i < n; i++) {
    const g = i > n - fade ? (n - i) / fade : 1;
    out[2 * i] = toInt16(left[i]! * g);
    out[2 * i + 1] = toInt16(right[i]! * g);
  }
  return out;
}

/** Channel check: 1 s 330 Hz left only, 1 s 880 Hz right only, 1 s both; 10 ms fades. */
export function renderChannelCheck(rateHz: number): Int16Array {
  const seg = Math.floor(rateHz);
  const n = seg * 3;
  const out = new Int16Array(n * 2);
  const fade = Math.floor(rateHz * 0.01);
  for (let i = 0; i < n; i++) {
    const part = Math.floor(i / seg);
    const j = i - part * seg;
    const env = Math.min(1, j / fade, (seg - 1 - j) / fade) * 0.5;
    const t = i / rateHz;
    const l = part !== 1 ? env * Math.sin(2 * Math.PI * 330 * t) : 0;
    const r = part !== 0 ? env * Math.sin(2 * Math.PI * 880 * t) : 0;
    out[2 * i] = toInt16(l);
    out[2 * i + 1] = toInt16(r);
  }
  return out;
}

export function demoTracks(rateMilliHz: number): Track[] {
  const rate = rateMilliHz / 1000;
  return [
    { name: "Raspberry Arpeggio", rateMilliHz, pcm: renderArpeggio(rate) },
    { name: "Channel check — left, right, both", rateMilliHz, pcm: renderChannelCheck(rate) },
  ];
}
