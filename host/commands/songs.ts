/**
 * Songs given to `sim` or `qemu`: converted exactly as `piwave build`
 * converts them (same ffmpeg chain, same cache, same options), packed into an
 * asset bundle in memory, so that users hear their own music before they
 * flash it.
 */
import { InputError } from "../audio/convert.js";
import { FfmpegMissingError, findFfmpeg } from "../audio/ffmpeg.js";
import { BOARDS, type BoardName, type Quality } from "../boards.js";
import { type Track, encodeBundle } from "../bundle.js";
import { interruptSignal } from "../interrupt.js";
import { cacheDir } from "../paths.js";
import { checkBudget, convertAll } from "./build.js";
import { UsageError, numberOption, ui } from "./common.js";

export { CONVERT_OPTIONS, CONVERT_USAGE } from "./common.js";

type SongsOptions = { board: BoardName; quality: Quality; values: { normalize?: string; "trim-silence"?: boolean; fade?: string; "cache-dir"?: string } };

/** Convert `songs` for `board` and pack them into an asset bundle (checked against the board's memory budget). */
export async function bundleFromSongs(songs: string[], o: SongsOptions): Promise<Uint8Array> {
  return (await songsBundle(songs, o)).bundle;
}

/**
 * The same, also giving the songs as converted: the bundle of a plain build
 * stores them pre-compensated (host/bundle.ts), and `sim --report` compares
 * the jack with the songs themselves (host/quality/song-source.ts).
 */
export async function songsBundle(songs: string[], o: SongsOptions): Promise<{ bundle: Uint8Array; converted: Track[] }> {
  const v = o.values;
  if (v.normalize !== undefined && v.normalize !== "ebu" && v.normalize !== "peak") throw new UsageError(`--normalize takes ebu or peak, not "${v.normalize}"`);
  try {
    findFfmpeg();
  } catch (e) {
    if (e instanceof FfmpegMissingError) throw new InputError(e.message);
    throw e;
  }
  const board = BOARDS[o.board];
  {
    const converted = await convertAll(songs, {
      board,
      quality: o.quality,
      normalize: v.normalize as "ebu" | "peak" | undefined,
      trimSilence: v["trim-silence"] === true,
      fadeSeconds: v.fade === undefined ? undefined : numberOption("fade", v.fade, 0, 0),
      cacheDir: cacheDir(v["cache-dir"]),
      progress: process.stderr.isTTY === true && !ui.quiet,
      signal: interruptSignal(),
    });
    const tracks = converted.map((c) => ({ name: c.name, rateMilliHz: c.rateMilliHz, pcm: c.pcm }));
    const bundle = encodeBundle(tracks, { cacheDir: cacheDir(v["cache-dir"]) });
    checkBudget(board, bundle.length);
    return { bundle, converted: tracks };
  }
}
