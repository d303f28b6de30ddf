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
 *
 * No clipping: ffmpeg delivers 32-bit float, so a resampler's overshoot (an
 * inter-sample peak of the source becoming a sample) is kept. The true peak
 * of the result is measured (4× oversampled, see true-peak.ts); a song whose
 * true peak is above {@link CEILING_DBTP} is lowered just enough, with a
 * warning, before it is rounded to 16 bits. So no sample clips, and the
 * firmware's own interpolation (the shaped mode) has headroom too.
 *
 * Processes: a cache hit starts none. A miss starts two: one `ffmpeg -i`
 * probe (streams, duration, tags, and what the ffmpeg build is) and the
 * conversion. See ffmpeg.ts.
 *
 * Where the bytes go: ffmpeg writes its float output to a hidden temporary
 * file in the cache directory (never $TMPDIR), which is read in chunks twice:
 * measured while ffmpeg still writes it (the meter follows the file, so on
 * two cores neither waits for the other), then rounded; the result goes into
 * the cache atomically. The
 * song's length is checked against the memory budget from the probed duration
 * before converting, and ffmpeg is stopped (-fs) if the output grows past it
 * anyway. An abort (Ctrl-C) kills ffmpeg's process group and removes the
 * temporary file; a clean-up removes it should piwave exit first.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { type Board, type Quality, frameRateMilliHz, oversampling, pwmClockHz, pwmRange } from "../boards.js";
import { explainWriteError, removeAbandoned, temporaryPathFor, writeFileAtomic } from "../fs-atomic.js";
import { InterruptedError, onCleanup } from "../interrupt.js";
import { formatDuration } from "./duration.js";
import { formatSize } from "../size.js";
import { cacheDir as userCacheDir } from "../paths.js";
import { type FfmpegBuild, InputError, type Probe, fileArg, findFfmpeg, fluentCommand, knownBuild, probe } from "./ffmpeg.js";
import { followFloatFile, forEachFloatChunk, leBytes, readPcm } from "./pcm-file.js";
import { TruePeakMeter, toDb } from "./true-peak.js";

export { InputError } from "./ffmpeg.js";

/** Bump when the conversion changes, so old cache entries are not reused. */
const CONVERTER_VERSION = 3;

/** The highest true peak a converted song may have; louder ones are lowered to it. */
export const CEILING_DBTP = -0.3;

/** Peak normalisation's target. */
const PEAK_TARGET_DBTP = -1;

export interface ConvertOptions {
  board: Board;
  /** The firmware's output mode: it sets the audio rate (plain 44107.269 Hz, shaped 44138.418 Hz on a Pi 4). */
  quality?: Quality;
  /** Loudness: EBU R128 (-16 LUFS, ffmpeg loudnorm) or true peak to -1 dBTP. */
  normalize?: "ebu" | "peak";
  /** Remove leading and trailing silence (below -60 dBFS). */
  trimSilence?: boolean;
  /** Fade in and out over this many seconds. */
  fadeSeconds?: number;
  /** Cache directory (default $PIWAVE_CACHE_DIR, $XDG_CACHE_HOME/piwave or ~/.cache/piwave). */
  cacheDir?: string;
  /** The most PCM bytes this song may take (default: the board's whole memory budget). */
  maxBytes?: number;
  /** Fraction done 0..1 (undefined when the duration is unknown) and seconds of input converted. */
  onProgress?: (fraction: number | undefined, seconds: number) => void;
  signal?: AbortSignal;
}

export interface Converted {
  file: string;
  /** The title tag, else the file name without its extension. */
  name: string;
  /** Interleaved L, R. */
  pcm: Int16Array;
  rateMilliHz: number;
  fromCache: boolean;
  /** The true peak of the converted song (after any gain), in dBTP. */
  truePeakDb: number;
  /** The gain applied to keep it from clipping or to normalise it, in dB (0 when none). */
  gainDb: number;
  /** Things the user should know (the song was lowered to keep it from clipping…). */
  warnings: string[];
  probe?: Probe;
}

