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

export interface WorkerRunOptions {
  timeoutMs: number;
  /** Timed UART input (WorkerInput.uart). */
  uart?: WorkerInput["uart"];
  onLine?: (line: string) => void;
  /** About once a second: virtual seconds simulated so far. */
  onProgress?: (virtualSeconds: number) => void;
}

/**
 * A worker started ahead of its run: it starts its thread and loads the
 * simulator (tens of milliseconds) while the caller still prepares the run
 * (checks the firmware build, reads the bundle). It does not keep the
 * process alive until `run` is called; `cancel` ends it unused.
 */
export interface SimWorker {
  /** Run once (a second call throws). The wall-clock limit counts from here. */
  run(opts: WorkerInput["opts"], o: WorkerRunOptions): Promise<WorkerRun>;
  /** End the worker without a run (nothing happens if it ran). */
  cancel(): void;
}

export function startSimWorker(): SimWorker {
  const w = new Worker(WORKER_URL);
  w.unref();
  // Until the run: a worker that fails to start is reported by `run`.
  let early: Error | undefined;
  const onEarly = (e: Error) => (early = e);
  w.on("error", onEarly);
  let used = false;
  return {
    run(opts, o) {
      if (used) throw new Error("this simulator worker has run already");
      used = true;
      w.off("error", onEarly);
      if (early) return Promise.reject(early);
      w.ref();
      w.postMessage({ opts, uart: o.uart } satisfies WorkerInput);
      return watch(w, o);
    },
    cancel() {
      if (used) return;
      used = true;
      void w.terminate();
    },
  };
}

/** Start a worker and run `opts` in it. */
export function simulateInWorker(opts: WorkerInput["opts"], o: WorkerRunOptions): Promise<WorkerRun> {
  return startSimWorker().run(opts, o);
}

function watch(w: Worker, o: WorkerRunOptions): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
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
