/** `piwave bench` (`npm run bench`): the project's benchmarks, figures only. */
import os from "node:os";
import { benchSimSpeed } from "../../bench/sim-speed.js";
import { BOARD_NAMES } from "../boards.js";
import { numberOption, parse } from "./common.js";

const USAGE = `Usage: piwave bench [--seconds N] [--runs N]

Simulator speed: simulated audio seconds per wall second for an N-second
(default 60) stereo track through the full firmware + simulator, per board.
Figures vary with machine load: compare ratios measured in one run.
`;

export async function benchCommand(args: string[]): Promise<number> {
  const r = parse(args, { seconds: { type: "string" }, runs: { type: "string" } }, USAGE);
  if (!r) return 0;
  const seconds = numberOption("seconds", r.values.seconds, 60, 1);
  const runs = numberOption("runs", r.values.runs, 3, 1);
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, node ${process.version}`);
  console.log(`\nsimulator speed (${seconds} s stereo track, FIFO polling firmware, goal >= 200x real time)`);
  for (const board of BOARD_NAMES) {
    const s = await benchSimSpeed(board, seconds, runs);
    console.log(
      `  ${board}: median ${s.median.toFixed(0)}x real time  (runs: ${s.ratios.map((x) => x.toFixed(0) + "x").join(", ")}; ${s.accessesPerFrame.toFixed(2)} MMIO accesses per frame)`,
    );
  }
  return 0;
}
