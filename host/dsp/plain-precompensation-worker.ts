/**
 * The worker thread of host/dsp/plain-precompensation-threads.ts: computes
 * the fast setting's blocks it is given from the shared v into the shared s,
 * counting finished blocks in `state[1]` and saying DONE or FAILED in
 * `state[0]` (then notifying): the thread that started it waits on that
 * word, it does not read messages.
 */
import { workerData } from "node:worker_threads";
import { WORKER_DONE, WORKER_FAILED, WORKER_RUNNING, type WorkerJob } from "./plain-precompensation-job.js";

const job = workerData as WorkerJob;
try {
  Atomics.store(job.state, 0, WORKER_RUNNING);
  const { precompensateFastBlocks } = await import("./plain-precompensation.js");
  const f = precompensateFastBlocks(job.vL, job.vR, job.sL, job.sR, job.range, job.firstBlock, job.endBlock, () => Atomics.add(job.state, 1, 1));
  job.figures[0] = f.iterations;
  job.figures[1] = f.residualLevels;
  job.figures[2] = f.peak;
  Atomics.store(job.state, 0, WORKER_DONE);
} catch {
  Atomics.store(job.state, 0, WORKER_FAILED);
}
Atomics.notify(job.state, 0);
