/**
 * Building a card's boot files: songs → music file, firmware → kernel8.img,
 * plus config.txt and the Raspberry Pi firmware files, written into one
 * output directory. `piwave build` parses options and prints; this does the
 * work.
 *
 * What it guarantees:
 *   - Nothing shared between runs but content-addressed caches: the music is
 *     kept in memory until it is written to the output directory, the kernel
 *     is built in a private work directory and cached by content
 *     (host/kernel.ts), so two builds at once never see each other's music.
 *   - kernel8.img depends only on board, quality, feed and dither: changing
 *     songs rewrites music.pwb alone and starts no compiler.
 *   - All or nothing: every output is first written to a temporary file in
 *     the output directory (and fsynced); only when all of them are complete
 *     are they renamed into place. A full disk, an error or an interrupt
 *     before that leaves the previous boot files exactly as they were, and no
 *     temporary file behind. Files whose bytes did not change are not
 *     rewritten.
 *   - The directory holds exactly the current board's files: Raspberry Pi
 *     firmware files of the other board that an earlier piwave build left
 *     there are removed (only in a directory whose config.txt piwave wrote).
 *   - The Raspberry Pi firmware files are required: without them the card
 *     cannot boot, so the build fails before writing anything unless a
 *     kernel-only build was asked for. They are got first, before the
 *     user's firmware is compiled and the songs converted, so a failed
 *     download is reported at once.
 *   - An AbortSignal (the process's interrupt) stops every step promptly,
 *     kills child processes, and writes nothing.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { demoTracks } from "../assets/demo.js";
import { type ConvertOptions, type Converted, InputError, convertFile } from "./audio/convert.js";
import { BOARDS, type Board, type BoardName, type Quality, frameRateMilliHz } from "./boards.js";
import { encodeBundle } from "./bundle.js";
import type { PlainPrecompResult } from "./dsp/plain-precompensation.js";
import { configTxt } from "./config-txt.js";
import { readsBundle } from "./firmware-module.js";
import type { Variant } from "./firmware.js";
import { OutputError, explainWriteError, freeBytes, removeAbandoned, temporaryOwner, temporaryPathFor } from "./fs-atomic.js";
import { onCleanup } from "./interrupt.js";
import type { UserFirmware } from "./user-firmware.js";
import { type KernelResult, buildKernel } from "./kernel.js";
import { checkBundleFile } from "./bundle-check.js";
import { formatSize } from "./size.js";
import { MUSIC_FILE, musicBudgetBytes } from "./memory-map.js";
import { FIRMWARE_FILES, FirmwareError, type FirmwareSource, resolveFirmware } from "./raspi-firmware.js";

export { MUSIC_FILE } from "./memory-map.js";

/** Where the music comes from. */
export type MusicSource =
  | { kind: "songs"; songs: string[]; normalize?: "ebu" | "peak"; trimSilence?: boolean; fadeSeconds?: number }
  | { kind: "bundle"; file: string }
  | { kind: "demo" }
  /** An empty bundle (a header, no tracks): for a firmware that reads none (host/firmware-module.ts readsBundle). */
  | { kind: "none" };

export interface PiFirmwareOptions {
  /** Take the files from this directory. */
  dir?: string;
  /** Allow a download (default true). */
  download?: boolean;
  /** A mirror's URL template. */
  url?: string;
  /** Where Debian's raspi-firmware package is looked for (tests). */
  debianDir?: string;
  log?: (msg: string) => void;
}

export interface BuildOptions {
  board: BoardName;
  variant: Variant & { quality: Quality };
  music: MusicSource;
  /**
   * The user's firmware instead of piwave's player: loaded and checked
   * against the ABI, or made on demand (an entry compiled), which is done
   * only once the Raspberry Pi firmware files are in hand, so a failed
   * download is reported in a second, not after a compile. A firmware that
   * reads no asset bundle gets an empty one instead of the demo music.
   */
  userFirmware?: UserFirmware | (() => Promise<UserFirmware>);
  /** Something the user should know that does not stop the build (music given to a firmware that never reads it). */
  onWarning?: (message: string) => void;
  outDir: string;
  cacheDir: string;
  /** Plain mode's pre-compensation of converted songs (host/bundle.ts): "fast" (the default), "exact" or "off". */
  precompensation?: "fast" | "exact" | "off";
  /** The Raspberry Pi firmware files, or `false` for a kernel-only build (the card then needs them from elsewhere). */
  piFirmware: PiFirmwareOptions | false;
  signal?: AbortSignal;
  /** Progress of song `index` (0-based): fraction 0..1 or undefined when unknown. */
  onSongProgress?: (index: number, song: string, fraction: number | undefined) => void;
  /** A song is converted (or came from the cache). */
  onSongDone?: (index: number, c: Converted) => void;
  /** A step that may take a while is starting. */
  onStep?: (what: string) => void;
}

