/**
 * Finding, probing and running ffmpeg — with as few processes as possible.
 *
 * Which binary: $FFMPEG_PATH if set, else `ffmpeg` on PATH (Debian's 5.1),
 * else the static build inside the optional npm package
 * @ffmpeg-installer/ffmpeg. Finding it starts no process: the file is looked
 * up and checked to be executable. What it is (version, whether the SoX
 * resampler is compiled in) is read from the banner of the one probe a
 * conversion needs (`ffmpeg -i FILE`, which prints the banner, the streams,
 * the duration and the tags in one go), and remembered per binary (path,
 * size, mtime) in the cache directory, so that a cache hit starts no process
 * at all.
 *
 * The conversion itself goes through the fluent-ffmpeg API, from the
 * maintained fork @ts-ffmpeg/fluent-ffmpeg (the original 2.1.3 is archived).
 * Used as it comes, fluent-ffmpeg starts three more processes per run:
 * `ffmpeg -formats` and `ffmpeg -encoders` to check the output format and
 * codec exist (pcm_f32le and f32le are in every ffmpeg build), and ffprobe as
 * soon as a 'progress' listener is attached. {@link fluentCommand} turns the
 * first two off on the command it returns, progress is read from the stderr
 * lines instead of the 'progress' event, and ffmpeg is started as the leader of
 * its own process group (a Ctrl-C at the terminal reaches piwave only; piwave
 * then kills the group, and a clean-up kills it if piwave exits first).
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join, resolve } from "node:path";
import ffmpeg from "@ts-ffmpeg/fluent-ffmpeg";
import { runChild } from "../child-process.js";
import { writeFileAtomicSync } from "../fs-atomic.js";
import { onCleanup } from "../interrupt.js";
import { installHint } from "../tools.js";

export class FfmpegMissingError extends Error {}

/** An ffmpeg binary, found without running it. */
export interface FfmpegInfo {
  /** What is executed (`ffmpeg` when found on PATH). */
  path: string;
  /** The file itself (absolute). */
  file: string;
  /** Where it was found. */
  source: "FFMPEG_PATH" | "PATH" | "@ffmpeg-installer/ffmpeg";
}

/** What an ffmpeg binary is, from its banner. */
export interface FfmpegBuild {
  version: string;
  /** The SoX resampler is compiled in (aresample=resampler=soxr). */
  soxr: boolean;
}

let cached: FfmpegInfo | undefined;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const f = join(dir, name);
    if (executable(f)) return f;
  }
  return undefined;
}

