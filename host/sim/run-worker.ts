/**
 * Run a simulation in a worker thread under a wall-clock limit (see worker.ts).
 */
import { Worker } from "node:worker_threads";
import { Jack } from "./jack.js";
import type { WorkerDone, WorkerInput } from "./worker.js";

export interface WorkerRun extends Omit<WorkerDone, "type" | "right" | "left" | "gaps" | "range" | "clockHz"> {
  jack: Jack;
}

/**
 * The worker's entry: the compiled worker.js next to this module in the
 * package; when this module runs as TypeScript (the tests, through vitest),
 * worker-boot.mjs, which loads worker.ts through tsx (a development dependency).
 */
const WORKER_URL = import.meta.url.endsWith(".ts") ? new URL("./worker-boot.mjs", import.meta.url) : new URL("./worker.js", import.meta.url);

export function simulateInWorker(
  opts: WorkerInput["opts"],
  o: { timeoutMs: number; onLine?: (line: string) => void; /** About once a second: virtual seconds simulated so far. */ onProgress?: (virtualSeconds: number) => void },
): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_URL, { workerData: { opts } satisfies WorkerInput });
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      void w.terminate();
      reject(
        new Error(
          `the simulation ran longer than the wall-clock limit of ${(o.timeoutMs / 1000).toFixed(0)} s and was stopped ` +
            "(a firmware loop that touches no hardware never advances virtual time; --timeout raises the limit)",
        ),
      );
    }, o.timeoutMs);
    w.on("message", (m: { type: "line"; line: string } | { type: "progress"; virtualSeconds: number } | WorkerDone) => {
      if (m.type === "line") {
        o.onLine?.(m.line);
        return;
      }
      if (m.type === "progress") {
        o.onProgress?.(m.virtualSeconds);
        return;
      }
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      // The worker's recording itself (transferred): the jack takes the arrays as they are.
      const jack = new Jack();
      jack.right.data = m.right;
      jack.right.length = m.right.length;
      jack.left.data = m.left;
      jack.left.length = m.left.length;
      jack.gaps[0] = m.gaps[0];
      jack.gaps[1] = m.gaps[1];
      jack.range = m.range;
      jack.clockHz = m.clockHz;
      const { type: _t, right: _r, left: _l, gaps: _g, range: _rg, clockHz: _c, ...rest } = m;
      resolve({ ...rest, jack });
    });
    w.on("error", (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    });
    w.on("exit", (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`the simulator worker exited with code ${code}`));
    });
  });
}
