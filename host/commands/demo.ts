/** `piwave demo`: the whole chain on the demo music, ending in the simulated jack. */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import { demoTracks } from "../../assets/demo.js";
import { BOARDS, type BoardName, type Quality, frameRateMilliHz } from "../boards.js";
import { decodeBundle, encodeBundle } from "../bundle.js";
import { build } from "../build.js";
import { writeFileAtomicSync } from "../fs-atomic.js";
import { cacheDir as userCacheDir } from "../paths.js";
import { MissingToolError } from "../tools.js";
import { boardOption, color, parse } from "./common.js";
import { runAndReport } from "./sim.js";

const USAGE = `Usage: piwave demo [--board pi4|pi3] [--out-dir DIR] [--quiet]

Builds the firmware, renders the demo music at the board's exact PWM rate
into an asset bundle, builds the Pi 4 boot files with it, plays it on the
simulated Pi and writes, all in DIR (default dist/demo; never dist/boot, so
an earlier \`piwave build\` stays as it was):
  DIR/boot/              kernel8.img, music.pwb and config.txt (no Raspberry Pi
                         firmware files: add them with piwave build)
  DIR/demo-<board>.pwb   the asset bundle
  DIR/jack-<board>.wav   what the jack outputs
  DIR/trace-<board>.txt  the first 20000 register accesses, decoded
`;

/**
 * Render the demo music for `board` into DIR/demo-<board>[-shaped].pwb;
 * returns the path and the bytes. Rendering takes seconds, so the bundle is
 * kept with a stamp of what made it (the frame rate and a hash of the demo's
 * source): while the stamp matches and the file reads back intact, it is
 * used as it is.
 */
export function demoBundle(board: BoardName, dir: string, quality: Quality = "plain"): { path: string; bundle: Uint8Array } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `demo-${board}${quality === "shaped" ? "-shaped" : ""}.pwb`);
  const rate = frameRateMilliHz(BOARDS[board], quality);
  const stampPath = `${path}.stamp`;
  const hash = demoSourceHash();
  const stamp = `${rate} ${hash}\n`;
  try {
    if (hash !== undefined && readFileSync(stampPath, "utf8") === stamp) {
      const bundle = new Uint8Array(readFileSync(path));
      decodeBundle(bundle, path); // throws when damaged: rendered again below
      return { path, bundle };
    }
  } catch {
    // No stamp, another one, or a damaged bundle: render it again.
  }
  const bundle = encodeBundle(demoTracks(rate));
  writeFileAtomicSync(path, bundle); // tests and users may run several at once
  writeFileAtomicSync(stampPath, stamp);
  return { path, bundle };
}

/** SHA-256 of the demo music's source (assets/demo.js in the package, demo.ts in a checkout run from source); undefined when it cannot be read (then nothing is reused). */
function demoSourceHash(): string | undefined {
  for (const name of ["../../assets/demo.js", "../../assets/demo.ts"]) {
    try {
      return createHash("sha256").update(readFileSync(fileURLToPath(new URL(name, import.meta.url)))).digest("hex");
    } catch {
      // try the next
    }
  }
  return undefined;
}

/** `demoBundle`, when only the file is wanted. */
export function writeDemoBundle(board: BoardName, dir: string, quality: Quality = "plain"): string {
  return demoBundle(board, dir, quality).path;
}

export async function demoCommand(args: string[]): Promise<number> {
  const r = parse(args, { board: { type: "string" }, "out-dir": { type: "string" }, quiet: { type: "boolean" } }, USAGE);
  if (!r) return 0;
  const board = boardOption(r.values.board);
  const dir = r.values["out-dir"] ?? r.outputs.demo;
  const rate = frameRateMilliHz(BOARDS[board]);
  const { path: bundlePath, bundle } = demoBundle(board, dir);
  console.log(`bundle      ${relative(process.cwd(), bundlePath)}: ${(bundle.length / 1e6).toFixed(1)} MB at ${(rate / 1000).toFixed(3)} Hz`);
  // The Pi 4 boot files with the same music, when the bare-metal toolchain is here.
  if (board === "pi4") {
    try {
      const b = await build({ board, variant: { quality: "plain" }, music: { kind: "bundle", file: bundlePath }, outDir: join(dir, "boot"), cacheDir: userCacheDir(), piFirmware: false });
      console.log(`image       ${b.files.map((f) => relative(process.cwd(), join(b.outDir, f))).join(", ")} (kernel8.img ${(b.kernel.imageBytes / 1e3).toFixed(1)} kB)`);
    } catch (e) {
      if (!(e instanceof MissingToolError)) throw e;
      console.log(color.yellow(`image       skipped: ${e.message}`));
    }
  }
  const { code } = await runAndReport({
    board,
    bundle,
    bundleName: relative(process.cwd(), bundlePath),
    out: join(dir, `jack-${board}.wav`),
    trace: join(dir, `trace-${board}.txt`),
    traceLimit: 20000,
    quiet: r.values.quiet === true,
  });
  return code;
}
