/** `piwave demo`: the whole chain on the demo music, ending in the simulated jack. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { demoTracks } from "../../assets/demo.js";
import { BOARDS, frameRateMilliHz } from "../boards.js";
import { encodeBundle } from "../bundle.js";
import { ROOT } from "../firmware.js";
import { boardOption, parse } from "./common.js";
import { runAndReport } from "./sim.js";

const USAGE = `Usage: piwave demo [--board pi4|pi3] [--out-dir DIR] [--quiet]

Builds the firmware, renders the demo music (assets/demo.ts) at the board's
exact PWM rate into an asset bundle, plays it on the simulated Pi and writes
  DIR/demo-<board>.pwb   the asset bundle
  DIR/jack-<board>.wav   what the jack outputs
  DIR/trace-<board>.txt  the first 20000 MMIO accesses, decoded
(DIR defaults to dist/demo).
`;

export async function demoCommand(args: string[]): Promise<number> {
  const r = parse(args, { board: { type: "string" }, "out-dir": { type: "string" }, quiet: { type: "boolean" } }, USAGE);
  if (!r) return 0;
  const board = boardOption(r.values.board);
  const dir = r.values["out-dir"] ?? join(ROOT, "dist", "demo");
  mkdirSync(dir, { recursive: true });
  const rate = frameRateMilliHz(BOARDS[board]);
  const bundlePath = join(dir, `demo-${board}.pwb`);
  const bundle = encodeBundle(demoTracks(rate));
  writeFileSync(bundlePath, bundle);
  console.log(`bundle      ${relative(process.cwd(), bundlePath)}: ${(bundle.length / 1e6).toFixed(1)} MB at ${(rate / 1000).toFixed(3)} Hz`);
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
