/**
 * A simulated Raspberry Pi running the piwave firmware: the bus with every
 * peripheral model of the chosen board, the virtual clock, the ABI, and the
 * outputs (UART log, jack, trace, violations).
 *
 * `run()` is synchronous: it calls the firmware's `main()` and returns when
 * the firmware halts, traps, or the simulator refuses an access.
 */
import { type Board, type BoardName, getBoard } from "../boards.js";
import { HALT_BAD_MMIO, HALT_CODES, HALT_WASM_TRAP, HaltSignal, createImports } from "./abi.js";
import { Bus } from "./bus.js";
import { ClockManager } from "./clock.js";
import { type Device, type DeviceContext, SandboxRefusal, SimFault, type Violation, hex32 } from "./device.js";
import { Dma } from "./dma.js";
import { DmaService } from "./dma-service.js";
import { Gpio } from "./gpio.js";
import { type MailboxBehaviour, VideoCoreMailbox } from "./mailbox.js";
import { type Jack, RAMP_ALLOWANCE_S } from "./jack.js";
import { Pactl } from "./pactl.js";
import { Pwm } from "./pwm.js";
import { PlainRam } from "./ram.js";
import { PS_PER_NS, PS_PER_S, SimClock } from "./time.js";
import { SystemTimer } from "./timer.js";
import { Trace, formatEntry } from "./trace.js";
import { Uart } from "./uart.js";
import { Block } from "../../regs/blocks.js";
import { PwmReg } from "../../regs/pwm.js";
import { LinearMemory } from "../../regs/memory.js";
import { memoryLimits } from "./memory-limits.js";

export interface SimOptions {
  board: BoardName;
  /** The firmware: .wasm bytes or a compiled module. */
  wasm: Uint8Array<ArrayBuffer> | WebAssembly.Module;
  /** The asset bundle served through bundle_size/bundle_read. */
  bundle: Uint8Array;
  /** Cost of one MMIO access in ns (default 100). */
  accessNs?: number;
  /** Record a trace of up to this many accesses (true = 1,000,000). */
  trace?: boolean | number;
  /** Each complete UART line, as it is transmitted. */
  onUartLine?: (line: string) => void;
  /** Virtual-time limit in seconds; past it the run is stopped as stuck (default 3600). */
  maxSeconds?: number;
  /** Reset values of GPFSEL0..5. */
  gpfsel?: number[];
  /** Model a clock generator whose BUSY never clears. */
  cmStuckBusy?: boolean;
  /** Pause the firmware (not the hardware) for `forMs` every `everyMs` of virtual time. */
  stall?: { everyMs: number; forMs: number };
  /** The VideoCore's property mailbox: answers (default), never answers, or answers with an error. */
  mailbox?: MailboxBehaviour;
  /**
   * "hardware" (default): the PWM model. "ram": the PWM window is plain
   * RAM, as in QEMU 7.2 raspi3b, for comparing traces with a QEMU run.
   */
  pwmModel?: "hardware" | "ram";
}

export interface SimResult {
  board: Board;
  /**
   * `halt` code, or null when the run ended another way (see `error`). The
   * hosts' own codes as the runtime reports them: 4 when the sandbox refused
   * an access or request, 5 when the firmware trapped (including a call
   * stack exhausted by unbounded recursion).
   */
  haltCode: number | null;
  /**
   * What stopped the run other than the firmware's own halt: for 4 and 5 the
   * line the bare-metal runtime would print (`F mmio: …`, `F dma: …`,
   * `F abi: …`, `F trap: …`); otherwise a simulator fault.
   */
  error?: string;
  /** Everything the firmware sent over the UART. */
  uart: string;
  lines: string[];
  jack: Jack;
  violations: Violation[];
  virtualSeconds: number;
  accesses: number;
  machine: Machine;
}

/**
 * Other implementations of the bus or the PWM model, built in their place.
 * For tests/sim-exact.test.ts, which runs the straightforward reference
 * models through the same machine and compares every output.
 */
export interface ModelOverrides {
  bus?: (clock: SimClock, trace: Trace | undefined) => Bus;
  pwm?: (board: Board, ctx: DeviceContext, cm: ClockManager) => Pwm;
  dma?: (board: Board, ctx: DeviceContext, pwm: Pwm, pactl: Pactl | undefined) => Dma;
}

