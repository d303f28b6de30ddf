/** `piwave build`: parse the options, run host/build.ts, print what happened. */
import { relative, resolve } from "node:path";
import cliProgress from "cli-progress";
import { type Converted, InputError } from "../audio/convert.js";
import { FfmpegMissingError, describeFfmpeg, findFfmpeg } from "../audio/ffmpeg.js";
import { BOARDS, type Board, type BoardName, type Quality, frameRateMilliHz } from "../boards.js";
import { type MusicSource, build, convertSongs } from "../build.js";
import { InterruptedError, exitCodeFor, interruptSignal } from "../interrupt.js";
import type { KernelResult } from "../kernel.js";
import { cacheDir as userCacheDir } from "../paths.js";
import { FIRMWARE_FILES, FirmwareError } from "../raspi-firmware.js";
import { FIRMWARE_OPTIONS, FIRMWARE_USAGE, JSON_OPTION, UsageError, VARIANT_OPTIONS, boardOption, color, emitJson, numberOption, parse, say, ui, userFirmwareOption, userFirmwareSource, variantOption, warn } from "./common.js";
import { formatDuration, formatSize, table } from "./format.js";

export { checkBudget } from "../build.js";

const USAGE = `Usage: piwave build [SONG ...] [options]

Converts the songs (anything ffmpeg decodes: mp3, flac, ogg/opus, wav, m4a,
a video's sound) to the board's exact PWM sample rate, packs them into the
music file and writes every file the SD card's boot partition needs into DIR
(default dist/boot), and nothing else:
  kernel8.img   the player (depends only on board, quality, feed, ramp)
  music.pwb     the music, loaded by the Pi's firmware at boot
  config.txt    the boot configuration for this board
  the Raspberry Pi firmware files
  (Pi 4: start4.elf fixup4.dat; Pi 3: bootcode.bin start.elf fixup.dat).
Without songs, the project file's songs, else the demo music, are used (an
empty bundle for a --entry/--wasm firmware that reads none). Files
are replaced only when the whole set is written; a failed or interrupted
build leaves DIR as it was.

  --board pi4|pi3        target board (default pi4)
  --normalize ebu|peak   EBU R128 loudness (-16 LUFS) or true peak (-1 dBTP)
  --trim-silence         drop silence at the start and end of each song
  --fade S               fade in and out over S seconds
  --quality plain|shaped firmware output: plain (default) or x16 oversampled and
                         noise-shaped (~98 dB SNR instead of ~72 in simulation)
  --precompensation fast|exact|off
                         plain mode's correction of M/S PWM's pulse-position
                         distortion, computed here: fast (default, about a
                         second per song; THD+N -70 dB at 1 kHz, -37 at 5), exact
                         (-70 dB at 5 kHz too, several times slower), or off
                         (the player corrects below 8 kHz in real time)
  --feed poll|dma        how words reach the PWM: CPU polling (default) or DMA
  --ramp MS|thump-free   length of the ramp from 0 V to silence at power-up and
                         back after the last song (never between songs). Default
                         thump-free: 11-19 s each way, thump <= -60 dBFS;
                         1000 thumps at about -42 dBFS
  --bundle FILE          use a ready asset bundle instead of songs
  --firmware-dir DIR     take the Raspberry Pi firmware files from DIR
  --offline              never download them (use DIR, Debian's package or the cache)
  --kernel-only          write no Raspberry Pi firmware files (the card gets them
                         elsewhere); without it, a build that cannot get them fails
  --cache-dir DIR        cache of converted songs, kernel builds and the Raspberry
                         Pi firmware files (default: the user's cache folder,
                         e.g. ~/.cache/piwave)
  --out-dir DIR          where the boot files go (default dist/boot)
  --verbose              say which ffmpeg and firmware files are used
  --json                 print what was built as JSON
${FIRMWARE_USAGE}
The Raspberry Pi firmware files are otherwise downloaded once from the
official raspberrypi/firmware repository at the release piwave pins, checked
against the SHA-256 values piwave ships, and cached. HTTPS_PROXY and NO_PROXY
are honoured. PIWAVE_FIRMWARE_URL names a mirror instead, as a URL template
with {commit} and {file}; the same SHA-256 values apply.
`;

export function printKernelReport(k: KernelResult): void {
  const s = k.sizes;
  const how = k.prebuilt ? ", piwave's player as the package ships it (no compiler started)" : k.fromCache ? ", unchanged firmware and runtime: from the cache" : k.compiled ? `, ${k.compiled} files compiled` : "";
  say(`kernel8.img ${formatSize(k.imageBytes)}${how}\n`);
  const parts = [
    ["  firmware (translated to C)", formatSize(s.firmware)],
    ["  WebAssembly runtime", formatSize(s.wasmRuntime)],
    ["  piwave bare-metal runtime", formatSize(s.glue)],
    ["  padding and other", formatSize(s.other)],
  ];
  for (const line of table(parts, new Set([1]))) say(line + "\n");
  if (!k.fromCache) say(`steps: ${Object.entries(k.steps).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")}\n`);
}

