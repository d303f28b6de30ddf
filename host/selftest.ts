/**
 * The selftest card (`piwave selftest`): firmware/selftest.ts, which
 * measures what the simulator can only assume and prints it as a block for
 * a bug report, with a music bundle that is the announced test sequence:
 * each part is one track whose name says what to listen for — left only,
 * right only, both, the pulse-position check, a slow logarithmic sweep,
 * silence. The firmware's track lines announce them as they start.
 *
 * The pulse-position check (docs/pwm-ms-mode.md): a 1 kHz tone at −1 dBFS on
 * both channels. The plain mode's pre-compensation assumes the M/S pulse
 * starts each period; then a sound card on the jack reads the 2 kHz harmonic
 * far below −60 dBc, and were the pulse at the period's end about −24 dBc.
 */
import { join } from "node:path";
import { BOARDS, type BoardName, frameRateMilliHz } from "./boards.js";
import { type Track, encodeBundle } from "./bundle.js";
import { ROOT, buildWasm } from "./firmware.js";
import { type KernelResult, buildKernel } from "./kernel.js";
import { buildCacheDir, cacheDir as userCacheDir } from "./paths.js";

export const SELFTEST_ENTRY = join(ROOT, "firmware", "selftest.ts");

/** Amplitude of the test tones: -12 dBFS, loud enough to hear, far from clipping. */
const LEVEL = 0.25 * 32767;
const TONE_HZ = 440;
/** The pulse-position check: a 1 kHz tone at −1 dBFS (docs/pwm-ms-mode.md#how-a-user-can-tell-for-the-selftest). */
export const CHECK_HZ = 1000;
const CHECK_LEVEL = 10 ** (-1 / 20) * 32767;

export interface SelftestSequence {
  /** Seconds of each tone part and of the silence (default 3). */
  partSeconds?: number;
  /** Seconds of the sweep (default 10). */
  sweepSeconds?: number;
}

/** The announced test sequence as bundle tracks, at the board's exact rate. */
export function selftestTracks(board: BoardName, o: SelftestSequence = {}): Track[] {
  const rateMilliHz = frameRateMilliHz(BOARDS[board]);
  const rate = rateMilliHz / 1000;
  const part = o.partSeconds ?? 3;
  const sweep = o.sweepSeconds ?? 10;
  const secs = (s: number) => (Number.isInteger(s) ? `${s} s` : `${s.toFixed(2)} s`);
  const make = (name: string, seconds: number, f: (t: number, i: number, n: number) => [number, number]): Track => {
    const n = Math.max(1, Math.round(seconds * rate));
    const pcm = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) {
      const [l, r] = f(i / rate, i, n);
      pcm[2 * i] = Math.round(l);
      pcm[2 * i + 1] = Math.round(r);
    }
    return { name, rateMilliHz, pcm };
  };
  const tone = (t: number) => LEVEL * Math.sin(2 * Math.PI * TONE_HZ * t);
  // Sweep 20 Hz → 20 kHz, logarithmic: phase = 2π f0 T / ln(f1/f0) · (e^(t/T · ln(f1/f0)) − 1).
  const f0 = 20;
  const f1 = 20000;
  const k = Math.log(f1 / f0);
  return [
    make(`left channel only: ${TONE_HZ} Hz tone, ${secs(part)}`, part, (t) => [tone(t), 0]),
    make(`right channel only: ${TONE_HZ} Hz tone, ${secs(part)}`, part, (t) => [0, tone(t)]),
    make(`both channels: ${TONE_HZ} Hz tone, ${secs(part)}`, part, (t) => [tone(t), tone(t)]),
    make(`pulse-position check, both channels: ${CHECK_HZ} Hz at -1 dBFS, ${secs(part)} (a sound card should read 2 kHz below -60 dBc; about -24 dBc means the PWM pulse sits at the end of its period)`, part, (t) => {
      const v = CHECK_LEVEL * Math.sin(2 * Math.PI * CHECK_HZ * t);
      return [v, v];
    }),
    make(`slow sweep, both channels: 20 Hz to 20 kHz in ${secs(sweep)}`, sweep, (t) => {
      const v = LEVEL * Math.sin(((2 * Math.PI * f0 * sweep) / k) * (Math.exp((t / sweep) * k) - 1));
      return [v, v];
    }),
    make(`silence: ${secs(part)} (listen for hiss or hum)`, part, () => [0, 0]),
  ];
}

/** Compile firmware/selftest.ts for `board` (<cache>/build/firmware/selftest-<board>.wasm). */
export async function buildSelftestWasm(board: BoardName): Promise<string> {
  return (await buildWasm(SELFTEST_ENTRY, board, join(buildCacheDir(), "firmware", `selftest-${board}.wasm`))).path;
}

export interface SelftestKernelOptions extends SelftestSequence {
  board: BoardName;
  /** The content-addressed kernel cache (default: the user's cache directory). */
  cacheDir?: string;
  /** Exit QEMU through semihosting at the halt (QEMU runs only). */
  qemuExit?: boolean;
  /** The user's firmware (a checked .wasm) instead of firmware/selftest.ts: it gets the test sequence as its music file. */
  wasmPath?: string;
}

/** kernel8.img with the selftest firmware, and the test sequence as the music file's bytes. */
export async function buildSelftestKernel(o: SelftestKernelOptions): Promise<KernelResult & { music: Uint8Array }> {
  const music = encodeBundle(selftestTracks(o.board, o));
  const wasmPath = o.wasmPath ?? (await buildSelftestWasm(o.board));
  const k = await buildKernel({ board: o.board, wasmPath, qemuExit: o.qemuExit, cacheDir: o.cacheDir ?? userCacheDir() });
  return { ...k, music };
}
