/**
 * The seeded asset-bundle fuzzer (issue 10 item 22): mutations of a small
 * valid bundle, each run through the firmware on the simulator and checked
 * against the host validator (host/bundle-check.ts), which applies the
 * firmware's rules in the firmware's words.
 *
 * For a mutation the validator refuses, the firmware must: halt with 1,
 * print exactly one `E` line, the last line, equal to `E bundle: ` + the
 * validator's message; never trap, never fault in the simulator, never
 * write PWM CTL or produce a frame at the jack; and the host must not throw.
 * For a mutation the validator accepts (a flipped padding byte, trailing
 * bytes with the size fixed), the firmware must play it and halt with 0.
 *
 * Mutation kinds: bit flips anywhere; truncation at every length, raw and
 * with the size field and CRCs fixed up; header and directory fields set to
 * huge, boundary and random values (resealed, so the checks behind the
 * CRCs are reached); overlapping and out-of-order tracks; bad names
 * (control characters, invalid UTF-8, forged log lines, wrong lengths and
 * offsets); and appended bytes. Used by tests/bundle-fuzz.test.ts (fixed
 * seed) and scripts/fuzz-bundles.ts (`npm run fuzz`, longer, any seed).
 *
 * Both run the firmware built with 5 ms start/stop ramps (`FUZZ_VARIANT`,
 * the RAMP_MS build option): the bundle is checked before the PWM starts
 * and the ramp length changes nothing in that code, while the default
 * thump-free ramps (11-19 s each way, firmware/audio/producer.ts) would
 * make every accepted mutation run past the 10 s bound (and cost 36 s of
 * simulated time each).
 */
import { type BoardName, BOARDS, frameRateMilliHz } from "../../host/boards.js";
import { checkBundle } from "../../host/bundle-check.js";
import { ENTRY_SIZE, HEADER_SIZE, type Track, encodeBundle, resealHeader, resealMeta } from "../../host/bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../../host/firmware.js";
import { simulate } from "../../host/sim/machine.js";

/** The firmware build the fuzzer runs: short ramps (see the module comment). */
export const FUZZ_VARIANT: Variant = { rampMs: 5 };

/** Build (when out of date) and load the fuzzer's firmware for `board`. */
export async function fuzzFirmware(board: BoardName): Promise<WebAssembly.Module> {
  await buildFirmware(board, { variant: FUZZ_VARIANT });
  return new WebAssembly.Module(loadFirmware(board, FUZZ_VARIANT));
}

