/**
 * Running a firmware on the simulated board for a test: `runFirmware()`
 * takes the firmware (a prebuilt .wasm, its bytes, or an AssemblyScript
 * entry compiled with piwave's settings), a bound on virtual time, and timed
 * inputs — bytes on the UART's RX line, levels on GPIO pins, CPU stalls —
 * and returns what came out: how the run ended and the halt code, the UART
 * lines, the trace as typed events, the hardware-rule violations, the jack
 * (both channels, the rate) and its gaps.
 *
 * The firmware runs synchronously in this thread on the register-level
 * models of host/sim/. Virtual time advances only when the firmware touches
 * hardware (host/sim/time.ts): a loop that never does cannot be stopped by
 * the bound, so give the test runner a timeout.
 */
import { type Board, type BoardName, getBoard } from "../boards.js";
import type { Variant } from "../firmware.js";
import { type Track, encodeBundle } from "../bundle.js";
import { checkFirmwareModule, checkModuleImports } from "../firmware-module.js";
import type { Violation } from "../sim/device.js";
import { Halt } from "../../regs/halt.js";
import { Machine, type SimOptions, describeHalt } from "../sim/machine.js";
import { PS_PER_S } from "../sim/time.js";

export type { JackCapture } from "./jack.js";
import { compileEntry, loadWasmFile } from "../user-firmware.js";
import { type JackCapture, jackCapture } from "./jack.js";
import { type TraceEvent, traceEvents } from "./trace-events.js";

const PS_PER_MS = PS_PER_S / 1000;

/** Bytes arriving on the UART's RX line (GPIO15) from `atMs` on, at the firmware's baud rate. */
export interface UartInput {
  atMs: number;
  data: string | Uint8Array | readonly number[];
}

/** From `atMs` on, an outside circuit drives `pin` high (1), low (0) or lets it go (null). */
export interface GpioInput {
  atMs: number;
  pin: number;
  level: 0 | 1 | null;
}

/** The CPU stops running the firmware for `forMs` at its first hardware access at or after `atMs`; the hardware runs on. */
export interface StallInput {
  atMs: number;
  forMs: number;
}

/**
 * Hardware that misbehaves, for testing how a firmware copes. Each is a
 * failure real boards show; the default is hardware that works.
 */
export interface Faults {
  /**
   * The VideoCore's property mailbox (mailbox_call): "silent" never answers
   * (the firmware's wait for a response must time out), "error" answers every
   * request with the error code 0x80000001 instead of 0x80000000.
   */
  mailbox?: "silent" | "error";
  /** The clock manager's generators (CM_PWMCTL, CM_GP0CTL, ...) keep BUSY set after KILL, as a generator whose source PLL stopped. */
  clockStuckBusy?: boolean;
  /**
   * The PWM window is plain memory: writes are kept and read back, nothing
   * runs, the jack stays silent. This is what QEMU 7.2's raspi3b gives a
   * firmware (it has no PWM model), to test a firmware's QEMU path here.
   */
  pwmIsRam?: boolean;
  /**
   * Pi 4 only: the DREQ 1 multiplexer (PACTL_CS bit 23) never switches to
   * the PWM: writes to PACTL_CS are lost, so a DMA channel paced by DREQ 1
   * never moves.
   */
  dreqMuxStuck?: boolean;
  /** Pi 4 only: PACTL_CS as the boot firmware left it (reset value 0 otherwise). */
  pactlAtBoot?: number;
}

export interface FirmwareRunOptions {
  /** "pi4" (default) or "pi3". */
  board?: BoardName;
  /** A prebuilt module: a .wasm path, its bytes, or a compiled module. */
  wasm?: string | Uint8Array | WebAssembly.Module;
  /** An AssemblyScript entry point, compiled with piwave's settings (cached). */
  entry?: string;
  /**
   * Build-time options for `entry` (firmware/config.ts, what the library's AudioOutput plays with):
   * `quality` "plain" (default) or "shaped", `feed` "poll" (default) or "dma", `rampMs` short start/stop
   * ramps instead of the thump-free 11-19 s ones.
   */
  variant?: Variant;
  /** The asset bundle the firmware reads through bundle_size/bundle_read: bytes, or tracks to encode. Default: empty. */
  bundle?: Uint8Array | readonly Track[];
  /** Run for at most this much virtual time, in milliseconds. */
  ms: number;
  /** Timed UART input. */
  uart?: readonly UartInput[];
  /** Timed GPIO input levels. */
  gpio?: readonly GpioInput[];
  /** Timed CPU stalls. */
  stalls?: readonly StallInput[];
  /** A CPU stall of `forMs` every `everyMs`, for the whole run. */
  stallEvery?: { everyMs: number; forMs: number };
  /** Reset values of GPFSEL0..5 (pins already in use, as on a real board). */
  gpfsel?: readonly number[];
  /** Record at most this many accesses in the trace (default 1,000,000; 0 = none). */
  traceLimit?: number;
  /** Virtual cost of one MMIO access in ns (default 100). */
  accessNs?: number;
  /** Hardware faults to inject (default none). */
  faults?: Faults;
}

