/** `piwave selftest`: the selftest card (host/selftest.ts), built for a board, or run on the simulator or under QEMU. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { BoardName } from "../boards.js";
import { ROOT } from "../firmware.js";
import { installBootFiles } from "../kernel.js";
import { runQemu } from "../qemu.js";
import { FIRMWARE_FILES, FirmwareError, resolveFirmware } from "../raspi-firmware.js";
import { buildSelftestKernel, buildSelftestWasm, selftestTracks } from "../selftest.js";
import { encodeBundle } from "../bundle.js";
import { simulate } from "../sim/machine.js";
import { defaultCacheDir } from "../audio/convert.js";
import { UsageError, boardOption, color, colorLogLine, numberOption, parse } from "./common.js";

const USAGE = `Usage: piwave selftest [--board pi4|pi3] [--out-dir DIR] [--firmware-dir DIR] [--offline]
       piwave selftest --sim [--board pi4|pi3]
       piwave selftest --qemu [--timeout S]

Builds a card for a first test of a real board: its firmware prints, over the
UART (piwave monitor), a block to paste into a bug report (board revision, the
ARM clock before and after raising it, the PWM clock measured against the
system timer, the PWM FIFO depth, the sample rate), then plays an announced
sequence (left only, right only, both, a slow sweep, silence) and ends with a
one-line verdict: PASS, CHECK (a measurement is off: see the block) or
INCOMPLETE (under QEMU, which has no PWM).

  --board pi4|pi3      target board (default pi4)
  --out-dir DIR        where the boot files go (default dist/selftest)
  --firmware-dir DIR   take the Raspberry Pi firmware files from DIR
  --offline            never download them
  --cache-dir DIR      firmware cache (default ~/.cache/piwave)
  --sim                run it on the simulated board instead and print the UART
  --qemu               boot the Pi 3 card under QEMU raspi3b instead
  --timeout S          QEMU's hard limit (default 120)
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
    },
    USAGE,
  );
  if (!r) return 0;
  const v = r.values;
  if (v.sim && v.qemu) throw new UsageError("give --sim or --qemu, not both");
  if (v.qemu && v.board && v.board !== "pi3") throw new UsageError("--qemu boots the Pi 3 card (QEMU 7.2 has no Pi 4 machine): leave out --board");
  const board: BoardName = v.qemu ? "pi3" : boardOption(v.board);

  if (v.sim) {
    const wasm = await buildSelftestWasm(board);
    const { readFileSync } = await import("node:fs");
    const res = simulate({ board, wasm: new Uint8Array(readFileSync(wasm)), bundle: encodeBundle(selftestTracks(board)), maxSeconds: 120, onUartLine: (l) => console.log(colorLogLine(l)) });
    if (res.error) console.log(color.red(res.error));
    return res.haltCode === 0 ? 0 : 1;
  }

  const work = mkdtempSync(join(tmpdir(), "piwave-selftest-"));
  try {
    if (v.qemu) {
      const timeoutSec = numberOption("timeout", v.timeout, 120, 1);
      const k = await buildSelftestKernel({ board, workDir: work, qemuExit: true });
      const res = await runQemu({ image: k.image, timeoutSec, untilDone: true, onLine: (l) => console.log(colorLogLine(l)) });
      return res.haltCode === 0 ? 0 : res.haltCode && res.haltCode > 0 ? res.haltCode : 1;
    }
    const out = v["out-dir"] ?? join(ROOT, "dist", "selftest");
    const k = await buildSelftestKernel({ board, workDir: work });
    const files = installBootFiles(k, out);
    try {
      const fw = await resolveFirmware({ board, firmwareDir: v["firmware-dir"], cacheDir: v["cache-dir"] ?? defaultCacheDir(), download: !v.offline, url: process.env.PIWAVE_FIRMWARE_URL || undefined });
      for (const [name, data] of fw.files) {
        writeFileSync(join(out, name), data);
        files.push(join(out, name));
      }
    } catch (e) {
      if (!(e instanceof FirmwareError)) throw e;
      console.log(color.yellow(`warning: the card also needs ${FIRMWARE_FILES[board].join(", ")}: ${e.message}`));
    }
    console.log(`selftest card for ${board} in ${relative(process.cwd(), out) || "."}: ${files.map((f) => relative(out, f)).join(", ")}`);
    console.log("Copy them to the card's boot partition (piwave flash --to), boot the Pi with a USB-TTL cable on GPIO14/15, and run piwave monitor --until-done.");
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
