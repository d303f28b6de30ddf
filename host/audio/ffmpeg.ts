/**
 * Finding and running ffmpeg.
 *
 * Which binary: $FFMPEG_PATH if set, else `ffmpeg` on PATH (Debian's 5.1),
 * else the static build inside the optional npm package
 * @ffmpeg-installer/ffmpeg. It is checked (`ffmpeg -version`) before use,
 * so a missing binary is a clear message, never a crash.
 *
 * The conversion itself goes through the fluent-ffmpeg API, from the
 * maintained fork @ts-ffmpeg/fluent-ffmpeg (the original 2.1.3 is archived:
 * a missing binary crashes it with an uncatchable TypeError, and its
 * `progress.percent` is wrong with -t and null for streams). Progress is
 * computed here from the output time mark against the probed duration, and
 * every ffmpeg started is killed when the conversion is aborted.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { installHint } from "../tools.js";

export class FfmpegMissingError extends Error {}

export interface FfmpegInfo {
  path: string;
  version: string;
  /** Where it was found. */
  source: "FFMPEG_PATH" | "PATH" | "@ffmpeg-installer/ffmpeg";
  /** The SoX resampler is compiled in (aresample=resampler=soxr). */
  soxr: boolean;
}

let cached: FfmpegInfo | undefined;

function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ["-hide_banner", "-version"], { encoding: "utf8", timeout: 15_000 });
  if (r.status !== 0 || !r.stdout) return undefined;
  return r.stdout.split("\n")[0]!.replace(/^ffmpeg version\s*/, "").split(" ")[0];
}

function hasSoxr(path: string): boolean {
  const r = spawnSync(path, ["-hide_banner", "-h", "filter=aresample"], { encoding: "utf8", timeout: 15_000 });
  return /\bsoxr\b/.test(r.stdout ?? "");
}

/** Locate ffmpeg (see the module comment), or throw FfmpegMissingError saying how to install it. */
export function findFfmpeg(): FfmpegInfo {
  if (cached) return cached;
  const candidates: [string, FfmpegInfo["source"]][] = [];
  if (process.env.FFMPEG_PATH) {
    const p = process.env.FFMPEG_PATH;
    const v = versionOf(p);
    if (!v) throw new FfmpegMissingError(`FFMPEG_PATH is set to ${p}, but that does not run as ffmpeg (${existsSync(p) ? "not executable or not ffmpeg" : "no such file"}); fix or unset FFMPEG_PATH`);
    cached = { path: p, version: v, source: "FFMPEG_PATH", soxr: hasSoxr(p) };
    return cached;
  }
  candidates.push(["ffmpeg", "PATH"]);
  try {
    const req = createRequire(import.meta.url);
    const mod = req("@ffmpeg-installer/ffmpeg") as { path: string };
    candidates.push([mod.path, "@ffmpeg-installer/ffmpeg"]);
  } catch {
    /* optional dependency not installed */
  }
  for (const [p, source] of candidates) {
    const v = versionOf(p);
    if (v) {
      cached = { path: p, version: v, source, soxr: hasSoxr(p) };
      return cached;
    }
  }
  throw new FfmpegMissingError(
    `ffmpeg not found (needed to convert the songs); ${installHint({ debian: ["ffmpeg"], fedora: ["ffmpeg-free"], brew: ["ffmpeg"] })}, ` +
      "or point FFMPEG_PATH at an ffmpeg binary",
  );
}

/** For tests: forget the located binary (after changing FFMPEG_PATH or PATH). */
export function resetFfmpeg(): void {
  cached = undefined;
}

export interface Probe {
  /** Seconds, or undefined when the container does not say (streams). */
  duration: number | undefined;
  sampleRate: number;
  channels: string;
  codec: string;
}

export class InputError extends Error {}

function parseDuration(s: string): number | undefined {
  const m = s.match(/(\d+):(\d+):(\d+(?:\.\d+)?)/);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/**
 * What is in `file`, from ffmpeg's own stream listing (no ffprobe needed,
 * so the fallback static ffmpeg works too). Throws InputError with the reason.
 */
export function probe(file: string): Probe {
  const ff = findFfmpeg();
  const r = spawnSync(ff.path, ["-hide_banner", "-nostdin", "-i", file], { encoding: "utf8", timeout: 30_000 });
  const err = r.stderr ?? "";
  if (/Invalid data found when processing input|could not find codec parameters|Unknown input format|moov atom not found/i.test(err)) {
    throw new InputError("is not an audio or video file ffmpeg can read (invalid data; is it corrupt or of another type?)");
  }
  if (/No such file or directory/.test(err)) throw new InputError("does not exist");
  if (/Permission denied/.test(err)) throw new InputError("cannot be read (permission denied)");
  const audio = err.match(/Stream #\d+:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Audio: ([^,\n]+)[^\n]*?, (\d+) Hz, ([^,\n]+)/);
  if (!audio) {
    const kinds = [...err.matchAll(/Stream #\d+:\d+[^:]*: (\w+): ([^,\n ]+)/g)].map((m) => `${m[1]} ${m[2]}`);
    throw new InputError(kinds.length ? `has no audio stream (it holds: ${kinds.join(", ")})` : "has no audio stream");
  }
  const d = err.match(/Duration: ([^,\n]+)/);
  return { duration: d ? parseDuration(d[1]!) : undefined, sampleRate: Number(audio[2]), channels: audio[3]!.trim(), codec: audio[1]!.trim() };
}
