/**
 * The fast plain pre-compensation (host/dsp/plain-precompensation.ts) over
 * two threads: its blocks depend on v alone, so the second half of a
 * track's blocks goes to a worker thread while this one computes the first
 * half; the samples are the same as on one thread. The call stays
 * synchronous (encodeBundle is): this thread waits for the worker with
 * Atomics.wait on shared memory.
 *
 * Whatever happens to the worker, the result comes: if it cannot be
 * started, fails, or finishes no block for STALL_MS, its blocks are
 * computed here (it is terminated). Short tracks, the exact setting and
 * running from TypeScript sources (tests: the worker is compiled JS) stay
 * on this thread.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type BlockFigures, checkRange, fastBlockCount, type PlainPrecompResult, type PrecompSetting, precompensateFastBlocks, precompensatePlain, splitChannels, toSamples } from "./plain-precompensation.js";
import { WORKER_DONE, WORKER_FAILED, type WorkerJob } from "./plain-precompensation-job.js";

/** Fewer blocks than this (about 3 s of audio) are not worth a thread's start-up (~30 ms). */
const MIN_BLOCKS = 40;
/** The worker is given up when it has finished no block for this long (a block takes about a millisecond). */
const STALL_MS = 5000;

function shared(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

/** precompensatePlain on two threads where that helps (same result). */
export function precompensatePlainThreaded(pcm: Int16Array, range: number, setting: PrecompSetting = "fast"): PlainPrecompResult {
  checkRange(range);
  const n = pcm.length >> 1;
  const blocks = fastBlockCount(n);
  const workerUrl = new URL("./plain-precompensation-worker.js", import.meta.url);
  if (setting !== "fast" || blocks < MIN_BLOCKS || !import.meta.url.endsWith(".js") || availableParallelism() < 2) return precompensatePlain(pcm, range, setting);
  const vL = shared(n);
  const vR = shared(n);
  const sL = shared(n);
  const sR = shared(n);
  splitChannels(pcm, vL, vR);
  const split = Math.ceil(blocks / 2);
  const job: WorkerJob = { vL, vR, sL, sR, range, firstBlock: split, endBlock: blocks, state: new Int32Array(new SharedArrayBuffer(8)), figures: shared(3) };
  let worker: Worker | undefined;
  try {
    worker = new Worker(workerUrl, { workerData: job, stdout: true, stderr: true });
    worker.on("error", () => {}); // its failure is seen in job.state; a late 'error' event must not crash the build
  } catch {
    worker = undefined;
  }
  const mine = precompensateFastBlocks(vL, vR, sL, sR, range, 0, split);
  let theirs: BlockFigures | undefined;
  if (worker) {
    let seen = -1;
    let since = Date.now();
    for (;;) {
      const state = Atomics.load(job.state, 0);
      if (state === WORKER_DONE) {
        theirs = { iterations: job.figures[0]!, residualLevels: job.figures[1]!, peak: job.figures[2]! };
        break;
      }
      if (state === WORKER_FAILED) break;
      const done = Atomics.load(job.state, 1);
      if (done !== seen) {
        seen = done;
        since = Date.now();
      }
      if (Date.now() - since > STALL_MS) break;
      Atomics.wait(job.state, 0, state, 50);
    }
    void worker.terminate().catch(() => {});
  }
  theirs ??= precompensateFastBlocks(vL, vR, sL, sR, range, split, blocks);
  return toSamples(pcm, sL, sR, range, {
    iterations: Math.max(mine.iterations, theirs.iterations),
    residualLevels: Math.max(mine.residualLevels, theirs.residualLevels),
    peak: Math.max(mine.peak, theirs.peak),
  });
}