/** Locate ffmpeg (see the module comment) without starting it, or throw FfmpegMissingError saying how to install it. */
export function findFfmpeg(): FfmpegInfo {
  if (cached) return cached;
  const env = process.env.FFMPEG_PATH;
  if (env) {
    if (!executable(env)) {
      const why = !existsSync(env) ? "no such file" : statSync(env).isFile() ? "not executable" : "not a file";
      throw new FfmpegMissingError(`FFMPEG_PATH is set to ${env}, but that does not run as ffmpeg (${why}); fix or unset FFMPEG_PATH`);
    }
    cached = { path: env, file: resolve(env), source: "FFMPEG_PATH" };
    return cached;
  }
  const found = onPath("ffmpeg");
  if (found) {
    cached = { path: "ffmpeg", file: found, source: "PATH" };
    return cached;
  }
  try {
    const req = createRequire(import.meta.url);
    const mod = req("@ffmpeg-installer/ffmpeg") as { path: string };
    if (executable(mod.path)) {
      cached = { path: mod.path, file: mod.path, source: "@ffmpeg-installer/ffmpeg" };
      return cached;
    }
  } catch {
    /* optional dependency not installed */
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

// ---------------------------------------------------------------------------
// What the binary is, remembered per binary in the cache directory.

const BUILDS_FILE = "ffmpeg-builds.json";

function identity(ff: FfmpegInfo): string {
  const s = statSync(ff.file);
  return `${ff.file}|${s.size}|${Math.round(s.mtimeMs)}`;
}

/** The remembered build of `ff`, if a probe has seen this very binary before (no process started). */
export function knownBuild(ff: FfmpegInfo, cacheDir: string): FfmpegBuild | undefined {
  try {
    const all = JSON.parse(readFileSync(join(cacheDir, BUILDS_FILE), "utf8")) as Record<string, FfmpegBuild>;
    const b = all[identity(ff)];
    return b && typeof b.version === "string" && typeof b.soxr === "boolean" ? b : undefined;
  } catch {
    return undefined;
  }
}

function rememberBuild(ff: FfmpegInfo, cacheDir: string, b: FfmpegBuild): void {
  let all: Record<string, FfmpegBuild> = {};
  try {
    all = JSON.parse(readFileSync(join(cacheDir, BUILDS_FILE), "utf8")) as Record<string, FfmpegBuild>;
  } catch {
    /* first one */
  }
  const id = identity(ff);
  if (all[id]?.version === b.version && all[id]?.soxr === b.soxr) return;
  // Only binaries that still exist as they were are kept.
  for (const k of Object.keys(all)) {
    const file = k.split("|")[0]!;
    if (!existsSync(file)) delete all[k];
  }
  all[id] = b;
  try {
    writeFileAtomicSync(join(cacheDir, BUILDS_FILE), JSON.stringify(all, null, 1) + "\n");
  } catch {
    /* only a memo: the next probe learns it again */
  }
}

function parseBanner(text: string): FfmpegBuild | undefined {
  const m = text.match(/^ffmpeg version (\S+)/);
  if (!m) return undefined;
  const conf = text.match(/^\s*configuration:(.*)$/m)?.[1] ?? "";
  return { version: m[1]!, soxr: /--enable-libsoxr\b/.test(conf) };
}

/** Run `ffmpeg -version` (for `--verbose`): what the binary is. */
export async function describeFfmpeg(ff: FfmpegInfo, cacheDir?: string): Promise<FfmpegBuild> {
  const known = cacheDir ? knownBuild(ff, cacheDir) : undefined;
  if (known) return known;
  const r = await runChild(ff.path, ["-version"]).catch((e: Error) => ({ stdout: "", stderr: e.message }));
  const b = parseBanner(r.stdout);
  if (!b) throw new FfmpegMissingError(`${ff.path} does not run as ffmpeg (its -version output does not start with "ffmpeg version")`);
  return b;
}

// ---------------------------------------------------------------------------
// The probe.

export interface Probe {
  /** The container's duration in seconds; undefined when it does not say (streams) or says 0. */
  duration: number | undefined;
  /** ffmpeg estimated the duration from the bit rate (an MP3 without a frame-count header): not to be trusted. */
  durationEstimated: boolean;
  sampleRate: number;
  channels: string;
  codec: string;
  /** The container format ffmpeg recognised (e.g. "mp3", "flac", "mov,mp4,m4a,3gp,3g2,mj2"). */
  format: string;
  /** The title tag (the file's, else its audio stream's), when there is one. */
  title: string | undefined;
  build: FfmpegBuild;
}

export class InputError extends Error {}

/** How ffmpeg is told that an argument is a file (never a protocol such as pipe:, http: or concat:). */
export function fileArg(file: string): string {
  return `file:${resolve(file)}`;
}

function parseDuration(s: string): number | undefined {
  const m = s.match(/^(\d+):(\d+):(\d+(?:\.\d+)?)/);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/**
 * The metadata block that starts after line `at` with entries at `indent`
 * spaces (ffmpeg's dump: "key<pad>: value", a value's further lines as
 * "<indent+16 spaces>: more").
 */
function metadataAt(lines: string[], at: number, indent: number): Map<string, string> {
  const tags = new Map<string, string>();
  const entry = new RegExp(`^ {${indent}}(\\S[^:]*?) *: (.*)$`);
  const more = new RegExp(`^ {${indent + 16}}: (.*)$`);
  let last: string | undefined;
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i]!;
    const c = l.match(more);
    if (c && last !== undefined) {
      tags.set(last, `${tags.get(last)}\n${c[1]}`);
      continue;
    }
    const e = l.match(entry);
    if (!e) break;
    last = e[1]!.toLowerCase();
    if (!tags.has(last)) tags.set(last, e[2]!);
  }
  return tags;
}

function cleanTitle(t: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  const s = t?.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
  return s ? s.slice(0, 200) : undefined;
}

/**
 * What is in `file` and what ffmpeg is, from one `ffmpeg -i FILE` (no
 * ffprobe needed, so the fallback static ffmpeg works too). Throws
 * InputError with the reason (without the file name; the caller adds it).
 */
export async function probe(file: string, o: { cacheDir?: string; signal?: AbortSignal } = {}): Promise<Probe> {
  const ff = findFfmpeg();
  let r;
  try {
    r = await runChild(ff.path, ["-nostdin", "-i", fileArg(file)], { signal: o.signal });
  } catch (e) {
    if (o.signal?.aborted) throw e;
    throw new FfmpegMissingError(`${ff.path} could not be started: ${(e as Error).message}`);
  }
  const err = r.stderr;
  const build = parseBanner(err);
  if (!build) throw new FfmpegMissingError(`${ff.path} (from ${ff.source}) does not run as ffmpeg: its output does not start with "ffmpeg version"`);
  if (o.cacheDir) rememberBuild(ff, o.cacheDir, build);
  const lines = err.split(/\r?\n/);
  const input = lines.findIndex((l) => /^Input #0, /.test(l));
  if (input < 0) {
    if (/: No such file or directory$/m.test(err)) throw new InputError("does not exist");
    if (/: Permission denied$/m.test(err)) throw new InputError("cannot be read (permission denied)");
    if (/: Is a directory$/m.test(err)) throw new InputError("is a directory, not a file");
    if (/: End of file$/m.test(err)) {
      throw new InputError("is cut short: it ends before its audio stream's headers (an incomplete download or copy?); download or copy it again");
    }
    throw new InputError("is not an audio or video file ffmpeg can read (invalid data; is it corrupt or of another type?)");
  }
  const format = lines[input]!.match(/^Input #0, (.*?), from /)?.[1] ?? "unknown";
  const fileTags = lines[input + 1] === "  Metadata:" ? metadataAt(lines, input + 1, 4) : new Map<string, string>();
  let duration: number | undefined;
  const streams: { kind: string; desc: string; line: number }[] = [];
  for (let i = input + 1; i < lines.length; i++) {
    const l = lines[i]!;
    const d = l.match(/^ {2}Duration: ([^,]+)/);
    if (d) duration = parseDuration(d[1]!);
    const s = l.match(/^ {2}Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: (\w+): (.*)$/);
    if (s) streams.push({ kind: s[1]!, desc: s[2]!, line: i });
  }
  const audio = streams.find((s) => s.kind === "Audio");
  if (!audio) {
    const kinds = streams.map((s) => `${s.kind} ${s.desc.split(/[ ,]/)[0]}`);
    throw new InputError(kinds.length ? `has no audio stream (it holds: ${kinds.join(", ")})` : "has no audio stream");
  }
  // "mp3, 44100 Hz, stereo, fltp, 192 kb/s" or "pcm_s16le ([1][0][0][0] / 0x0001), 44100 Hz, 2 channels, s16, 1411 kb/s"
  const desc = audio.desc.replace(/\([^)]*\)/g, "");
  const rate = desc.match(/, (\d+) Hz, ([^,]+)/);
  if (!rate || Number(rate[1]) <= 0) {
    if (/detected only with low score|Could not find codec parameters/.test(err)) {
      throw new InputError("is not an audio or video file ffmpeg can read (invalid data; is it corrupt or of another type?)");
    }
    throw new InputError(`has an audio stream ffmpeg cannot read the format of (${audio.desc.trim()}); is the file cut short or damaged?`);
  }
  const streamTags = lines[audio.line + 1] === "    Metadata:" ? metadataAt(lines, audio.line + 1, 6) : new Map<string, string>();
  return {
    duration: duration && duration > 0 ? duration : undefined,
    durationEstimated: /Estimating duration from bitrate/.test(err),
    sampleRate: Number(rate[1]),
    channels: rate[2]!.trim(),
    codec: desc.split(",")[0]!.trim(),
    format,
    title: cleanTitle(fileTags.get("title")) ?? cleanTitle(streamTags.get("title")),
    build,
  };
}

// ---------------------------------------------------------------------------
// Running ffmpeg through fluent-ffmpeg.

type Callback<T> = (err: Error | null, value?: T) => void;

/** The parts of fluent-ffmpeg's command object that this module adjusts (not in its typings). */
interface FluentInternals {
  _checkCapabilities(cb: Callback<void>): void;
  availableEncoders(cb: Callback<Record<string, unknown>>): void;
  _spawnFfmpeg(args: string[], options: object, processCB: unknown, endCB: unknown): void;
  ffmpegProc?: { pid?: number };
}

export type FluentCommand = ReturnType<typeof ffmpeg>;

/**
 * A fluent-ffmpeg command for `ff` that starts exactly one process: no
 * capability queries, ffmpeg in its own process group, killed (the whole
 * group) when `signal` aborts or piwave exits. Do not attach a 'progress'
 * listener (fluent-ffmpeg would start ffprobe); read time marks from 'stderr'.
 */
export function fluentCommand(ff: FfmpegInfo, signal?: AbortSignal): FluentCommand {
  const cmd = ffmpeg({ stdoutLines: 50 }).setFfmpegPath(ff.path);
  const inner = cmd as unknown as FluentInternals;
  inner._checkCapabilities = (cb) => cb(null);
  inner.availableEncoders = (cb) => cb(null, {});
  const spawnFfmpeg = inner._spawnFfmpeg;
  inner._spawnFfmpeg = function (this: FluentInternals, args, options, processCB, endCB) {
    const opts = typeof options === "function" ? options : { ...options, detached: true };
    spawnFfmpeg.call(this, args, opts, processCB, endCB);
  };
  let unregister: (() => void) | undefined;
  const killGroup = () => {
    const pid = inner.ffmpegProc?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  };
  const onAbort = () => killGroup();
  cmd.on("start", () => {
    unregister = onCleanup(killGroup);
    if (signal?.aborted) killGroup();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  const done = () => {
    unregister?.();
    signal?.removeEventListener("abort", onAbort);
  };
  cmd.on("end", done);
  cmd.on("error", done);
  return cmd;
}