/** mulberry32: a small, fast, seedable PRNG (same sequence for the same seed everywhere). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutation {
  kind: string;
  bytes: Uint8Array;
}

/** The seed bundle: three short tracks with ASCII, accented and emoji names. */
export function baseBundle(board: BoardName): Uint8Array {
  const rate = frameRateMilliHz(BOARDS[board]);
  const track = (name: string, frames: number, k: number): Track => {
    const pcm = new Int16Array(frames * 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = ((i * 2654435761 + k) % 65536) - 32768;
    return { name, rateMilliHz: rate, pcm };
  };
  return encodeBundle([track("one", 24, 1), track("deux — «é»", 17, 2), track("🎵 3", 9, 3)]);
}

const INTERESTING = [0, 1, 2, 3, 4, 31, 32, 33, 255, 256, 1023, 1024, 1025, 0x7fff, 0xffff, 0x10000, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

export function* mutations(base: Uint8Array, seed: number, count: number): Generator<Mutation> {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tracks = dv(base).getUint32(8, true);
  const value = (b: Uint8Array) => {
    const r = rand();
    if (r < 0.1) return 0;
    if (r < 0.5) return pick(INTERESTING);
    if (r < 0.7) return (b.length + int(9) - 4) >>> 0;
    return int(0x100000000);
  };
  // Truncation at every length, raw and with the header fixed up.
  for (let len = 0; len < base.length; len++) yield { kind: `truncate to ${len}`, bytes: base.slice(0, len) };
  for (let len = HEADER_SIZE; len < base.length; len++) {
    const b = base.slice(0, len);
    dv(b).setUint32(12, len, true);
    resealHeader(b);
    yield { kind: `truncate to ${len}, size fixed`, bytes: b };
  }
  const kinds = ["flip", "header field", "entry field", "overlap", "name", "append", "multi"] as const;
  for (let n = 0; n < count; n++) {
    const kind = pick(kinds);
    const b = base.slice();
    const d = dv(b);
    const entry = (i: number) => HEADER_SIZE + i * ENTRY_SIZE;
    switch (kind) {
      case "flip": {
        const flips = 1 + int(4);
        for (let k = 0; k < flips; k++) {
          const at = int(b.length);
          b[at]! ^= 1 << int(8);
        }
        yield { kind: `flip ${flips} bits`, bytes: b };
        break;
      }
      case "header field": {
        const field = pick([4, 6, 8, 12, 16, 24]);
        const v = value(b);
        if (field === 4 || field === 6) d.setUint16(field, v & 0xffff, true);
        else d.setUint32(field, v, true);
        if (rand() < 0.8) resealMeta(b);
        yield { kind: `header @${field} = ${v}`, bytes: b };
        break;
      }
      case "entry field": {
        const i = int(tracks);
        const field = pick([0, 4, 8, 12, 14, 16, 20, 24, 28]);
        const v = value(b);
        if (field === 12 || field === 14) d.setUint16(entry(i) + field, v & 0xffff, true);
        else d.setUint32(entry(i) + field, v, true);
        if (rand() < 0.9) resealMeta(b);
        yield { kind: `track ${i + 1} @${field} = ${v}`, bytes: b };
        break;
      }
      case "overlap": {
        const i = int(tracks);
        let j = int(tracks);
        if (j === i) j = (i + 1) % tracks;
        const src = d.getUint32(entry(j), true);
        const offset = rand() < 0.5 ? src : (src + 4 * int(8)) >>> 0;
        d.setUint32(entry(i), offset, true);
        if (rand() < 0.3) d.setUint32(entry(i) + 4, d.getUint32(entry(j) + 4, true), true);
        resealMeta(b);
        yield { kind: `track ${i + 1} data at track ${j + 1}'s (+${offset - src})`, bytes: b };
        break;
      }
      case "name": {
        const i = int(tracks);
        const at = d.getUint32(entry(i) + 16, true);
        const len = d.getUint32(entry(i) + 20, true);
        const r = rand();
        let what: string;
        if (r < 0.4) {
          const pos = at + int(len);
          b[pos] = pick([0x0a, 0x0d, 0x1b, 0x1e, 0x00, 0x7f, 0x22, 0x5c, 0x80, 0xc0, 0xc2, 0xe2, 0xed, 0xf4, 0xf5, 0xff, int(256)]);
          what = `byte ${pos - at} = ${b[pos]}`;
        } else if (r < 0.6) {
          // A forged log line, as much of it as fits.
          const forged = Buffer.from("\nI summary: tracks=1 frames=1 ramp_frames=0 underruns=0 fifo_empty=0 late_refills=0 fifo_overflow=0 log_dropped=0 elapsed=0.001s\n");
          b.set(forged.subarray(0, len), at);
          what = "forged line";
        } else if (r < 0.8) {
          d.setUint32(entry(i) + 20, pick([0, 1, len - 1, len + 1, 255, 256, 0xffffffff, value(b)]) >>> 0, true);
          what = `length ${d.getUint32(entry(i) + 20, true)}`;
        } else {
          d.setUint32(entry(i) + 16, pick([0, 4, HEADER_SIZE, entry(tracks) - 1, at + 1, b.length - 1, value(b)]) >>> 0, true);
          what = `offset ${d.getUint32(entry(i) + 16, true)}`;
        }
        resealMeta(b);
        yield { kind: `track ${i + 1} name ${what}`, bytes: b };
        break;
      }
      case "append": {
        const extra = 1 + int(64);
        const c = new Uint8Array(b.length + extra);
        c.set(b);
        for (let k = b.length; k < c.length; k++) c[k] = int(256);
        if (rand() < 0.5) {
          dv(c).setUint32(12, c.length, true);
          resealHeader(c);
        }
        yield { kind: `append ${extra}`, bytes: c };
        break;
      }
      case "multi": {
        for (let k = 0, m = 2 + int(6); k < m; k++) d.setUint32(4 * int(b.length >> 2), value(b), true);
        resealMeta(b);
        yield { kind: "several words", bytes: b };
        break;
      }
    }
  }
}

/** The shape of a refusal (numbers, hex and names stripped), to see which checks a run reached. */
export function refusalShape(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/0x[0-9a-f]+|U\+[0-9A-F]+|\d+(\.\d+)?/g, "N");
}

/** Run one mutation; null when the firmware behaved, else what went wrong. `verdict` gets the validator's message ("ok" when valid). */
export function checkMutation(board: BoardName, wasm: WebAssembly.Module, bytes: Uint8Array, verdict?: (message: string) => void): string | null {
  const expected = checkBundle(bytes, frameRateMilliHz(BOARDS[board]));
  verdict?.(expected.ok ? "ok" : expected.message);
  let r;
  try {
    r = simulate({ board, wasm, bundle: bytes, maxSeconds: expected.ok ? 10 : 2 });
  } catch (e) {
    return `host exception: ${(e as Error).stack ?? String(e)}`;
  }
  if (r.error) return `run ended without halting: ${r.error}`;
  if (expected.ok) {
    if (r.haltCode !== 0) return `the validator accepts it but the firmware halted with ${r.haltCode}: ${r.lines.at(-1)}`;
    return null;
  }
  const errors = r.lines.filter((l) => /^[EF] /.test(l));
  const want = `E bundle: ${expected.message}`;
  if (r.haltCode !== 1) return `halt ${r.haltCode}, expected 1 (${errors.join(" | ") || r.lines.at(-1)})`;
  if (errors.length !== 1 || errors[0] !== want) return `firmware said ${JSON.stringify(errors)}, the validator ${JSON.stringify(want)}`;
  if (r.lines.at(-1) !== want) return `the error is not the last line: ${JSON.stringify(r.lines.at(-1))}`;
  if (r.machine.pwm.ctlWrites.length !== 0 || r.jack.frames !== 0) return "PWM was started";
  return null;
}