export interface BuildResult {
  outDir: string;
  /** Every boot file of this build, by name, in the order written. */
  files: string[];
  /** Files whose bytes changed (or that are new). */
  written: string[];
  /** Files another board's build had left, now removed. */
  removed: string[];
  kernel: KernelResult;
  /** `unread`: the firmware reads no asset bundle (music.pwb is then empty unless music was given). */
  music: { bytes: number; tracks: Converted[] | undefined; unread: boolean };
  /** Where the Raspberry Pi firmware files came from; undefined for a kernel-only build. */
  piFirmware: FirmwareSource | undefined;
}

/** Every file name a piwave build may put into a boot directory, for any board. */
export const MANAGED_FILES: readonly string[] = ["kernel8.img", "config.txt", MUSIC_FILE, ...new Set(Object.values(FIRMWARE_FILES).flat())];

/** Refuse music larger than the board's memory map leaves for it, saying by how much. */
export function checkBudget(b: BoardName | Board, bundleBytes: number, quality: Quality = "plain"): void {
  const board = typeof b === "string" ? b : b.name;
  const budget = musicBudgetBytes(board);
  if (bundleBytes > budget) {
    const over = bundleBytes - budget;
    const perMin = (frameRateMilliHz(BOARDS[board], quality) / 1000) * 4 * 60;
    throw new InputError(
      `the music takes ${formatSize(bundleBytes)}, more than the ${board} memory budget of ${formatSize(budget)} ` +
        `by ${formatSize(over)} (about ${(over / perMin).toFixed(1)} minutes of audio): leave some songs out`,
    );
  }
}

/** How {@link convertSongs} converts: {@link convertFile}'s options less the per-song ones, plus progress per song. */
export type ConvertSongsOptions = Omit<ConvertOptions, "maxBytes" | "onProgress"> & {
  onSongProgress?: (index: number, song: string, fraction: number | undefined) => void;
  onSongDone?: (index: number, c: Converted) => void;
};

/**
 * Convert songs in order for one card (build, and sim/qemu with songs): each
 * song may take what the songs before it left of the board's memory budget,
 * so an over-long one is refused before it is converted.
 */
export async function convertSongs(songs: readonly string[], o: ConvertSongsOptions): Promise<Converted[]> {
  const tracks: Converted[] = [];
  let left = musicBudgetBytes(o.board.name);
  for (const [i, song] of songs.entries()) {
    o.signal?.throwIfAborted();
    const c = await convertFile(song, { ...o, maxBytes: left, onProgress: (f) => o.onSongProgress?.(i, song, f) });
    left -= c.pcm.length * 2;
    // A conversion that ignored the interrupt (hashing, probing) must not go on.
    o.signal?.throwIfAborted();
    tracks.push(c);
    o.onSongDone?.(i, c);
  }
  return tracks;
}