/** What the cache keeps beside a song's PCM (`<key>.json`). */
interface CacheMeta {
  title: string | null;
  truePeakDb: number;
  gainDb: number;
  warnings: string[];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The rate inputs are first resampled to when their own rate gives a ratio too large for ffmpeg's integer rates. */
const INTERMEDIATE_RATE = 48000;

/** The asetrate/aresample pair that maps `rateIn` exactly onto clock / (range × oversampling). */
export function exactRateFilter(board: Board, rateIn: number, soxr: boolean, quality: Quality = "plain"): string {
  const clock = pwmClockHz(board);
  let a = pwmRange(board, quality) * oversampling(quality) * rateIn;
  let b = clock;
  const g = gcd(a, b);
  a /= g;
  b /= g;
  const res = soxr ? ":resampler=soxr:precision=28" : "";
  if (a > 0x7fffffff || b > 0x7fffffff) {
    // An odd rate (say 1,999,999 Hz): to 48 kHz first, then exactly as usual. Both steps are exact ratios.
    if (rateIn === INTERMEDIATE_RATE) throw new Error(`the ${board.name} rate cannot be mapped exactly from ${rateIn} Hz`);
    return `aresample=${INTERMEDIATE_RATE}${res},${exactRateFilter(board, INTERMEDIATE_RATE, soxr, quality)}`;
  }
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

/** Leading/trailing frames where both channels stay below -60 dBFS are dropped. */
function trimSilence(pcm: Int16Array): Int16Array {
  const threshold = 33; // 32768 * 10^(-60/20)
  const frames = pcm.length / 2;
  let start = 0;
  while (start < frames && Math.abs(pcm[2 * start]!) < threshold && Math.abs(pcm[2 * start + 1]!) < threshold) start++;
  let end = frames;
  while (end > start && Math.abs(pcm[2 * end - 2]!) < threshold && Math.abs(pcm[2 * end - 1]!) < threshold) end--;
  return pcm.subarray(start * 2, end * 2);
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

/** Why a song does not fit: its length, what it takes, what is left and by how much it is over. */
function budgetMessage(board: Board, rateHz: number, frames: number, maxBytes: number, measured: "long" | "at least"): string {
  const need = frames * 4;
  const over = need - maxBytes;
  const full = maxBytes >= board.bundleBudgetBytes;
  return (
    `${measured === "long" ? "is" : "is at least"} ${formatDuration(frames / rateHz)} long, which takes ${formatSize(need)} at the ${board.name}'s ` +
    `${(rateHz / 1000).toFixed(3)} kHz: more than ${full ? `the ${board.name} memory budget of ${formatSize(board.bundleBudgetBytes)}` : `the ${formatSize(maxBytes)} left of the ${board.name} memory budget`} ` +
    `by ${formatSize(over)} (about ${formatDuration(over / 4 / rateHz)} of audio); leave it out, or cut it shorter`
  );
}

/** Decoder complaints worth failing on (ffmpeg keeps going after most of them). */
const DECODE_ERROR = /^\[[\w.:-]+ @ 0x[0-9a-f]+\] .*(error|invalid|corrupt|missing|overread|damaged|concealing)/i;

/** What an aborted conversion throws: the interrupt itself (so the command can exit 128 + signal), else "conversion aborted". */
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof InterruptedError ? signal.reason : new Error("conversion aborted");
}

interface RunResult {
  decodeErrors: string[];
}

function runFfmpeg(file: string, out: string, filter: string, maxOutBytes: number, p: Probe, ratio: number, o: ConvertOptions, outputName: string, bytesNeeded: number | undefined): Promise<RunResult> {
  const ff = findFfmpeg();
  return new Promise((resolve, reject) => {
    const decodeErrors: string[] = [];
    let writeError: string | undefined;
    const cmd = fluentCommand(ff, o.signal)
      .input(fileArg(file))
      .inputOptions(["-nostdin"])
      .outputOptions(["-map", "0:a:0", "-ac", "2", "-af", filter, "-acodec", "pcm_f32le", "-f", "f32le", "-fs", String(maxOutBytes)])
      .output(fileArg(out));
    cmd.on("stderr", (line: string) => {
      if (DECODE_ERROR.test(line)) decodeErrors.push(line.replace(/^\[[^\]]+\] /, "").trim());
      if (line.includes(out)) {
        // A complaint about the output file: the cache directory is at fault, not the song.
        if (/No space left on device|Disk quota exceeded/i.test(line)) writeError = "ENOSPC";
        else if (/Read-only file system/i.test(line)) writeError = "EROFS";
        else if (/Permission denied/i.test(line)) writeError = "EACCES";
      } else if (/No space left on device|Disk quota exceeded/i.test(line)) writeError = "ENOSPC";
      const m = line.match(/ time=(\d+):(\d+):(\d+(?:\.\d+)?)/);
      if (!m || !o.onProgress) return;
      // The time mark counts output samples at the relabelled rate: scale back to input seconds.
      const seconds = (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * ratio;
      o.onProgress(p.duration ? Math.min(1, seconds / p.duration) : undefined, seconds);
    });
    const cacheError = (code: string) => explainWriteError(Object.assign(new Error(code), { code }), outputName, bytesNeeded);
    cmd.on("error", (err: Error, _stdout: string | null, stderr: string | null) => {
      if (o.signal?.aborted) {
        reject(abortError(o.signal));
        return;
      }
      if (writeError) {
        reject(cacheError(writeError));
        return;
      }
      const lines = (stderr ?? "").split("\n").filter((l) => /error|invalid|matches no streams|failed/i.test(l));
      reject(new InputError(`ffmpeg could not convert it: ${lines.at(-1)?.trim() || err.message}`));
    });
    cmd.on("end", () => (writeError ? reject(cacheError(writeError)) : resolve({ decodeErrors })));
    if (o.signal?.aborted) {
      reject(abortError(o.signal));
      return;
    }
    cmd.run();
  });
}

function cacheKey(fileHash: string, o: ConvertOptions, build: FfmpegBuild): string {
  const quality = o.quality ?? "plain";
  const params = {
    v: CONVERTER_VERSION,
    clock: pwmClockHz(o.board),
    range: pwmRange(o.board, quality),
    osr: oversampling(quality),
    normalize: o.normalize ?? null,
    trim: o.trimSilence ?? false,
    fade: o.fadeSeconds ?? 0,
    soxr: build.soxr,
  };
  return createHash("sha256").update(fileHash).update(JSON.stringify(params)).digest("hex");
}

function readMeta(path: string): CacheMeta | undefined {
  try {
    const m = JSON.parse(readFileSync(path, "utf8")) as CacheMeta;
    return typeof m.truePeakDb === "number" && typeof m.gainDb === "number" && Array.isArray(m.warnings) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Convert one file (or take it from the cache). Throws InputError naming the file and what is wrong. */
export async function convertFile(file: string, o: ConvertOptions): Promise<Converted> {
  const fallbackName = basename(file, extname(file));
  const fail = (why: string): never => {
    throw new InputError(`${file}: ${why}`);
  };
  if (!existsSync(file)) fail("file not found");
  if (!statSync(file).isFile()) fail("is not a regular file");
  if (statSync(file).size === 0) fail("is empty (0 bytes)");
  const quality = o.quality ?? "plain";
  const rateMilliHz = frameRateMilliHz(o.board, quality);
  const rateHz = rateMilliHz / 1000;
  const maxBytes = Math.min(o.maxBytes ?? o.board.bundleBudgetBytes, o.board.bundleBudgetBytes);
  const ff = findFfmpeg();
  const dir = o.cacheDir ?? userCacheDir();
  const pcmDir = join(dir, "pcm");
  const fileHash = await hashFile(file);
  o.signal?.throwIfAborted(); // interrupted while hashing

  const fromCache = (key: string): Converted | undefined => {
    const cachePath = join(pcmDir, `${key}.s16`);
    const meta = readMeta(join(pcmDir, `${key}.json`));
    if (!meta || !existsSync(cachePath)) return undefined;
    const bytes = statSync(cachePath).size;
    if (bytes > maxBytes) fail(budgetMessage(o.board, rateHz, bytes / 4, maxBytes, "long"));
    o.onProgress?.(1, 0);
    const pcm = readPcm(cachePath);
    return { file, name: meta.title ?? fallbackName, pcm, rateMilliHz, fromCache: true, truePeakDb: meta.truePeakDb, gainDb: meta.gainDb, warnings: meta.warnings };
  };

  const known = knownBuild(ff, dir);
  if (known) {
    const hit = fromCache(cacheKey(fileHash, o, known));
    if (hit) return hit;
  }

  try {
    mkdirSync(pcmDir, { recursive: true });
  } catch (e) {
    throw explainWriteError(e, join(pcmDir, "x"));
  }
  let p: Probe;
  try {
    p = await probe(file, { cacheDir: dir, signal: o.signal });
  } catch (e) {
    if (e instanceof InputError) fail(e.message);
    throw e;
  }
  o.signal?.throwIfAborted(); // interrupted while probing
  const key = cacheKey(fileHash, o, p.build);
  if (!known) {
    const hit = fromCache(key);
    if (hit) return hit;
  }
  const cachePath = join(pcmDir, `${key}.s16`);

  // Too long for the board? Known from the container's duration before anything is converted.
  if (p.duration !== undefined && !p.durationEstimated && Math.round(p.duration * rateHz) * 4 > maxBytes) {
    fail(budgetMessage(o.board, rateHz, Math.round(p.duration * rateHz), maxBytes, "long"));
  }

  const rateIn = o.normalize === "ebu" ? 192000 : p.sampleRate; // loudnorm works (and outputs) at 192 kHz
  // Stereo first (mono duplicated, surround down-mixed by ffmpeg's matrix), so both channels
  // then go through identical resampling. Float throughout: nothing clips inside ffmpeg.
  let exact: string;
  try {
    exact = exactRateFilter(o.board, rateIn, p.build.soxr, quality);
  } catch (e) {
    return fail(`${(e as Error).message} (its sample rate is ${p.sampleRate} Hz)`);
  }
  const filter = "aformat=sample_fmts=fltp:channel_layouts=stereo," + (o.normalize === "ebu" ? "loudnorm=I=-16:TP=-1.5:LRA=11," : "") + exact;
  const b = Number(filter.match(/aresample=(\d+)(?!.*aresample)/)![1]);
  const ratio = b / rateHz;

  removeAbandoned(pcmDir); // temporaries of conversions killed outright (SIGKILL, a power cut)
  const scratch = temporaryPathFor(join(pcmDir, `${key}.f32`));
  const unregister = onCleanup(() => rmSync(scratch, { force: true }));
  try {
    // f32 stereo is 8 bytes a frame against the 4 kept: stop ffmpeg once the song is past the budget.
    const maxFloatBytes = 2 * maxBytes + 8;
    // Pass 1 (how loud it really is) follows ffmpeg's output while ffmpeg still writes it: two cores, both busy.
    const meter = new TruePeakMeter();
    const follow = followFloatFile(scratch, (s) => meter.push(s));
    const following = setInterval(() => {
      try {
        follow.poll();
      } catch {
        /* read again, and any error reported, by follow.finish() below */
      }
    }, 25);
    let run: RunResult;
    try {
      // ffmpeg's float output plus the 16-bit entry made from it.
      const needed = p.duration === undefined ? undefined : Math.round(p.duration * rateHz) * 12;
      // Named after the song in the message: "no space left in …/pcm: converted song.flac needs 12.7 MB, …".
      const what = join(pcmDir, `converted ${basename(file)}`);
      run = await runFfmpeg(file, scratch, filter, maxFloatBytes, p, ratio, o, what, needed);
    } catch (e) {
      if (e instanceof InputError) fail(e.message);
      throw e;
    } finally {
      clearInterval(following);
      follow.close();
    }
    const frames = Math.floor(statSync(scratch).size / 8);
    if (frames * 4 > maxBytes) fail(budgetMessage(o.board, rateHz, frames, maxBytes, "at least"));

    const warnings: string[] = [];
    const decoded = frames / rateHz;
    if (frames === 0) fail("has zero duration (no audio samples decoded)");
    const errors = run.decodeErrors.length
      ? `ffmpeg reported ${run.decodeErrors.length} decoding error(s), first: "${run.decodeErrors[0]}"`
      : undefined;
    if (p.duration !== undefined) {
      const missing = p.duration - decoded;
      if (missing > Math.max(0.5, 0.02 * p.duration)) {
        const what = `decodes to ${formatDuration(decoded)} of the ${formatDuration(p.duration)} its ${p.format} header announces`;
        if (errors) fail(`is damaged or cut short: it ${what}, and ${errors}; download or copy it again, or re-encode it`);
        if (p.durationEstimated) warnings.push(`it ${what} (the header's figure is only an estimate from the bit rate)`);
        else fail(`is cut short: it ${what} (an incomplete download or copy?); download or copy it again`);
      }
    }
    if (errors) fail(`corrupt audio stream: ${errors}; re-encode or replace the file`);

    // Pass 1, the rest of it.
    follow.finish();
    meter.finish();
    const peakDb = Math.max(-200, toDb(meter.truePeak)); // -200: silence
    let gain = 1;
    if (o.normalize === "peak" && meter.truePeak > 0) {
      gain = 10 ** (PEAK_TARGET_DBTP / 20) / meter.truePeak;
    } else if (peakDb > CEILING_DBTP) {
      gain = 10 ** (CEILING_DBTP / 20) / meter.truePeak;
      warnings.push(
        `its true peak after resampling to the ${o.board.name}'s rate is ${peakDb >= 0 ? "+" : ""}${peakDb.toFixed(2)} dBTP ` +
          `(samples up to ${toDb(meter.samplePeak).toFixed(2)} dBFS): lowered by ${(-toDb(gain)).toFixed(2)} dB so that nothing clips`,
      );
    }

    // Pass 2: round to 16 bits with that gain.
    const rounded = new Int16Array(frames * 2); // a const the loop below can keep in a register
    const scale = gain * 32768;
    forEachFloatChunk(scratch, (s, first) => {
      const at = first * 2;
      for (let i = 0; i < s.length; i++) {
        const v = Math.round(s[i]! * scale);
        rounded[at + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    });
    let pcm: Int16Array = rounded;
    rmSync(scratch, { force: true });

    if (o.trimSilence) pcm = trimSilence(pcm);
    if (pcm.length === 0) fail("is silent (nothing left after trimming silence)");
    if (o.fadeSeconds) fade(pcm, Math.round((o.fadeSeconds * rateMilliHz) / 1000));
    const meta: CacheMeta = { title: p.title ?? null, truePeakDb: peakDb + toDb(gain), gainDb: toDb(gain), warnings };
    // The PCM last: an entry counts only when both are there.
    await writeFileAtomic(join(pcmDir, `${key}.json`), JSON.stringify(meta) + "\n");
    await writeFileAtomic(cachePath, leBytes(pcm));
    o.onProgress?.(1, p.duration ?? decoded);
    return { file, name: p.title ?? fallbackName, pcm, rateMilliHz, fromCache: false, truePeakDb: meta.truePeakDb, gainDb: meta.gainDb, warnings, probe: p };
  } finally {
    rmSync(scratch, { force: true });
    unregister();
  }
}
