/** `piwave selftest`: the selftest card (host/selftest.ts), built for a board, or run on the simulator or under QEMU. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { BoardName } from "../boards.js";
import { MUSIC_FILE, writeBootFiles } from "../build.js";
import { configTxt } from "../config-txt.js";
import { runQemu } from "../qemu.js";
import { FIRMWARE_FILES, FirmwareError, resolveFirmware } from "../raspi-firmware.js";
import { buildSelftestKernel, buildSelftestWasm, selftestTracks } from "../selftest.js";
import { encodeBundle } from "../bundle.js";
import { simulate } from "../sim/machine.js";
import { buildCacheDir, cacheDir as userCacheDir } from "../paths.js";
import { FIRMWARE_OPTIONS, UsageError, boardOption, color, colorLogLine, numberOption, parse, say, userFirmwareOption, warn } from "./common.js";

const USAGE = `Usage: piwave selftest [--board pi4|pi3] [--out-dir DIR] [--firmware-dir DIR] [--offline]
       piwave selftest --sim [--board pi4|pi3]
       piwave selftest --qemu [--timeout S]

Builds a card for a first test of a real board: its firmware prints, over the
UART (piwave monitor), a block to paste into a bug report (board revision,
PACTL_CS as the boot firmware left it, the ARM clock before and after raising
it, the PWM clock measured against the system timer, the PWM FIFO depth, the
DMA pacing rate, the sample rate, the music file's size and CRCs), then plays an announced
sequence (left only, right only, both, a pulse-position check, a slow sweep,
silence) and ends with a
one-line verdict: PASS, CHECK (a measurement is off: see the block) or
INCOMPLETE (under QEMU, which has no PWM).

  --board pi4|pi3      target board (default pi4)
  --out-dir DIR        where the boot files go (default dist/selftest)
  --firmware-dir DIR   take the Raspberry Pi firmware files from DIR
  --offline            never download them
  --cache-dir DIR      cache (default: the user's cache folder, e.g. ~/.cache/piwave)
  --sim                run it on the simulated board instead and print the UART
  --qemu               boot the Pi 3 card under QEMU raspi3b instead
  --timeout S          QEMU's hard limit (default 120)
  --entry FILE         your firmware instead of the selftest's: an AssemblyScript entry
                       point, built with piwave's settings; it gets the test sequence
                       as its music file (bundle_read), to play it on a real board
  --wasm FILE          the same, from a prebuilt WebAssembly module; one that imports
                       anything outside the ABI is refused
(The project file's "entry" is not used here: without --entry/--wasm the card
is the selftest, which measures the board.)
`;

export async function selftestCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    {
      board: { type: "string" },
      "out-dir": { type: "string" },
      "firmware-dir": { type: "string" },
      offline: { type: "boolean" },
      "cache-dir": { type: "string" },
      sim: { type: "boolean" },
      qemu: { type: "boolean" },
      timeout: { type: "string" },
      ...FIRMWARE_OPTIONS,
    },
    USAGE,
  );
  if (!r) return 0;
  const v = r.values;
  if (v.sim && v.qemu) throw new UsageError("give --sim or --qemu, not both");
  if (v.qemu && v.board && v.board !== "pi3") throw new UsageError("--qemu boots the Pi 3 card (QEMU 7.2 has no Pi 4 machine): leave out --board");
  const board: BoardName = v.qemu ? "pi3" : boardOption(v.board);
  const cacheDir = userCacheDir(v["cache-dir"]);
  const userFw = await userFirmwareOption(v, undefined, board); // explicit only: refused here if it imports outside the ABI

  if (v.sim) {
    const wasm = userFw?.bytes ?? new Uint8Array(readFileSync(await buildSelftestWasm(board)));
    const res = simulate({ board, wasm, bundle: encodeBundle(selftestTracks(board)), maxSeconds: 120, onUartLine: (l) => say(colorLogLine(l) + "\n") });
    if (res.error) say(color.red(res.error) + "\n");
    return res.haltCode === 0 ? 0 : 1;
  }

  if (v.qemu) {
    const timeoutSec = numberOption("timeout", v.timeout, 120, 1);
    const k = await buildSelftestKernel({ board, qemuExit: true, cacheDir, wasmPath: userFw?.path });
    const musicPath = join(buildCacheDir(v["cache-dir"]), "selftest", `music-${board}.pwb`);
    mkdirSync(join(buildCacheDir(v["cache-dir"]), "selftest"), { recursive: true });
    writeFileSync(musicPath, k.music);
    const res = await runQemu({ image: k.image, music: musicPath, timeoutSec, untilDone: true, onLine: (l) => say(colorLogLine(l) + "\n") });
    return res.haltCode === 0 ? 0 : res.haltCode && res.haltCode > 0 ? res.haltCode : 1;
  }

  const out = resolve(v["out-dir"] ?? r.outputs.root + "/selftest");
  const k = await buildSelftestKernel({ board, cacheDir, wasmPath: userFw?.path });
  const files = new Map<string, Uint8Array>([
    ["kernel8.img", new Uint8Array(readFileSync(k.image))],
    ["config.txt", new TextEncoder().encode(configTxt(board))],
    [MUSIC_FILE, k.music],
  ]);
  try {
    const fw = await resolveFirmware({ board, firmwareDir: v["firmware-dir"], cacheDir, download: !v.offline, url: process.env.PIWAVE_FIRMWARE_URL || undefined });
    for (const [name, data] of fw.files) files.set(name, data);
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
    warn(`the card also needs ${FIRMWARE_FILES[board].join(", ")}: ${e.message}`);
  }
  mkdirSync(out, { recursive: true });
  await writeBootFiles(out, files);
  say(`selftest card for ${board} in ${relative(process.cwd(), out) || "."}: ${[...files.keys()].join(", ")}\n`);
  say("Copy them to the card's boot partition (piwave flash --to), boot the Pi with a USB-TTL cable on GPIO14/15, and run piwave monitor --until-done.\n");
  return 0;
}