/** How a run ended. */
export type RunEnd =
  /** The firmware called halt(code). */
  | "halt"
  /** The virtual-time bound was reached with the firmware still running. */
  | "time-limit"
  /** The firmware trapped (unreachable, out-of-bounds memory, ...). */
  | "trap"
  /** The simulator refused an access (an address no model implements). */
  | "fault"
  /** main() returned without calling halt. */
  | "returned";

export interface FirmwareRun {
  board: Board;
  ended: RunEnd;
  /** The halt code, or null when the firmware did not halt. */
  haltCode: number | null;
  /** "halt(0): done", "did not halt", ... */
  halt: string;
  /**
   * What stopped the run, when it was not the firmware's own ending: a trap or a
   * simulator fault; the sandbox's refusal (halt 4: `F mmio: …`); an abort
   * (halt 3): the firmware's `F abort: …` line, with the message and, where
   * known, the place (`F abort: new Pin(60): GPIO pin out of range (0-57) at
   * ~lib/piwave/firmware/hal/pin.ts:51:20`).
   */
  error?: string;
  /** Everything the firmware sent over the UART. */
  uart: string;
  /** The UART output as lines (without the newline). */
  lines: string[];
  /** What happened to the timed UART input. */
  uartInput: { received: number; overruns: number; ignored: number };
  /** Every recorded MMIO access, decoded (computed on first use). */
  readonly events: readonly TraceEvent[];
  /** Accesses not recorded because the trace limit was reached. */
  traceDropped: number;
  /** The write events, all or to one register. */
  writes(register?: string): TraceEvent[];
  /** Hardware rules the firmware broke (real silicon would misbehave silently). */
  violations: readonly Violation[];
  jack: JackCapture;
  /** Virtual time at the end of the run. */
  virtualMs: number;
  accesses: number;
  /** The machine, for what this API does not cover (its models' state). */
  machine: Machine;
}

function toBytes(data: UartInput["data"]): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  return Uint8Array.from(data);
}

async function firmwareModule(o: FirmwareRunOptions, board: BoardName): Promise<WebAssembly.Module> {
  if ((o.wasm === undefined) === (o.entry === undefined)) throw new TypeError("runFirmware: give exactly one of `wasm` and `entry`");
  if (o.entry !== undefined) return loadWasmFile((await compileEntry(o.entry, board, { variant: o.variant })).path, o.entry).module;
  if (o.variant !== undefined) throw new TypeError("runFirmware: `variant` applies to an `entry` (a prebuilt module is already built)");
  const w = o.wasm!;
  if (typeof w === "string") return loadWasmFile(w).module;
  if (w instanceof WebAssembly.Module) {
    checkModuleImports(w, "the firmware module");
    return w;
  }
  return checkFirmwareModule(new Uint8Array(w), "the firmware bytes");
}

function checkTime(what: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`runFirmware: ${what} must be a time in ms >= 0, not ${ms}`);
}

const FAULT_NAMES: readonly (keyof Faults)[] = ["mailbox", "clockStuckBusy", "pwmIsRam", "dreqMuxStuck", "pactlAtBoot"];

/** The simulator's options for `faults`, after checking them (a misspelt fault must not pass silently as "no fault"). */
function machineFaults(f: Faults | undefined, board: Board): Pick<SimOptions, "mailbox" | "cmStuckBusy" | "pwmModel"> {
  if (f === undefined) return {};
  for (const k of Object.keys(f)) if (!FAULT_NAMES.includes(k as keyof Faults)) throw new TypeError(`runFirmware: faults.${k} is not a fault piwave/testing knows (${FAULT_NAMES.join(", ")})`);
  if (f.mailbox !== undefined && f.mailbox !== "silent" && f.mailbox !== "error") throw new TypeError(`runFirmware: faults.mailbox must be "silent" or "error", not ${JSON.stringify(f.mailbox)}`);
  if ((f.dreqMuxStuck || f.pactlAtBoot !== undefined) && board.name !== "pi4") throw new TypeError(`runFirmware: faults.dreqMuxStuck and faults.pactlAtBoot are for the Pi 4 (the BCM2837 has no DREQ 1 multiplexer), not ${board.name}`);
  if (f.pactlAtBoot !== undefined && !(Number.isInteger(f.pactlAtBoot) && f.pactlAtBoot >= 0 && f.pactlAtBoot <= 0xffff_ffff)) throw new RangeError(`runFirmware: faults.pactlAtBoot must be a 32-bit register value, not ${f.pactlAtBoot}`);
  return {
    ...(f.mailbox ? { mailbox: f.mailbox } : {}),
    ...(f.clockStuckBusy ? { cmStuckBusy: true } : {}),
    ...(f.pwmIsRam ? { pwmModel: "ram" as const } : {}),
  };
}