async function musicBytes(o: BuildOptions): Promise<{ bytes: Uint8Array; tracks: Converted[] | undefined }> {
  const m = o.music;
  if (m.kind === "bundle") {
    const file = resolve(m.file);
    if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`asset bundle ${m.file} does not exist or is not a file`);
    const bytes = new Uint8Array(readFileSync(file));
    checkBundleFile(m.file, bytes, BOARDS[o.board], o.variant.quality); // the firmware's rules, before anything is built
    return { bytes, tracks: undefined };
  }
  if (m.kind === "none") return { bytes: encodeBundle([]), tracks: undefined };
  if (m.kind === "demo") return { bytes: encodeBundle(demoTracks(frameRateMilliHz(BOARDS[o.board], o.variant.quality))), tracks: undefined };
  const tracks = await convertSongs(m.songs, {
    board: BOARDS[o.board],
    quality: o.variant.quality,
    normalize: m.normalize,
    trimSilence: m.trimSilence,
    fadeSeconds: m.fadeSeconds,
    cacheDir: o.cacheDir,
    signal: o.signal,
    onSongProgress: o.onSongProgress,
    onSongDone: o.onSongDone,
  });
  // Plain mode's pre-compensation (host/bundle.ts) can ask for more than the PWM's rails on loud high notes: say so.
  const onPrecompensated = (i: number, r: PlainPrecompResult) => {
    if (r.clippedSamples > 0) {
      tracks[i]!.warnings.push(
        `plain mode's pulse-position pre-compensation needs ${(20 * Math.log10(r.peak)).toFixed(1)} dB more than the PWM's range in ${r.clippedSamples} samples (held at the rail): ` +
          "lower the level, or build with --quality shaped for loud high frequencies",
      );
    }
  };
  return { bytes: encodeBundle(tracks.map((c) => ({ name: c.name, rateMilliHz: c.rateMilliHz, pcm: c.pcm })), { onPrecompensated, cacheDir: o.cacheDir, precompensation: o.precompensation ?? "fast" }), tracks };
}

/** Does the file at `path` hold exactly `data`? Read in 1 MiB pieces: music files can be hundreds of MB. */
function sameBytes(path: string, data: Uint8Array): boolean {
  let fd: number | undefined;
  try {
    const s = statSync(path);
    if (!s.isFile() || s.size !== data.length) return false;
    fd = openSync(path, "r");
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, data.length)));
    for (let off = 0; off < data.length; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, data.length - off), off);
      if (n <= 0 || !buf.subarray(0, n).equals(data.subarray(off, off + n))) return false;
      off += n;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Temporary files of a piwave that was killed outright (its process is gone) while writing boot files into `dir`. */
function removeAbandonedTemporaries(dir: string): void {
  removeAbandoned(dir, (name) => (MANAGED_FILES.some((f) => name.startsWith(`.${f}.`)) ? temporaryOwner(name) : undefined));
}

/** Flush the directory itself, so the renames survive a power cut (where the filesystem supports it). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    /* not supported here (some filesystems refuse fsync on a directory): the files themselves are synced */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Is `dir` a boot directory piwave wrote (its config.txt says so)? */
function isPiwaveBootDir(dir: string): boolean {
  try {
    return readFileSync(join(dir, "config.txt"), "utf8").startsWith("# piwave:");
  } catch {
    return false;
  }
}

/**
 * Write `files` into `dir` all or nothing: each to a temporary sibling
 * (fsynced), then all renamed. Unchanged files are left alone. Returns the
 * names that were (re)written.
 */
export async function writeBootFiles(dir: string, files: Map<string, Uint8Array>, signal?: AbortSignal): Promise<string[]> {
  removeAbandonedTemporaries(dir);
  const changed = [...files].filter(([name, data]) => !sameBytes(join(dir, name), data));
  const need = changed.reduce((n, [, d]) => n + d.length, 0);
  const free = freeBytes(dir);
  const noSpace = () =>
    new OutputError(
      `no space left in ${resolve(dir)}: the boot files need ${formatSize(need)} (${changed.map(([n]) => n).join(", ")})` +
        `${free === undefined ? "" : `, ${formatSize(free)} free`}. Free some space there or choose another --out-dir; the previous boot files are unchanged.`,
      resolve(dir),
      "ENOSPC",
    );
  // The new files are complete before the old ones go, so the space for all of them is needed at once.
  if (free !== undefined && need > free) throw noSpace();
  const staged: { tmp: string; final: string }[] = [];
  const unregister = onCleanup(() => {
    for (const s of staged) rmSync(s.tmp, { force: true });
  });
  try {
    for (const [name, data] of changed) {
      signal?.throwIfAborted();
      const final = join(dir, name);
      const tmp = temporaryPathFor(final);
      staged.push({ tmp, final });
      try {
        const fh = await open(tmp, "wx", 0o644);
        try {
          let off = 0;
          while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
          await fh.sync();
        } finally {
          await fh.close();
        }
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOSPC" || code === "EDQUOT") throw noSpace();
        throw explainWriteError(e, final, data.length);
      }
    }
    signal?.throwIfAborted();
    // Past this point nothing is interrupted: renames are quick and synchronous.
    for (const s of staged) renameSync(s.tmp, s.final);
    staged.length = 0;
    syncDirectory(dir);
  } finally {
    for (const s of staged) rmSync(s.tmp, { force: true });
    unregister();
  }
  return changed.map(([n]) => n);
}

