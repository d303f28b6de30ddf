/** What host/dsp/plain-precompensation-threads.ts hands its worker thread (all arrays over SharedArrayBuffers). */
export interface WorkerJob {
  vL: Float64Array;
  vR: Float64Array;
  sL: Float64Array;
  sR: Float64Array;
  range: number;
  firstBlock: number;
  endBlock: number;
  /** [0]: WORKER_*; [1]: blocks finished. */
  state: Int32Array;
  /** iterations, residualLevels, peak (BlockFigures). */
  figures: Float64Array;
}
export const WORKER_STARTING = 0;
export const WORKER_RUNNING = 1;
export const WORKER_DONE = 2;
export const WORKER_FAILED = 3;
