/** `piwave build`: songs → asset bundle → kernel8.img, plus everything else the SD card needs. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import cliProgress from "cli-progress";
import { type Converted, InputError, convertFile, defaultCacheDir } from "../audio/convert.js";
import { FfmpegMissingError, findFfmpeg } from "../audio/ffmpeg.js";
import { BOARDS, type Board, type BoardName, type Quality, frameRateMilliHz } from "../boards.js";
import { encodeBundle } from "../bundle.js";
import { type KernelResult, buildKernel, installBootFiles } from "../kernel.js";
import { FIRMWARE_FILES, FirmwareError, resolveFirmware } from "../raspi-firmware.js";
import { buildCacheDir } from "../paths.js";
import { formatDuration, formatSize, table } from "./format.js";
import { FIRMWARE_OPTIONS, FIRMWARE_USAGE, JSON_OPTION, UsageError, VARIANT_OPTIONS, boardOption, emitJson, numberOption, parse, ui, userFirmwareOption, variantOption } from "./common.js";
import { writeDemoBundle } from "./demo.js";

const USAGE = `Usage: piwave build [SONG ...] [options]

Converts the songs (anything ffmpeg decodes: mp3, flac, ogg/opus, wav, m4a,
a video's sound) to the board's exact PWM sample rate, packs them into the
asset bundle (dist/music-<board>.pwb), builds kernel8.img with it and writes
every file the SD card's boot partition needs into dist/boot:
  kernel8.img, config.txt, and the Raspberry Pi firmware
  (Pi 4: start4.elf fixup4.dat; Pi 3: bootcode.bin start.elf fixup.dat).
Without songs, the project file's songs, else the demo music, are used.

  --board pi4|pi3        target board (default pi4)
  --normalize ebu|peak   EBU R128 loudness (-16 LUFS) or peak (-1 dBFS)
  --trim-silence         drop silence at the start and end of each song
  --fade S               fade in and out over S seconds
  --quality plain|shaped firmware output: plain (default) or x16 oversampled and
                         noise-shaped (~98 dB SNR instead of ~72 in simulation)
  --feed poll|dma        how words reach the PWM: CPU polling (default) or DMA
  --dither               TPDF dither in the shaped mode
  --bundle FILE          use a ready asset bundle instead of songs
  --firmware-dir DIR     take the Raspberry Pi firmware files from DIR
  --offline              never download them (use DIR, Debian's package or the cache)
  --kernel-only          build without the Raspberry Pi firmware (the card
                         will not boot until it is added)
  --cache-dir DIR        converted-audio and firmware cache (default: the
                         user's cache folder, e.g. ~/.cache/piwave)
  --out-dir DIR          where the boot files go (default dist/boot)
  --verbose              say which ffmpeg and firmware files are used
  --json                 print what was built as JSON
${FIRMWARE_USAGE}
The Raspberry Pi firmware files are otherwise downloaded once from the
official raspberrypi/firmware repository at the release piwave pins, checked
against the SHA-256 values piwave ships, and cached. HTTPS_PROXY and NO_PROXY
are honoured. PIWAVE_FIRMWARE_URL names a mirror instead, as a URL template
with {commit} and {file}; the same SHA-256 values apply. A build that cannot
get the firmware fails (exit 1), unless --kernel-only was given.
`;

export function kb(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export function printKernelReport(k: KernelResult): void {
  const s = k.sizes;
  const noAssets = k.imageBytes - s.assets;
  console.log(`kernel8.img ${formatSize(k.imageBytes)}; without the music ${formatSize(noAssets)}`);
  const parts = [
    ["  firmware (translated to C)", formatSize(s.firmware)],
    ["  WebAssembly runtime", formatSize(s.wasmRuntime)],
    ["  piwave bare-metal runtime", formatSize(s.glue)],
    ["  padding and other", formatSize(s.other)],
    ["  music (asset bundle)", formatSize(s.assets)],
  ];
  for (const line of table(parts, new Set([1]))) console.log(line);
  console.log(`steps: ${Object.entries(k.steps).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")}`);
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

/** Convert every song with a progress bar each, print the summary table. */
export async function convertAll(songs: string[], o: ConvertAllOptions): Promise<Converted[]> {
  const bars = o.progress
    ? new cliProgress.MultiBar(
        { format: " {bar} {percentage}% | {name}", hideCursor: true, clearOnComplete: false, stream: process.stderr, barsize: 30 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const out: Converted[] = [];
  try {
    for (const song of songs) {
      const bar = bars?.create(100, 0, { name: song });
      const c = await convertFile(song, {
        board: o.board,
        quality: o.quality,
        normalize: o.normalize,
        trimSilence: o.trimSilence,
        fadeSeconds: o.fadeSeconds,
        cacheDir: o.cacheDir,
        signal: o.signal,
        onProgress: (f) => bar?.update(Math.round((f ?? 0) * 100)),
      });
      bar?.update(100, { name: `${song}${c.fromCache ? " (cached)" : ""}` });
      out.push(c);
    }
  } finally {
    bars?.stop();
  }
  const rate = frameRateMilliHz(o.board, o.quality) / 1000;
  const rows = out.map((c, i) => [String(i + 1), c.name, formatDuration(c.pcm.length / 2 / rate), mb(c.pcm.length * 2), c.fromCache ? "cache" : "ffmpeg"]);
  const total = out.reduce((n, c) => n + c.pcm.length / 2, 0);
  const lines = table([["#", "track", "duration", "size", "from"], ...rows, ["", "total", formatDuration(total / rate), mb(total * 4), ""]], new Set([0, 2, 3, 4]));
  for (const l of lines) console.log(l.trimEnd());
  return out;
}

/** Refuse a bundle larger than the board can hold, saying by how much. */
export function checkBudget(board: Board, bundleBytes: number): void {
  if (bundleBytes > board.bundleBudgetBytes) {
    const over = bundleBytes - board.bundleBudgetBytes;
    const perMin = (frameRateMilliHz(board) / 1000) * 4 * 60;
    throw new InputError(
      `the music takes ${mb(bundleBytes)}, more than the ${board.name} memory budget of ${mb(board.bundleBudgetBytes)} ` +
        `(${(board.bundleBudgetBytes / 1024 / 1024).toFixed(0)} MiB) by ${mb(over)} (about ${(over / perMin).toFixed(1)} minutes of audio): leave some songs out`,
    );
  }
}

export async function buildCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    {
      board: { type: "string" },
      bundle: { type: "string" },
      normalize: { type: "string" },
      "trim-silence": { type: "boolean" },
      fade: { type: "string" },
      "firmware-dir": { type: "string" },
      "cache-dir": { type: "string" },
      "out-dir": { type: "string" },
      verbose: { type: "boolean" },
      offline: { type: "boolean" },
      ...VARIANT_OPTIONS,
      "kernel-only": { type: "boolean" },
      ...FIRMWARE_OPTIONS,
      ...JSON_OPTION,
    },
    USAGE,
    { songs: true },
  );
  if (!r) return 0;
  const v = r.values;
  const variant = variantOption(v);
  const quality = variant.quality;
  const boardName: BoardName = boardOption(v.board);
  const board = BOARDS[boardName];
  const songs = r.positionals;
  if (songs.length && v.bundle) throw new UsageError("give songs or --bundle, not both");
  if (v.normalize !== undefined && v.normalize !== "ebu" && v.normalize !== "peak") throw new UsageError(`--normalize takes ebu or peak, not "${v.normalize}"`);
  const cacheDir = v["cache-dir"] ?? defaultCacheDir();
  const out = v["out-dir"] ?? r.outputs.boot;
  const userFw = await userFirmwareOption(v, r.project, boardName); // the user's firmware, refused here if it imports outside the ABI

  let bundlePath: string;
  if (songs.length) {
    let ff;
    try {
      ff = findFfmpeg();
    } catch (e) {
      if (e instanceof FfmpegMissingError) throw new InputError(e.message);
      throw e;
    }
    if (v.verbose) console.log(`ffmpeg ${ff.version} (${ff.path}, from ${ff.source}${ff.soxr ? ", soxr resampler" : ""})`);
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once("SIGINT", onSigint);
    let converted: Converted[];
    try {
      converted = await convertAll(songs, {
        board,
        quality,
        normalize: v.normalize as "ebu" | "peak" | undefined,
        trimSilence: v["trim-silence"] === true,
        fadeSeconds: v.fade === undefined ? undefined : numberOption("fade", v.fade, 0, 0),
        cacheDir,
        progress: process.stderr.isTTY === true,
        signal: ac.signal,
      });
    } finally {
      process.removeListener("SIGINT", onSigint);
    }
    const bundle = encodeBundle(converted.map((c) => ({ name: c.name, rateMilliHz: c.rateMilliHz, pcm: c.pcm })));
    checkBudget(board, bundle.length);
    bundlePath = r.outputs.bundle(boardName);
    mkdirSync(dirname(bundlePath), { recursive: true });
    writeFileSync(bundlePath, bundle);
  } else if (v.bundle) {
    bundlePath = resolve(v.bundle);
    if (!existsSync(bundlePath)) throw new UsageError(`asset bundle ${v.bundle} does not exist`);
  } else {
    bundlePath = writeDemoBundle(boardName, join(buildCacheDir(), "demo"), quality);
  }

  // The Raspberry Pi firmware first: without it the card cannot boot, so a build that cannot get it stops before compiling (after the songs, whose mistakes come first).
  let fw: Awaited<ReturnType<typeof resolveFirmware>> | undefined;
  if (!v["kernel-only"]) {
    try {
      fw = await resolveFirmware({
        board: boardName,
        firmwareDir: v["firmware-dir"],
        cacheDir,
        download: !v.offline,
        url: process.env.PIWAVE_FIRMWARE_URL || undefined,
        log: v.verbose ? (m) => console.log(m) : undefined,
      });
    } catch (e) {
      if (!(e instanceof FirmwareError)) throw e;
      throw new FirmwareError(
        `the card cannot boot without the Raspberry Pi firmware (${FIRMWARE_FILES[boardName].join(", ")}): ${e.message.replace(/; use --firmware-dir DIR( for offline builds)?$/, "")}. ` +
          "Ways to get it: build once online (downloaded and checked by SHA-256, then cached), --firmware-dir DIR " +
          "(the boot partition of Raspberry Pi OS), or Debian's raspi-firmware package; --kernel-only builds without it",
      );
    }
  }

  const k = await buildKernel({ board: boardName, bundlePath, variant, wasmPath: userFw?.path });
  const files = installBootFiles(k, out);
  printKernelReport(k);
  if (fw) {
    for (const [name, data] of fw.files) {
      writeFileSync(join(out, name), data);
      files.push(join(out, name));
    }
    console.log(`Raspberry Pi firmware: ${[...fw.files.keys()].join(", ")} from ${fw.from}`);
  } else {
    console.log(`kernel only (--kernel-only): the card also needs ${FIRMWARE_FILES[boardName].join(", ")} beside kernel8.img`);
  }
  console.log(`boot files for ${boardName} in ${relative(process.cwd(), out) || "."}: ${files.map((f) => relative(out, f)).join(", ")}`);
  if (ui.json) {
    emitJson({
      board: boardName,
      variant,
      bootDir: out,
      files,
      bundle: bundlePath,
      kernel: { bytes: k.imageBytes, sizes: k.sizes, stepsMs: k.steps },
      piFirmware: fw ? { files: [...fw.files.keys()], from: fw.from } : null,
    });
  }
  return 0;
}
