/**
 * The simulator in a worker thread, so that the CLI can stop a run that
 * hangs without touching hardware (a pure-computation loop in the firmware
 * never advances virtual time, so only a wall-clock limit catches it).
 * Messages out: { type: "line", line } and, about once a second of wall
 * time, { type: "progress", virtualSeconds } while running; then { type: "done", ... }.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Machine, type SimOptions } from "./machine.js";
import { formatEntry } from "./trace.js";

export interface WorkerInput {
  opts: Omit<SimOptions, "onUartLine" | "wasm"> & { wasm: Uint8Array<ArrayBuffer> };
  /** Bytes received on the UART's RX line from `atMs` on (piwave sim --uart). */
  uart?: { atMs: number; data: Uint8Array }[];
}

export interface WorkerDone {
  type: "done";
  haltCode: number | null;
  error?: string;
  violations: { timePs: number; device: string; message: string }[];
  virtualSeconds: number;
  accesses: number;
  stalls: number;
  right: Uint16Array<ArrayBuffer>;
  left: Uint16Array<ArrayBuffer>;
  gaps: [number, number];
  range: number;
  clockHz: number;
  trace: string[];
  traceDropped: number;
  /** What became of the UART input. */
  uartInput: { received: number; overruns: number; ignored: number };
}

// The run comes with the worker (workerData) or, for a worker started ahead of its run (startSimWorker), as its first message.
const input: WorkerInput = (workerData as WorkerInput | undefined)?.opts
  ? (workerData as WorkerInput)
  : await new Promise<WorkerInput>((resolve) => parentPort!.once("message", (m: WorkerInput) => resolve(m)));
const m = new Machine({ ...input.opts, onUartLine: (line) => parentPort!.postMessage({ type: "line", line }) });
for (const u of input.uart ?? []) m.uart.receive(Math.round(u.atMs * 1e9), u.data); // ms → ps
// Progress: a checkpoint every 0.25 s of virtual time (through the bus's time-limit check, free on the access path); a message at most once a second.
const CHECK_PS = 250e9;
const limitPs = m.bus.limitPs;
let lastPost = performance.now();
m.bus.limitPs = Math.min(limitPs, CHECK_PS);
m.bus.onLimit = (now) => {
  if (now > limitPs) {
    m.bus.limitPs = limitPs;
    return false;
  }
  m.bus.limitPs = Math.min(limitPs, now + CHECK_PS);
  const t = performance.now();
  if (t - lastPost >= 1000) {
    lastPost = t;
    parentPort!.postMessage({ type: "progress", virtualSeconds: now / 1e12 });
  }
  return true;
};
const r = m.run();
const trace: string[] = [];
if (m.trace) for (const e of m.trace.entries()) trace.push(formatEntry(m.bus, e));
// The recorded part of each channel, on the channel's own buffer: transferred, not copied (the reserved
// room past it goes along as address space, never written).
const right = r.jack.right.view();
const left = r.jack.left.view();
const done: WorkerDone = {
  type: "done",
  haltCode: r.haltCode,
  error: r.error,
  violations: r.violations,
  virtualSeconds: r.virtualSeconds,
  accesses: r.accesses,
  stalls: m.bus.stalls,
  right,
  left,
  gaps: r.jack.gaps,
  range: r.jack.range,
  clockHz: r.jack.clockHz,
  trace,
  traceDropped: m.trace?.dropped ?? 0,
  uartInput: { received: m.uart.rxReceived, overruns: m.uart.rxOverruns, ignored: m.uart.rxIgnored },
};
parentPort!.postMessage(done, [right.buffer, left.buffer]);
