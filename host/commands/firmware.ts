/** `piwave firmware`: compile the AssemblyScript firmware. */
import { BOARD_NAMES, type BoardName } from "../boards.js";
import { buildFirmware } from "../firmware.js";
import { InterruptedError, exitCodeFor, interruptSignal } from "../interrupt.js";
import { boardOption, parse } from "./common.js";

const USAGE = `Usage: piwave firmware [--board pi4|pi3|all] [--force]

Compiles piwave's firmware (AssemblyScript) to WebAssembly, one module per
board, into piwave's cache (build and sim do this themselves when needed).
  --board   which board to build for (default: all)
  --force   rebuild even when the sources did not change
`;

export async function firmwareCommand(args: string[]): Promise<number> {
  const r = parse(args, { board: { type: "string" }, force: { type: "boolean" } }, USAGE);
  if (!r) return 0;
  const boards: BoardName[] = r.values.board === undefined || r.values.board === "all" ? [...BOARD_NAMES] : [boardOption(r.values.board)];
  const signal = interruptSignal();
  for (const b of boards) {
    try {
      const res = await buildFirmware(b, { force: r.values.force === true, signal });
      console.log(`${b}: ${res.rebuilt ? `built in ${(res.ms / 1000).toFixed(1)} s` : "up to date"} (${res.path})`);
    } catch (e) {
      if (!(e instanceof InterruptedError)) throw e;
      process.stderr.write(`piwave firmware: interrupted: the previous build of ${b} is unchanged\n`);
      return exitCodeFor(e.signal);
    }
  }
  return 0;
}
