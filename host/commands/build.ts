/** `piwave build`: songs → asset bundle → kernel8.img, plus everything else the SD card needs. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import cliProgress from "cli-progress";
import { type Converted, InputError, convertFile, defaultCacheDir } from "../audio/convert.js";
import { FfmpegMissingError, findFfmpeg } from "../audio/ffmpeg.js";
import { BOARDS, type Board, type BoardName, type Quality, frameRateMilliHz } from "../boards.js";
import { encodeBundle } from "../bundle.js";
import { ROOT } from "../firmware.js";
import { type KernelResult, buildKernel, installBootFiles } from "../kernel.js";
import { FIRMWARE_FILES, FirmwareError, resolveFirmware } from "../raspi-firmware.js";
import { UsageError, VARIANT_OPTIONS, boardOption, color, numberOption, parse, variantOption } from "./common.js";
import { writeDemoBundle } from "./demo.js";

const USAGE = `Usage: piwave build [SONG ...] [options]

Converts the songs (anything ffmpeg decodes: mp3, flac, ogg/opus, wav, m4a,
a video's sound) to the board's exact PWM sample rate, packs them into the
asset bundle, builds kernel8.img with it and writes every file the SD card's
boot partition needs into DIR (default dist/boot):
  kernel8.img, config.txt, and the Raspberry Pi firmware
  (Pi 4: start4.elf fixup4.dat; Pi 3: bootcode.bin start.elf fixup.dat).
Without songs, the demo music is used.

  --board pi4|pi3        target board (default pi4)
  --normalize ebu|peak   EBU R128 loudness (-16 LUFS) or peak (-1 dBFS)
  --trim-silence         drop silence at the start and end of each song
  --fade S               fade in and out over S seconds
  --quality plain|shaped firmware output: plain (default) or x16 oversampled and
                         noise-shaped (~98 dB SNR instead of ~72 in simulation)
  --feed poll|dma        how words reach the PWM: CPU polling (default) or DMA
  --bundle FILE          use a ready asset bundle instead of songs
  --firmware-dir DIR     take the Raspberry Pi firmware files from DIR
  --offline              never download them (use DIR, Debian's package or the cache)
  --cache-dir DIR        converted-audio and firmware cache (default ~/.cache/piwave)
  --out-dir DIR          where the boot files go (default dist/boot)
  --verbose              say which ffmpeg and firmware files are used

The firmware files are otherwise downloaded from raspberrypi/firmware at the
commit pinned in host/raspi-firmware.lock.json and checked against its SHA-256
values. PIWAVE_FIRMWARE_URL names a mirror instead, as a URL template with
{commit} and {file}; the same SHA-256 values apply.
`;

export function kb(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

function mmss(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}:${(seconds - m * 60).toFixed(1).padStart(4, "0")}`;
}

export function printKernelReport(k: KernelResult): void {
  const s = k.sizes;
  const noAssets = k.imageBytes - s.assets;
  console.log(`kernel8.img ${k.imageBytes} bytes; without assets ${noAssets} bytes (${kb(noAssets)})`);
  console.log(`  AOT firmware (wasm2c)   ${kb(s.firmware)}`);
  console.log(`  wasm2c runtime          ${kb(s.wasmRuntime)}`);
  console.log(`  piwave runtime (boot/)  ${kb(s.glue)}`);
  console.log(`  padding/other           ${kb(s.other)}`);
  console.log(`  asset bundle            ${kb(s.assets)}`);
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
  const rows = out.map((c, i) => [String(i + 1), c.name, mmss(c.pcm.length / 2 / rate), mb(c.pcm.length * 2), c.fromCache ? "cache" : "ffmpeg"]);
  const head = ["#", "track", "duration", "size", "from"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  const total = out.reduce((n, c) => n + c.pcm.length / 2, 0);
  console.log(line(["", "total", mmss(total / rate), mb(total * 4), ""]));
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
    },
    USAGE,
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
  const out = v["out-dir"] ?? join(ROOT, "dist", "boot");

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
    mkdirSync(join(ROOT, "build"), { recursive: true });
    bundlePath = join(ROOT, "build", `bundle-${boardName}.pwb`);
    writeFileSync(bundlePath, bundle);
  } else if (v.bundle) {
    bundlePath = resolve(v.bundle);
    if (!existsSync(bundlePath)) throw new UsageError(`asset bundle ${v.bundle} does not exist`);
  } else {
    bundlePath = writeDemoBundle(boardName, join(ROOT, "build", "demo"), quality);
  }

  const k = await buildKernel({ board: boardName, bundlePath, variant });
  const files = installBootFiles(k, out);
  printKernelReport(k);
  try {
    const fw = await resolveFirmware({
      board: boardName,
      firmwareDir: v["firmware-dir"],
      cacheDir,
      download: !v.offline,
      url: process.env.PIWAVE_FIRMWARE_URL || undefined,
      log: v.verbose ? (m) => console.log(m) : undefined,
    });
    for (const [name, data] of fw.files) {
      writeFileSync(join(out, name), data);
      files.push(join(out, name));
    }
    console.log(`Raspberry Pi firmware: ${[...fw.files.keys()].join(", ")} from ${fw.from}`);
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
    console.log(color.yellow(`warning: the card also needs ${FIRMWARE_FILES[boardName].join(", ")}: ${e.message}`));
  }
  console.log(`boot files for ${boardName} in ${relative(process.cwd(), out) || "."}: ${files.map((f) => relative(out, f)).join(", ")}`);
  return 0;
}