/** Run a firmware on the simulated board (see the module comment). */
export async function runFirmware(o: FirmwareRunOptions): Promise<FirmwareRun> {
  const boardName = o.board ?? "pi4";
  const board = getBoard(boardName);
  checkTime("ms", o.ms);
  if (o.ms <= 0) throw new RangeError("runFirmware: ms must be > 0");
  const module = await firmwareModule(o, board.name);
  const bundle = o.bundle === undefined ? new Uint8Array(0) : o.bundle instanceof Uint8Array ? o.bundle : encodeBundle(o.bundle);
  const traceLimit = o.traceLimit ?? 1_000_000;
  const m = new Machine({
    board: board.name,
    wasm: module,
    bundle,
    accessNs: o.accessNs,
    trace: traceLimit > 0 ? traceLimit : false,
    maxSeconds: o.ms / 1000,
    gpfsel: o.gpfsel ? [...o.gpfsel] : undefined,
    stall: o.stallEvery,
    ...machineFaults(o.faults, board),
  });
  if (o.faults?.pactlAtBoot !== undefined) m.pactl!.write(0, o.faults.pactlAtBoot >>> 0);
  if (o.faults?.dreqMuxStuck) m.pactl!.write = () => {};
  for (const u of [...(o.uart ?? [])].sort((a, b) => a.atMs - b.atMs)) {
    checkTime("uart[].atMs", u.atMs);
    m.uart.receive(Math.round(u.atMs * PS_PER_MS), toBytes(u.data));
  }
  for (const g of [...(o.gpio ?? [])].sort((a, b) => a.atMs - b.atMs)) {
    checkTime("gpio[].atMs", g.atMs);
    m.gpio.drive(Math.round(g.atMs * PS_PER_MS), g.pin, g.level);
  }
  for (const s of o.stalls ?? []) {
    checkTime("stalls[].atMs", s.atMs);
    checkTime("stalls[].forMs", s.forMs);
    m.bus.addStall(Math.round(s.atMs * PS_PER_MS), Math.round(s.forMs * PS_PER_MS));
  }
  let reachedBound = false;
  m.bus.onLimit = () => {
    reachedBound = true;
    return false;
  };
  const r = m.run();
  let ended: RunEnd;
  let error = r.error;
  if (r.haltCode !== null) {
    ended = "halt";
    // An abort (halt 3): the runtime's F abort line (firmware/runtime/abort.ts) says what and where.
    if (r.haltCode === Halt.ABORT && error === undefined) error = [...r.lines].reverse().find((l) => l.startsWith("F abort: "));
  }
  else if (reachedBound) {
    ended = "time-limit";
    error = undefined;
  } else if (r.error?.startsWith("firmware trap")) ended = "trap";
  else if (r.error?.startsWith("simulator")) ended = "fault";
  else ended = "returned";

  const jack = r.jack;
  let events: TraceEvent[] | undefined;
  const capture = jackCapture({
    rateHz: jack.rateHz,
    range: jack.range,
    left: jack.left.view().slice(0, jack.frames),
    right: jack.right.view().slice(0, jack.frames),
    gaps: { right: jack.gaps[0], left: jack.gaps[1], rightAt: [...jack.gapAt[0]], leftAt: [...jack.gapAt[1]] },
  });
  const run: FirmwareRun = {
    board,
    ended,
    haltCode: r.haltCode,
    halt: describeHalt(r.haltCode),
    error,
    uart: r.uart,
    lines: r.lines,
    uartInput: { received: m.uart.rxReceived, overruns: m.uart.rxOverruns, ignored: m.uart.rxIgnored },
    get events() {
      events ??= m.trace ? traceEvents(m.bus, m.trace) : [];
      return events;
    },
    traceDropped: m.trace?.dropped ?? 0,
    writes(register) {
      return this.events.filter((e) => e.kind === "write" && (register === undefined || e.register === register));
    },
    violations: r.violations,
    jack: capture,
    virtualMs: r.virtualSeconds * 1000,
    accesses: r.accesses,
    machine: m,
  };
  return run;
}