export class Machine implements DeviceContext {
  readonly board: Board;
  readonly clock: SimClock;
  readonly bus: Bus;
  readonly gpio: Gpio;
  readonly cm: ClockManager;
  readonly pwm: Pwm;
  readonly dma: Dma;
  /** BCM2711 only: the DREQ 1 mux. */
  readonly pactl: Pactl | undefined;
  /** The runtime's DMA service (control blocks in runtime memory). */
  readonly dmaService: DmaService;
  readonly timer: SystemTimer;
  readonly uart: Uart;
  readonly mailbox: VideoCoreMailbox;
  readonly trace: Trace | undefined;
  readonly violations: Violation[] = [];
  private uartBytes: number[] = [];
  private lineStart = 0;
  private readonly lines: string[] = [];
  instance: WebAssembly.Instance | undefined;

  constructor(
    private readonly opts: SimOptions,
    models: ModelOverrides = {},
  ) {
    this.board = getBoard(opts.board);
    this.clock = new SimClock((opts.accessNs ?? 100) * PS_PER_NS);
    const limit = opts.trace === true ? 1_000_000 : typeof opts.trace === "number" ? opts.trace : 0;
    this.trace = limit > 0 ? new Trace(limit) : undefined;
    this.bus = models.bus ? models.bus(this.clock, this.trace) : new Bus(this.clock, this.trace);
    this.bus.limitPs = (opts.maxSeconds ?? 3600) * PS_PER_S;
    this.gpio = new Gpio(this.board, this, { fsel: opts.gpfsel });
    this.cm = new ClockManager(this.board, this);
    this.cm.stuckBusy = opts.cmStuckBusy ?? false;
    this.pwm = models.pwm ? models.pwm(this.board, this, this.cm) : new Pwm(this.board, this, this.cm);
    // The jack reserves the whole run once the PWM starts at its rate (Jack.started): the bundle's audio and the ramps.
    this.pwm.jack.expectSeconds = bundleSeconds(opts.bundle) + RAMP_ALLOWANCE_S;
    this.timer = new SystemTimer(this);
    this.uart = new Uart(this.board, this, (b) => this.onUartByte(b));
    this.pactl = this.board.name === "pi4" ? new Pactl(this) : undefined;
    this.dma = models.dma ? models.dma(this.board, this, this.pwm, this.pactl) : new Dma(this.board, this, this.pwm, this.pactl);
    this.mailbox = new VideoCoreMailbox(this.board, opts.mailbox ?? "answer");
    this.dma.linearMemory = () => this.instance?.exports.memory as WebAssembly.Memory | undefined;
    this.dmaService = new DmaService(this.board, this.bus, this.dma, () => this.dma.memory());
    if (opts.stall) this.bus.setStalls(opts.stall.everyMs * 1e9, opts.stall.forMs * 1e9);
    // The models built from their tables (regs/tables/) do not know where they are: each goes at the
    // board's peripheral base + its block's offset (regs/blocks.ts; the jack's PWM block per board).
    const base = this.board.peripheralBase;
    place(this.pwm, base + this.board.pwmOffset);
    const pwmWindow = opts.pwmModel === "ram" ? new PlainRam(this.pwm, this) : this.pwm;
    this.bus.map(this.gpio.placeAt(base + Block.GPIO));
    this.bus.map(this.cm.placeAt(base + Block.CM));
    this.bus.map(pwmWindow);
    this.bus.map(this.timer.placeAt(base + Block.TIMER));
    this.bus.map(this.uart.placeAt(base + Block.UART0));
    this.bus.map(place(this.dma, base + Block.DMA));
    if (this.pactl) this.bus.map(this.pactl.placeAt(base + Block.PACTL));
    this.bus.setSandbox(this.board.name);
    this.bus.setHot(pwmWindow, PwmReg.STA, PwmReg.FIF1);
  }

  violation(device: string, message: string): void {
    this.violations.push({ timePs: this.clock.now, device, message });
  }

  private onUartByte(b: number): void {
    this.uartBytes.push(b);
    if (b === 0x0a) {
      const line = Buffer.from(this.uartBytes.slice(this.lineStart, this.uartBytes.length - 1)).toString("utf8");
      this.lineStart = this.uartBytes.length;
      this.lines.push(line);
      this.opts.onUartLine?.(line);
    }
  }

  /** Everything the UART has transmitted so far, decoded as UTF-8. */
  uartText(): string {
    return Buffer.from(this.uartBytes).toString("utf8");
  }

  /** Formatted trace lines (empty when tracing was off). */
  traceLines(): string[] {
    if (!this.trace) return [];
    const out: string[] = [];
    for (const e of this.trace.entries()) out.push(formatEntry(this.bus, e));
    return out;
  }