export async function build(o: BuildOptions): Promise<BuildResult> {
  const signal = o.signal;
  try {
    return await buildUnchecked(o);
  } catch (e) {
    // A step that failed because it was interrupted (a child killed by the terminal's SIGINT, an
    // aborted fetch) is an interrupt. The signal's handler may still be queued behind the failure:
    // give it a moment before deciding.
    if (signal && !signal.aborted) await new Promise((r) => setTimeout(r, 50));
    if (signal?.aborted) throw signal.reason;
    throw e;
  }
}

async function buildUnchecked(o: BuildOptions): Promise<BuildResult> {
  const signal = o.signal;
  const outDir = resolve(o.outDir);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new OutputError(`--out-dir ${outDir} is a file, not a directory`, outDir, "ENOTDIR");

  // Songs that are not there are named before anything else happens.
  if (o.music.kind === "songs") {
    for (const song of o.music.songs) {
      if (!existsSync(song)) throw new InputError(`${song}: file not found`);
      if (!statSync(song).isFile()) throw new InputError(`${song}: is not a regular file`);
    }
  }
  // A ready bundle is checked with the firmware's rules just as early: a wrong file is the user's first problem.
  if (o.music.kind === "bundle") await musicBytes({ ...o, signal: undefined });
  // Then the Raspberry Pi firmware files: without them the card cannot boot, so stop before any long step.
  let piFirmware: FirmwareSource | undefined;
  if (o.piFirmware !== false) {
    o.onStep?.("getting the Raspberry Pi firmware files");
    piFirmware = await resolveFirmware({
      board: o.board,
      firmwareDir: o.piFirmware.dir,
      cacheDir: o.cacheDir,
      debianDir: o.piFirmware.debianDir,
      download: o.piFirmware.download !== false,
      url: o.piFirmware.url,
      log: o.piFirmware.log,
      signal,
    });
    signal?.throwIfAborted();
  }

  const userFw = typeof o.userFirmware === "function" ? await o.userFirmware() : o.userFirmware;
  const wasmPath = userFw?.path;
  signal?.throwIfAborted();
  // A firmware that never reads the bundle gets an empty one, not the demo music (nor is given songs silently).
  const unread = userFw !== undefined && !readsBundle(userFw.module);
  if (unread && o.music.kind !== "demo" && o.music.kind !== "none") {
    o.onWarning?.(`${userFw.source} never reads the asset bundle (it imports neither env.bundle_size nor env.bundle_read): the music is written to the card but not played`);
  }

  const music = await musicBytes(unread && o.music.kind === "demo" ? { ...o, music: { kind: "none" } } : o);
  checkBudget(o.board, music.bytes.length, o.variant.quality);
  signal?.throwIfAborted();

  o.onStep?.("building kernel8.img");
  const kernel = await buildKernel({ board: o.board, variant: o.variant, wasmPath, cacheDir: o.cacheDir, signal, onStep: o.onStep });
  signal?.throwIfAborted();

  const files = new Map<string, Uint8Array>([
    ["kernel8.img", new Uint8Array(readFileSync(kernel.image))],
    ["config.txt", new TextEncoder().encode(configTxt(o.board))],
    [MUSIC_FILE, music.bytes],
  ]);
  for (const [name, data] of piFirmware?.files ?? []) files.set(name, data);

  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw explainWriteError(e, join(outDir, "kernel8.img"));
  }
  const wasOurs = isPiwaveBootDir(outDir);
  const written = await writeBootFiles(outDir, files, signal);

  // Exactly this board's files: drop what a build for the other board left.
  const removed: string[] = [];
  if (wasOurs) {
    const keep = new Set([...files.keys(), ...FIRMWARE_FILES[o.board]]);
    for (const name of MANAGED_FILES) {
      if (keep.has(name) || !existsSync(join(outDir, name))) continue;
      rmSync(join(outDir, name), { force: true });
      removed.push(name);
    }
  }
  return { outDir, files: [...files.keys()], written, removed, kernel, music: { bytes: music.bytes.length, tracks: music.tracks, unread }, piFirmware };
}

export { FirmwareError };
