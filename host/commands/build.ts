/** `piwave build`: parse the options, run host/build.ts, print what happened. */
import { join, relative, resolve } from "node:path";
import cliProgress from "cli-progress";
import { type Converted, InputError, defaultCacheDir } from "../audio/convert.js";
import { FfmpegMissingError, findFfmpeg } from "../audio/ffmpeg.js";
import { BOARDS, type BoardName, frameRateMilliHz } from "../boards.js";
import { type MusicSource, build } from "../build.js";
import { ROOT } from "../firmware.js";
import { InterruptedError, exitCodeFor, interruptSignal } from "../interrupt.js";
import type { KernelResult } from "../kernel.js";
import { FIRMWARE_FILES, FirmwareError } from "../raspi-firmware.js";
import { UsageError, VARIANT_OPTIONS, boardOption, color, numberOption, parse, variantOption } from "./common.js";

export { checkBudget } from "../build.js";

const USAGE = `Usage: piwave build [SONG ...] [options]

Converts the songs (anything ffmpeg decodes: mp3, flac, ogg/opus, wav, m4a,
a video's sound) to the board's exact PWM sample rate, packs them into the
music file and writes every file the SD card's boot partition needs into DIR
(default dist/boot), and nothing else:
  kernel8.img   the player (depends only on board, quality, feed, dither)
  music.pwb     the music, loaded by the Pi's firmware at boot
  config.txt    the boot configuration for this board
  the Raspberry Pi firmware files
  (Pi 4: start4.elf fixup4.dat; Pi 3: bootcode.bin start.elf fixup.dat).
Without songs, the demo music is used. Files are replaced only when the whole
set is written; a failed or interrupted build leaves DIR as it was.

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
  --kernel-only          write no Raspberry Pi firmware files (the card gets them
                         elsewhere); without it, a build that cannot get them fails
  --cache-dir DIR        cache of converted songs, kernel builds and the Raspberry
                         Pi firmware files (default ~/.cache/piwave)
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
  console.log(`kernel8.img ${k.imageBytes} bytes (${kb(k.imageBytes)})${k.fromCache ? ", unchanged firmware and runtime: from the cache" : k.compiled ? `, ${k.compiled} files compiled` : ""}`);
  console.log(`  AOT firmware (wasm2c)   ${kb(s.firmware)}`);
  console.log(`  wasm2c runtime          ${kb(s.wasmRuntime)}`);
  console.log(`  piwave runtime (boot/)  ${kb(s.glue)}`);
  console.log(`  padding/other           ${kb(s.other)}`);
  if (!k.fromCache) console.log(`steps: ${Object.entries(k.steps).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")}`);
}

/** The song table after converting. */
function printSongs(converted: Converted[], rate: number): void {
  const rows = converted.map((c, i) => [String(i + 1), c.name, mmss(c.pcm.length / 2 / rate), mb(c.pcm.length * 2), c.fromCache ? "cache" : "ffmpeg"]);
  const head = ["#", "track", "duration", "size", "from"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  const total = converted.reduce((n, c) => n + c.pcm.length / 2, 0);
  console.log(line(["", "total", mmss(total / rate), mb(total * 4), ""]));
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
      "kernel-only": { type: "boolean" },
      ...VARIANT_OPTIONS,
    },
    USAGE,
  );
  if (!r) return 0;
  const v = r.values;
  const variant = variantOption(v);
  const boardName: BoardName = boardOption(v.board);
  const songs = r.positionals;
  if (songs.length && v.bundle) throw new UsageError("give songs or --bundle, not both");
  if (v.normalize !== undefined && v.normalize !== "ebu" && v.normalize !== "peak") throw new UsageError(`--normalize takes ebu or peak, not "${v.normalize}"`);
  const kernelOnly = v["kernel-only"] === true;
  if (kernelOnly && (v["firmware-dir"] !== undefined || v.offline)) throw new UsageError("--kernel-only writes no Raspberry Pi firmware files: leave out --firmware-dir and --offline");
  const cacheDir = v["cache-dir"] ?? defaultCacheDir();
  const out = v["out-dir"] ?? join(ROOT, "dist", "boot");

  let music: MusicSource = { kind: "demo" };
  if (songs.length) {
    let ff;
    try {
      ff = findFfmpeg();
    } catch (e) {
      if (e instanceof FfmpegMissingError) throw new InputError(e.message);
      throw e;
    }
    if (v.verbose) console.log(`ffmpeg ${ff.version} (${ff.path}, from ${ff.source}${ff.soxr ? ", soxr resampler" : ""})`);
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

  const bars =
    songs.length && process.stderr.isTTY === true
      ? new cliProgress.MultiBar(
          { format: " {bar} {percentage}% | {name}", hideCursor: true, clearOnComplete: false, stream: process.stderr, barsize: 30 },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const bar = new Map<number, cliProgress.SingleBar>();
  const signal = interruptSignal();
  let result;
  try {
    result = await build({
      board: boardName,
      variant,
      music,
      outDir: out,
      cacheDir,
      piFirmware: kernelOnly
        ? false
        : { dir: v["firmware-dir"], download: !v.offline, url: process.env.PIWAVE_FIRMWARE_URL || undefined, log: v.verbose ? (m) => console.log(m) : undefined },
      signal,
      onStep: (what) => {
        if (process.stderr.isTTY) process.stderr.write(color.dim(`${what}…`) + "\n");
      },
      onSongProgress: (i, song, f) => {
        if (!bars) return;
        if (!bar.has(i)) bar.set(i, bars.create(100, 0, { name: song }));
        bar.get(i)!.update(Math.round((f ?? 0) * 100));
      },
      onSongDone: (i, c) => {
        if (!bars) return;
        if (!bar.has(i)) bar.set(i, bars.create(100, 0, { name: c.file }));
        bar.get(i)!.update(100, { name: `${c.file}${c.fromCache ? " (cached)" : ""}` });
        if (i === songs.length - 1) bars.stop();
      },
    });
  } catch (e) {
    bars?.stop();
    if (e instanceof InterruptedError) {
      process.stderr.write(`piwave build: interrupted: nothing was written, the boot files in ${resolve(out)} are as they were\n`);
      return exitCodeFor(e.signal);
    }
    if (e instanceof FirmwareError) {
      throw new FirmwareError(
        `the card cannot boot without the Raspberry Pi firmware files (${FIRMWARE_FILES[boardName].join(", ")}): ${e.message}. ` +
          `Nothing was written. To build only piwave's files and add those yourself, use --kernel-only`,
      );
    }
    throw e;
  }
  if (result.music.tracks) printSongs(result.music.tracks, frameRateMilliHz(BOARDS[boardName], variant.quality) / 1000);
  printKernelReport(result.kernel);
  console.log(`music.pwb ${mb(result.music.bytes)}`);
  if (result.piFirmware) console.log(`Raspberry Pi firmware: ${[...result.piFirmware.files.keys()].join(", ")} from ${result.piFirmware.from}`);
  else console.log(color.yellow(`--kernel-only: no Raspberry Pi firmware files written; the card also needs ${FIRMWARE_FILES[boardName].join(", ")}`));
  const rel = relative(process.cwd(), result.outDir) || ".";
  const unchanged = result.files.filter((f) => !result.written.includes(f));
  console.log(
    `boot files for ${boardName} in ${rel}: ${result.files.join(", ")}` +
      (unchanged.length ? ` (unchanged: ${unchanged.join(", ")})` : "") +
      (result.removed.length ? `; removed the other board's ${result.removed.join(", ")}` : ""),
  );
  return 0;
}
