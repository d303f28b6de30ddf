/**
 * Converting music for the Pi: any file ffmpeg can decode → signed 16-bit
 * stereo PCM at the board's exact PWM frame rate (e.g. 125 MHz / 2834 =
 * 44107.269 Hz on a Pi 4), with a content-addressed cache.
 *
 * Exact rate: ffmpeg's resampler takes integer rates, and 44107.269 Hz is
 * not one. The ratio that matters is out/in = clock / (range × rate_in), so
 * the input is relabelled (asetrate) as range × rate_in and resampled
 * (soxr where available) to `clock`, both divided by their gcd. Frame count
 * and pitch then come out exact; the rate labels are never written anywhere
 * (the output is raw PCM).
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, extname, join } from "node:path";
import ffmpeg from "@ts-ffmpeg/fluent-ffmpeg";
import { type Board, type Quality, frameRateMilliHz, oversampling, pwmClockHz, pwmRange } from "../boards.js";
import { InputError, type Probe, findFfmpeg, probe } from "./ffmpeg.js";

export { InputError } from "./ffmpeg.js";

/** Bump when the conversion changes, so old cache entries are not reused. */
const CONVERTER_VERSION = 2;

export interface ConvertOptions {
  board: Board;
  /** The firmware's output mode: it sets the audio rate (plain 44107.269 Hz, shaped 44138.418 Hz on a Pi 4). */
  quality?: Quality;
  /** Loudness: EBU R128 (-16 LUFS, ffmpeg loudnorm) or peak to -1 dBFS. */
  normalize?: "ebu" | "peak";
  /** Remove leading and trailing silence (below -60 dBFS). */
  trimSilence?: boolean;
  /** Fade in and out over this many seconds. */
  fadeSeconds?: number;
  /** Cache directory (default $PIWAVE_CACHE_DIR, $XDG_CACHE_HOME/piwave or ~/.cache/piwave). */
  cacheDir?: string;
  /** Fraction done 0..1 (undefined when the duration is unknown) and seconds of input converted. */
  onProgress?: (fraction: number | undefined, seconds: number) => void;
  signal?: AbortSignal;
}

export interface Converted {
  file: string;
  name: string;
  /** Interleaved L, R. */
  pcm: Int16Array;
  rateMilliHz: number;
  fromCache: boolean;
  probe?: Probe;
}

export function defaultCacheDir(): string {
  if (process.env.PIWAVE_CACHE_DIR) return process.env.PIWAVE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "piwave");
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The asetrate/aresample pair that maps `rateIn` exactly onto clock / (range × oversampling). */
export function exactRateFilter(board: Board, rateIn: number, soxr: boolean, quality: Quality = "plain"): string {
  const clock = pwmClockHz(board);
  let a = pwmRange(board, quality) * oversampling(quality) * rateIn;
  let b = clock;
  const g = gcd(a, b);
  a /= g;
  b /= g;
  if (a > 0x7fffffff || b > 0x7fffffff) throw new Error(`input rate ${rateIn} Hz cannot be mapped exactly (ratio terms too large)`);
  const res = soxr ? ":resampler=soxr:precision=28" : "";
  return `asetrate=${a},aresample=${b}${res}`;
}

async function hashFile(file: string): Promise<string> {
  const h = createHash("sha256");
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on("data", (c) => h.update(c))
      .on("end", () => resolve())
      .on("error", reject);
  });
  return h.digest("hex");
}

function toLE(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) dv.setInt16(i * 2, pcm[i]!, true);
  return out;
}

function fromLE(bytes: Uint8Array): Int16Array {
  const n = Math.floor(bytes.length / 4) * 2;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = dv.getInt16(i * 2, true);
  return pcm;
}

/** Leading/trailing frames where both channels stay below -60 dBFS are dropped. */
function trimSilence(pcm: Int16Array): Int16Array {
  const threshold = 33; // 32768 * 10^(-60/20)
  const frames = pcm.length / 2;
  let start = 0;
  while (start < frames && Math.abs(pcm[2 * start]!) < threshold && Math.abs(pcm[2 * start + 1]!) < threshold) start++;
  let end = frames;
  while (end > start && Math.abs(pcm[2 * end - 2]!) < threshold && Math.abs(pcm[2 * end - 1]!) < threshold) end--;
  return pcm.slice(start * 2, end * 2);
}

function normalizePeak(pcm: Int16Array): void {
  let peak = 0;
  for (const s of pcm) peak = Math.max(peak, Math.abs(s));
  if (peak === 0) return;
  const gain = (32767 * 0.891) / peak; // -1 dBFS
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(pcm[i]! * gain)));
}

function fade(pcm: Int16Array, frames: number): void {
  const n = pcm.length / 2;
  const f = Math.min(frames, Math.floor(n / 2));
  for (let i = 0; i < f; i++) {
    const g = i / f;
    pcm[2 * i] = Math.round(pcm[2 * i]! * g);
    pcm[2 * i + 1] = Math.round(pcm[2 * i + 1]! * g);
    const j = n - 1 - i;
    pcm[2 * j] = Math.round(pcm[2 * j]! * g);
    pcm[2 * j + 1] = Math.round(pcm[2 * j + 1]! * g);
  }
}

/** Decoder complaints worth failing on (ffmpeg keeps going after most of them). */
const DECODE_ERROR = /^\[[\w.:-]+ @ 0x[0-9a-f]+\] .*(error|invalid|corrupt|missing|overread|damaged|concealing)/i;

