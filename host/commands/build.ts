/** `piwave build`: the Pi's boot files, dist/boot/kernel8.img + config.txt. */
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type KernelResult, buildKernel, installBootFiles } from "../kernel.js";
import { ROOT } from "../firmware.js";
import { boardOption, parse, UsageError } from "./common.js";
import { writeDemoBundle } from "./demo.js";

const USAGE = `Usage: piwave build [--board pi4|pi3] [--bundle FILE] [--out-dir DIR]

Builds the bare-metal kernel image with the firmware and an asset bundle
inside, and writes the boot files the Pi's boot loader needs from us:
  DIR/kernel8.img   runtime + AOT-translated firmware + asset bundle
  DIR/config.txt    arm_64bit=1, kernel=kernel8.img, ... (boot/config.txt)
(DIR defaults to dist/boot). Without --bundle the demo music is used.
  --board NAME      pi4 (default) or pi3
`;

export function kb(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
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

export async function buildCommand(args: string[]): Promise<number> {
  const r = parse(args, { board: { type: "string" }, bundle: { type: "string" }, "out-dir": { type: "string" } }, USAGE);
  if (!r) return 0;
  const board = boardOption(r.values.board);
  let bundlePath: string;
  if (r.values.bundle) {
    bundlePath = resolve(r.values.bundle);
    if (!existsSync(bundlePath)) throw new UsageError(`asset bundle ${r.values.bundle} does not exist`);
  } else {
    bundlePath = writeDemoBundle(board, join(ROOT, "build", "demo"));
  }
  const k = await buildKernel({ board, bundlePath });
  const out = r.values["out-dir"] ?? join(ROOT, "dist", "boot");
  const files = installBootFiles(k, out);
  printKernelReport(k);
  console.log(`boot files for ${board}: ${files.map((f) => relative(process.cwd(), f)).join(", ")}`);
  return 0;
}