/** One progress bar per song on a terminal (none under --quiet, --json or without a TTY). */
function songBars(enabled: boolean) {
  const bars = enabled
    ? new cliProgress.MultiBar(
        { format: " {bar} {percentage}% | {name}", hideCursor: true, clearOnComplete: false, stream: process.stderr, barsize: 30 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bar = new Map<number, cliProgress.SingleBar>();
  const get = (i: number, name: string) => {
    let b = bar.get(i);
    if (!b && bars) bar.set(i, (b = bars.create(100, 0, { name })));
    return b;
  };
  return {
    progress: (i: number, song: string, f: number | undefined) => get(i, song)?.update(Math.round((f ?? 0) * 100)),
    done: (i: number, c: Converted) => get(i, c.file)?.update(100, { name: `${c.file}${c.fromCache ? " (cached)" : ""}` }),
    stop: () => bars?.stop(),
  };
}

/** The song table after converting, then any warning (a song lowered so that it does not clip). */
function printSongs(converted: Converted[], rate: number): void {
  const rows = converted.map((c, i) => [String(i + 1), c.name, formatDuration(c.pcm.length / 2 / rate), formatSize(c.pcm.length * 2), c.fromCache ? "cache" : "ffmpeg", `${c.truePeakDb.toFixed(1)} dBTP`]);
  const total = converted.reduce((n, c) => n + c.pcm.length / 2, 0);
  const lines = table([["#", "track", "duration", "size", "from", "peak"], ...rows, ["", "total", formatDuration(total / rate), formatSize(total * 4), "", ""]], new Set([0, 2, 3, 4, 5]));
  for (const l of lines) say(l.trimEnd() + "\n");
  for (const c of converted) for (const w of c.warnings) warn(`${c.file}: ${w}`);
}

export interface ConvertAllOptions {
  board: Board;
  quality: Quality;
  normalize?: "ebu" | "peak";
  trimSilence?: boolean;
  fadeSeconds?: number;
  cacheDir: string;
  progress: boolean;
  signal?: AbortSignal;
}

/** Convert every song with a progress bar each, print the summary table (for `sim` and `qemu` with songs). */
export async function convertAll(songs: string[], o: ConvertAllOptions): Promise<Converted[]> {
  const bars = songBars(o.progress);
  let out: Converted[];
  try {
    const { progress: _, ...convert } = o;
    out = await convertSongs(songs, { ...convert, onSongProgress: bars.progress, onSongDone: bars.done });
  } finally {
    bars.stop();
  }
  printSongs(out, frameRateMilliHz(o.board, o.quality) / 1000);
  return out;
}

export async function buildCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    {
      board: { type: "string" },
      bundle: { type: "string" },
      normalize: { type: "string" },
      precompensation: { type: "string" },
      "trim-silence": { type: "boolean" },
      fade: { type: "string" },
      "firmware-dir": { type: "string" },
      "cache-dir": { type: "string" },
      "out-dir": { type: "string" },
      verbose: { type: "boolean" },
      offline: { type: "boolean" },
      "kernel-only": { type: "boolean" },
      ...VARIANT_OPTIONS,
      ...FIRMWARE_OPTIONS,
      ...JSON_OPTION,
    },
    USAGE,
    { songs: true },
  );
  if (!r) return 0;
  const v = r.values;
  const variant = variantOption(v);
  const boardName: BoardName = boardOption(v.board);
  const songs = r.positionals;
  if (songs.length && v.bundle) throw new UsageError("give songs or --bundle, not both");
  if (v.normalize !== undefined && v.normalize !== "ebu" && v.normalize !== "peak") throw new UsageError(`--normalize takes ebu or peak, not "${v.normalize}"`);
  const precompensation = v.precompensation ?? "fast";
  if (precompensation !== "fast" && precompensation !== "exact" && precompensation !== "off") throw new UsageError(`--precompensation takes fast, exact or off, not "${precompensation}"`);
  const kernelOnly = v["kernel-only"] === true;
  if (kernelOnly && (v["firmware-dir"] !== undefined || v.offline)) throw new UsageError("--kernel-only writes no Raspberry Pi firmware files: leave out --firmware-dir and --offline");
  const cacheDir = userCacheDir(v["cache-dir"]);
  const out = resolve(v["out-dir"] ?? r.outputs.boot);
  // The user's firmware: a .wasm is checked now (refused if it imports outside the ABI); an entry is
  // compiled by build() only once the Raspberry Pi firmware files are in hand.
  const userSrc = await userFirmwareSource(v, r.project);
  const userFirmware =
    userSrc?.wasm !== undefined
      ? await userFirmwareOption(v, r.project, boardName, variant)
      : userSrc?.entry !== undefined
        ? async () => (await import("../user-firmware.js")).loadUserFirmware(userSrc, boardName, variant)
        : undefined;

  let music: MusicSource = { kind: "demo" };
  if (songs.length) {
    let ff;
    try {
      ff = findFfmpeg();
    } catch (e) {
      if (e instanceof FfmpegMissingError) throw new InputError(e.message);
      throw e;
    }
    if (v.verbose) {
      const d = await describeFfmpeg(ff, cacheDir);
      say(`ffmpeg ${d.version} (${ff.path}, from ${ff.source}${d.soxr ? ", soxr resampler" : ""})\n`);
    }
    music = {
      kind: "songs",
      songs,
      normalize: v.normalize as "ebu" | "peak" | undefined,
      trimSilence: v["trim-silence"] === true,
      fadeSeconds: v.fade === undefined ? undefined : numberOption("fade", v.fade, 0, 0),
    };
  } else if (v.bundle) {
    music = { kind: "bundle", file: v.bundle };
  }

  const bars = songBars(songs.length > 0 && process.stderr.isTTY === true && !ui.quiet && !ui.json);
  const signal = interruptSignal();
  let result;
  try {
    result = await build({
      board: boardName,
      variant,
      music,
      userFirmware,
      onWarning: warn,
      outDir: out,
      cacheDir,
      precompensation,
      piFirmware: kernelOnly
        ? false
        : { dir: v["firmware-dir"], download: !v.offline, url: process.env.PIWAVE_FIRMWARE_URL || undefined, log: v.verbose ? (m) => say(m + "\n") : undefined },
      signal,
      onStep: (what) => {
        if (process.stderr.isTTY && !ui.quiet) process.stderr.write(color.dim(`${what}…`) + "\n");
      },
      onSongProgress: bars.progress,
      onSongDone: (i, c) => {
        bars.done(i, c);
        if (i === songs.length - 1) bars.stop();
      },
    });
  } catch (e) {
    bars.stop();
    if (e instanceof InterruptedError) {
      process.stderr.write(`piwave build: interrupted: nothing was written, the boot files in ${out} are as they were\n`);
      return exitCodeFor(e.signal);
    }
    if (e instanceof FirmwareError) {
      throw new FirmwareError(
        `the card cannot boot without the Raspberry Pi firmware files (${FIRMWARE_FILES[boardName].join(", ")}): ${e.message.replace(/; use --firmware-dir DIR( for offline builds)?$/, "")}. ` +
          "Nothing was written. Ways to get them: build once online (downloaded and checked by SHA-256, then cached), --firmware-dir DIR " +
          "(the boot partition of Raspberry Pi OS), or Debian's raspi-firmware package; --kernel-only builds without them",
      );
    }
    throw e;
  }
  if (result.music.tracks) printSongs(result.music.tracks, frameRateMilliHz(BOARDS[boardName], variant.quality) / 1000);
  printKernelReport(result.kernel);
  say(`music.pwb ${formatSize(result.music.bytes)}${result.music.unread && music.kind === "demo" ? " (empty: the firmware reads no asset bundle)" : ""}\n`);
  if (result.piFirmware) say(`Raspberry Pi firmware: ${[...result.piFirmware.files.keys()].join(", ")} from ${result.piFirmware.from}\n`);
  else warn(`--kernel-only: no Raspberry Pi firmware files written; the card also needs ${FIRMWARE_FILES[boardName].join(", ")} beside kernel8.img`);
  const rel = relative(process.cwd(), result.outDir) || ".";
  const unchanged = result.files.filter((f) => !result.written.includes(f));
  say(
    `boot files for ${boardName} in ${rel}: ${result.files.join(", ")}` +
      (unchanged.length ? ` (unchanged: ${unchanged.join(", ")})` : "") +
      (result.removed.length ? `; removed the other board's ${result.removed.join(", ")}` : "") +
      "\n",
  );
  if (ui.json) {
    emitJson({
      board: boardName,
      variant,
      bootDir: result.outDir,
      files: result.files,
      written: result.written,
      removed: result.removed,
      music: { file: "music.pwb", bytes: result.music.bytes, tracks: result.music.tracks?.map((c) => ({ file: c.file, name: c.name, frames: c.pcm.length / 2, fromCache: c.fromCache, truePeakDb: c.truePeakDb })) },
      kernel: { bytes: result.kernel.imageBytes, sizes: result.kernel.sizes, stepsMs: result.kernel.steps, fromCache: result.kernel.fromCache },
      piFirmware: result.piFirmware ? { files: [...result.piFirmware.files.keys()], from: result.piFirmware.from } : null,
    });
  }
  return 0;
}