function runFfmpeg(file: string, out: string, filter: string, p: Probe, ratio: number, o: ConvertOptions): Promise<string[]> {
  const ff = findFfmpeg();
  return new Promise((resolve, reject) => {
    const decodeErrors: string[] = [];
    const cmd = ffmpeg({ stdoutLines: 0 })
      .setFfmpegPath(ff.path)
      .input(file)
      .inputOptions(["-nostdin"])
      .outputOptions(["-map", "0:a:0", "-ac", "2", "-af", filter, "-acodec", "pcm_s16le", "-f", "s16le"])
      .output(out);
    const abort = () => cmd.kill("SIGKILL");
    // An abort listener added to an already-aborted signal never runs: check first.
    if (o.signal?.aborted) {
      reject(o.signal.reason);
      return;
    }
    o.signal?.addEventListener("abort", abort, { once: true });
    cmd.on("stderr", (line: string) => {
      if (DECODE_ERROR.test(line)) decodeErrors.push(line.replace(/^\[[^\]]+\] /, "").trim());
    });
    cmd.on("progress", (pr: { timemark?: string }) => {
      const m = pr.timemark?.match(/(\d+):(\d+):(\d+(?:\.\d+)?)/);
      if (!m || !o.onProgress) return;
      // The time mark counts output samples at the relabelled rate: scale back to input seconds.
      const seconds = (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * ratio;
      o.onProgress(p.duration ? Math.min(1, seconds / p.duration) : undefined, seconds);
    });
    cmd.on("error", (err: Error, _stdout: string | null, stderr: string | null) => {
      o.signal?.removeEventListener("abort", abort);
      if (o.signal?.aborted) {
        reject(new Error("conversion aborted"));
        return;
      }
      const lines = (stderr ?? "").split("\n").filter((l) => /error|invalid|matches no streams|failed/i.test(l));
      reject(new InputError(`ffmpeg could not convert it: ${lines.at(-1)?.trim() || err.message}`));
    });
    cmd.on("end", () => {
      o.signal?.removeEventListener("abort", abort);
      resolve(decodeErrors);
    });
    cmd.run();
  });
}

/** Convert one file (or take it from the cache). Throws InputError naming what is wrong. */
export async function convertFile(file: string, o: ConvertOptions): Promise<Converted> {
  const name = basename(file, extname(file));
  const fail = (why: string): never => {
    throw new InputError(`${file}: ${why}`);
  };
  if (!existsSync(file)) fail("file not found");
  if (!statSync(file).isFile()) fail("is not a regular file");
  if (statSync(file).size === 0) fail("is empty (0 bytes)");
  const quality = o.quality ?? "plain";
  const rateMilliHz = frameRateMilliHz(o.board, quality);
  const ff = findFfmpeg();
  const params = { v: CONVERTER_VERSION, clock: pwmClockHz(o.board), range: pwmRange(o.board, quality), osr: oversampling(quality), normalize: o.normalize ?? null, trim: o.trimSilence ?? false, fade: o.fadeSeconds ?? 0, soxr: ff.soxr };
  const key = createHash("sha256").update(await hashFile(file)).update(JSON.stringify(params)).digest("hex");
  o.signal?.throwIfAborted(); // interrupted while hashing
  const dir = o.cacheDir ?? defaultCacheDir();
  const cachePath = join(dir, "pcm", `${key}.s16`);
  if (existsSync(cachePath)) {
    o.onProgress?.(1, 0);
    return { file, name, pcm: fromLE(new Uint8Array(readFileSync(cachePath))), rateMilliHz, fromCache: true };
  }

  let p: Probe;
  try {
    p = probe(file);
  } catch (e) {
    if (e instanceof InputError) fail(e.message);
    throw e;
  }
  o.signal?.throwIfAborted(); // interrupted while probing
  if (p.duration !== undefined && p.duration <= 0) fail("has zero duration");
  const rateIn = o.normalize === "ebu" ? 192000 : p.sampleRate; // loudnorm works (and outputs) at 192 kHz
  // Stereo first (mono duplicated, surround down-mixed by ffmpeg's matrix), so both channels
  // then go through identical resampling.
  const filter =
    "aformat=sample_fmts=fltp:channel_layouts=stereo," +
    (o.normalize === "ebu" ? "loudnorm=I=-16:TP=-1.5:LRA=11," : "") +
    exactRateFilter(o.board, rateIn, ff.soxr, quality);
  const b = Number(filter.match(/aresample=(\d+)/)![1]);
  const ratio = b / (rateMilliHz / 1000);
  mkdirSync(join(dir, "pcm"), { recursive: true });
  const tmp = join(tmpdir(), `piwave-${process.pid}-${key.slice(0, 16)}.s16`);
  let decodeErrors: string[];
  try {
    decodeErrors = await runFfmpeg(file, tmp, filter, p, ratio, o);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof InputError) fail(e.message);
    throw e;
  }
  if (decodeErrors.length > 0) {
    rmSync(tmp, { force: true });
    fail(`corrupt audio stream: ffmpeg reported ${decodeErrors.length} decoding error(s), first: "${decodeErrors[0]}"; re-encode or replace the file`);
  }
  let pcm = fromLE(new Uint8Array(readFileSync(tmp)));
  rmSync(tmp, { force: true });
  if (o.trimSilence) pcm = trimSilence(pcm);
  if (pcm.length === 0) fail(o.trimSilence ? "is silent (nothing left after trimming silence)" : "has zero duration (no audio samples decoded)");
  if (o.normalize === "peak") normalizePeak(pcm);
  if (o.fadeSeconds) fade(pcm, Math.round((o.fadeSeconds * rateMilliHz) / 1000));
  const part = `${cachePath}.${process.pid}.tmp`;
  writeFileSync(part, toLE(pcm));
  renameSync(part, cachePath);
  o.onProgress?.(1, p.duration ?? 0);
  return { file, name, pcm, rateMilliHz, fromCache: false, probe: p };
}