  /**
   * The sandbox's memory rule (regs/memory.ts), checked as the runtime does
   * after instantiating: the module must declare a maximum of at most
   * LinearMemory.MAX_PAGES. Returns the runtime's refusal line, or null.
   * (Only for .wasm bytes: a precompiled Module's limits cannot be read.)
   */
  private memoryRefusal(): string | null {
    if (this.opts.wasm instanceof WebAssembly.Module) return null;
    const limits = memoryLimits(this.opts.wasm);
    const max = limits?.maximum ?? null;
    if (limits === null || (max !== null && max <= LinearMemory.MAX_PAGES)) return null;
    const declared = max === null || max >= 65536 ? "no maximum memory" : `a maximum memory of ${max} pages`;
    return `F runtime: the firmware declares ${declared}; the sandbox allows at most ${LinearMemory.MAX_PAGES} (build with --maximumMemory ${LinearMemory.MAX_PAGES} or less)`;
  }

  run(): SimResult {
    const module = this.opts.wasm instanceof WebAssembly.Module ? this.opts.wasm : new WebAssembly.Module(this.opts.wasm);
    const imports = createImports({
      bus: this.bus,
      bundle: this.opts.bundle,
      dma: this.dmaService,
      memory: () => this.instance!.exports.memory as WebAssembly.Memory,
      mailbox: this.mailbox,
    });
    let haltCode: number | null = null;
    let error: string | undefined;
    try {
      this.instance = new WebAssembly.Instance(module, imports);
      const refusal = this.memoryRefusal();
      if (refusal !== null) throw new SandboxRefusal(refusal);
      const main = this.instance.exports.main as () => void;
      main();
      error = "firmware main() returned without calling halt()";
    } catch (e) {
      if (e instanceof HaltSignal) haltCode = e.code;
      else if (e instanceof SandboxRefusal) {
        haltCode = HALT_BAD_MMIO;
        error = e.line;
      } else if (e instanceof SimFault) error = `simulator: ${e.message}`;
      else if (e instanceof WebAssembly.RuntimeError) {
        // The runtime reports every wasm trap the same way (boot/main.c).
        haltCode = HALT_WASM_TRAP;
        error = `F trap: wasm trap: ${e.message}`;
      } else if (e instanceof RangeError && /call stack/i.test(e.message)) {
        // Unbounded recursion: V8 throws a RangeError where wasm2c traps
        // with "call stack exhausted".
        haltCode = HALT_WASM_TRAP;
        error = "F trap: wasm trap: call stack exhausted";
      } else throw e;
    }
    if (this.instance) {
      // As runtime_halt does: no chain the firmware started keeps feeding the PWM.
      this.bus.limitPs = Infinity;
      try {
        this.dmaService.stopAll();
      } catch (e) {
        if (!(e instanceof SimFault)) throw e;
      }
    }
    this.uart.flushAll();
    if (this.lineStart < this.uartBytes.length) {
      // A last line without newline.
      const line = Buffer.from(this.uartBytes.slice(this.lineStart)).toString("utf8");
      this.lines.push(line);
      this.opts.onUartLine?.(line);
      this.lineStart = this.uartBytes.length;
    }
    return {
      board: this.board,
      haltCode,
      error,
      uart: Buffer.from(this.uartBytes).toString("utf8"),
      lines: this.lines,
      jack: this.pwm.jack,
      violations: this.violations,
      virtualSeconds: this.clock.seconds(),
      accesses: this.bus.accesses,
      machine: this,
    };
  }
}

/**
 * Give `device` its address: a model built from its table is placed there;
 * one that knows its own (the reference models of tests/reference/) must
 * already be there.
 */
function place<D extends Device>(device: D, base: number): D {
  if (Number.isNaN(device.base)) return device.placeAt(base);
  if (device.base !== base >>> 0) throw new Error(`${device.name} is at ${hex32(device.base)}, not at ${hex32(base)}`);
  return device;
}

/**
 * The audio in a bundle, in seconds, as the machine expects the jack to
 * record it: 4 bytes per stereo frame at 44.1 kHz. Every board's frame
 * rates are within 0.1 % of that (host/boards.ts) and the header and names
 * are a few bytes: an estimate, for the jack's reservation, that needs no
 * reading of the bundle (which the firmware checks itself).
 */
export function bundleSeconds(bundle: Uint8Array): number {
  return bundle.length / 4 / 44100;
}

/** Build a machine and run the firmware once. */
export function simulate(opts: SimOptions): SimResult {
  return new Machine(opts).run();
}

export function describeHalt(code: number | null): string {
  return code === null ? "did not halt" : `halt(${code}): ${HALT_CODES[code] ?? "unknown code"}`;
}
