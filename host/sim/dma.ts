/**
 * DMA controller model (answers the runtime's DMA service, host/sim/abi.ts
 * and boot/abi.c): channels 0–14 at +0x7000 (0x100 apart) with CS,
 * CONBLK_AD, TI, SOURCE_AD, DEST_AD, TXFR_LEN, STRIDE, NEXTCONBK, DEBUG, and
 * the global INT_STATUS/ENABLE (regs/dma.ts).
 *
 * What is modelled is what the PWM audio path uses: memory → PWM FIF1
 * transfers paced by the PWM's DREQ (docs/hardware.md#pwm: DREQ while the FIFO holds DMAC.DREQ
 * words or fewer). On a BCM2711 DREQ 1 reaches the engine only while
 * PACTL_CS bit 23 selects PWM1 (host/sim/pactl.ts, reset 0). Control blocks
 * are read through the bus-address mapping (RAM bus address = 0xC0000000 |
 * phys, docs/hardware.md#addresses) from the runtime's memory (the service builds them there) or the
 * firmware's linear memory (model tests); sources must lie in linear memory.
 * A control block that the real engine would mishandle fails loudly: not
 * 32-byte aligned, not a RAM bus address, a destination other than the PWM
 * FIFO, source outside linear memory, a length that is not whole words, 2D
 * mode.
 *
 * Busy-wait acceleration: a read of CONBLK_AD that would return what the
 * previous read of it returned (the firmware is waiting for the engine to
 * move on) returns when it changes, time advanced accordingly (at most 5 ms
 * per read, so a chain that never moves still lets the firmware time out).
 *
 * Names, offsets, reset values, access rules (TI … NEXTCONBK and
 * INT_STATUS read-only, CS.END/INT and the DEBUG errors write-1-to-clear)
 * and the trace's field names come from the block's table
 * (regs/tables/dma.ts). The model has no address of its own: the machine
 * places it at the board's base + Block.DMA.
 *
 * How it runs (speed, not behaviour): while one channel feeds the PWM and
 * the FIFO is steady (each word a PWM channel takes is replaced at once by
 * the next word of the control block), the PWM model moves a control
 * block's words into its FIFO and the jack with typed-array loops
 * (`bulkWords`/`consumeBulk`, host/sim/pwm.ts); the last word of each
 * control block, and everything that is not that steady state, goes word
 * by word through `service`, as the hardware does it. The CONBLK_AD wait
 * jumps straight to the PWM period before the one where the control block
 * ends. The result is the word-by-word model's to the last bit
 * (tests/reference/word-dma.ts, tests/sim-exact.test.ts).
 */
import type { Board } from "../boards.js";
import { PeripheralBase } from "../../regs/blocks.js";
import { DmaCb, DmaChannels, DmaCs, DmaEnable, DmaReg, DmaTi } from "../../regs/dma.js";
import { LinearMemory } from "../../regs/memory.js";
import { PwmReg } from "../../regs/pwm.js";
import { DMA_BLOCK } from "../../regs/tables/dma.js";
import { fieldMask, fieldValue, register, w1cMask } from "../../regs/tables/describe.js";
import { Device, type Decoder, type DeviceContext, SimFault, fieldsDecoder, hex32 } from "./device.js";
import type { Pactl } from "./pactl.js";
import type { Pwm } from "./pwm.js";

/** Longest virtual time one CONBLK_AD read may skip while the firmware waits (a wait that never ends still times out). */
const MAX_SKIP_PS = 5e9;

/** Typed arrays use the machine's byte order: the bulk path reads source words as Uint32 only where that is little-endian, as the Pi's memory is. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Fields from regs/dma.ts (the one description the runtime's DMA service reads too).
export const CS = {
  ACTIVE: DmaCs.ACTIVE, END: DmaCs.END, INT: DmaCs.INT, DREQ: DmaCs.DREQ, PAUSED: DmaCs.PAUSED, ERROR: DmaCs.ERROR,
  WAIT_FOR_OUTSTANDING_WRITES: DmaCs.WAIT_FOR_OUTSTANDING_WRITES, DISDEBUG: DmaCs.DISDEBUG, ABORT: DmaCs.ABORT, RESET: DmaCs.RESET,
} as const;
export const TI = {
  INTEN: DmaTi.INTEN, TDMODE: DmaTi.TDMODE, WAIT_RESP: DmaTi.WAIT_RESP, DEST_INC: DmaTi.DEST_INC, DEST_WIDTH: DmaTi.DEST_WIDTH, DEST_DREQ: DmaTi.DEST_DREQ,
  DEST_IGNORE: DmaTi.DEST_IGNORE, SRC_INC: DmaTi.SRC_INC, SRC_WIDTH: DmaTi.SRC_WIDTH, SRC_DREQ: DmaTi.SRC_DREQ, SRC_IGNORE: DmaTi.SRC_IGNORE, NO_WIDE_BURSTS: DmaTi.NO_WIDE_BURSTS,
} as const;

// Every channel's registers are channel 0's, one CHANNEL_STRIDE further on (regs/tables/dma.ts).
const CS_DESC = register(DMA_BLOCK, "DMA0_CS");
/** CS bits a write clears (END, INT). */
const CS_W1C: number = w1cMask(CS_DESC);
/** CS bits a write stores as they are: the plain read-write fields but ACTIVE, which starts and pauses (the priorities, WAIT_FOR_OUTSTANDING_WRITES, DISDEBUG). */
const CS_STORED: number = (CS_DESC.fields ?? []).reduce((m, f) => (f.access === undefined && f.name !== "ACTIVE" ? m | fieldMask(f) : m), 0);
/** DEBUG's write-1-to-clear error flags. */
const DEBUG_W1C: number = w1cMask(register(DMA_BLOCK, "DMA0_DEBUG"));

// The trace's decoders: the fields of the table's registers.
const decodeCs = fieldsDecoder(CS_DESC);
const decodeTi = fieldsDecoder(register(DMA_BLOCK, "DMA0_TI"));
const decimal = (v: number) => String(v >>> 0);
/** TI.PERMAP: the DREQ line that paces the transfer. */
const TI_PERMAP = register(DMA_BLOCK, "DMA0_TI").fields!.find((f) => f.name === "PERMAP")!;
const DECODERS: Record<string, Decoder> = {};
for (let c = 0; c < DmaChannels.COUNT; c++) {
  DECODERS[`DMA${c}_CS`] = decodeCs;
  DECODERS[`DMA${c}_TI`] = decodeTi;
  DECODERS[`DMA${c}_TXFR_LEN`] = decimal;
}
/** A channel's registers after reset (channel 0's in the table; all channels are alike). */
const CHANNEL_RESET = {
  cs: register(DMA_BLOCK, "DMA0_CS").reset >>> 0,
  cb: register(DMA_BLOCK, "DMA0_CONBLK_AD").reset >>> 0,
  ti: register(DMA_BLOCK, "DMA0_TI").reset >>> 0,
  src: register(DMA_BLOCK, "DMA0_SOURCE_AD").reset >>> 0,
  dst: register(DMA_BLOCK, "DMA0_DEST_AD").reset >>> 0,
  len: register(DMA_BLOCK, "DMA0_TXFR_LEN").reset >>> 0,
  stride: register(DMA_BLOCK, "DMA0_STRIDE").reset >>> 0,
  next: register(DMA_BLOCK, "DMA0_NEXTCONBK").reset >>> 0,
  debug: register(DMA_BLOCK, "DMA0_DEBUG").reset >>> 0,
} as const;

/** The little-endian 32-bit word at `at`. */
function le32(mem: Uint8Array, at: number): number {
  return (mem[at]! | (mem[at + 1]! << 8) | (mem[at + 2]! << 16) | (mem[at + 3]! << 24)) >>> 0;
}

class Channel {
  cs = CHANNEL_RESET.cs;
  cb = CHANNEL_RESET.cb;
  ti = CHANNEL_RESET.ti;
  src = CHANNEL_RESET.src;
  dst = CHANNEL_RESET.dst;
  len = CHANNEL_RESET.len;
  stride = CHANNEL_RESET.stride;
  next = CHANNEL_RESET.next;
  debug = CHANNEL_RESET.debug;
  lastCbRead = -1;
  words = 0;
  get active(): boolean {
    return (this.cs & CS.ACTIVE) !== 0;
  }
}

export class Dma extends Device {
  private readonly ch: Channel[] = Array.from({ length: DmaChannels.COUNT }, () => new Channel());
  private enable = this.resetValue("DMA_ENABLE");
  /** Bit c set while channel c is ACTIVE (kept by `updateRunning` wherever CS.ACTIVE changes). */
  private running = 0;
  /** Linear memory as 32-bit words (null when it cannot be: big-endian host, unaligned view), and the byte view it was made from. */
  private words32: Uint32Array | null = null;
  private words32Of: Uint8Array | undefined;
  /** Set by `bulkWords`: the source words, the index of the next one, and the channel they belong to. */
  bulkSource: Uint32Array = new Uint32Array(0);
  bulkIndex = 0;
  private bulkChannel: Channel | undefined;
  private readonly fifoBus: number;
  /** Where the firmware's linear memory comes from (set by the machine: its instance's memory, once there is one). */
  linearMemory: () => WebAssembly.Memory | undefined = () => undefined;
  private view = new Uint8Array(0);

  /**
   * The firmware's linear memory: one view, made again only when it is
   * empty (before the instance exists, and after memory.grow, which
   * detaches the old buffer and leaves views on it with length 0). Asking
   * the instance each time costs more than the DMA model itself. Model
   * tests replace this method with their own memory.
   */
  memory(): Uint8Array {
    if (this.view.length === 0) {
      const m = this.linearMemory();
      if (m !== undefined) this.view = new Uint8Array(m.buffer);
    }
    return this.view;
  }
  /** The runtime's memory where the DMA service builds control blocks, at LinearMemory.SIM_RUNTIME_PHYS. */
  runtimeMemory: Uint8Array = new Uint8Array(0);

  constructor(
    board: Board,
    ctx: DeviceContext,
    private readonly pwm: Pwm,
    private readonly pactl?: Pactl,
    private readonly pwmDreq = board.pwmDreq,
  ) {
    super(DMA_BLOCK, ctx, DECODERS);
    this.fifoBus = PeripheralBase.BUS + board.pwmOffset + PwmReg.FIF1;
    pwm.onDreq(() => this.service());
    pwm.dmaFeeder = this;
  }

  private updateRunning(): void {
    let m = 0;
    for (let c = 0; c < DmaChannels.COUNT; c++) if (this.ch[c]!.active) m |= 1 << c;
    this.running = m;
  }

  /**
   * No channel can answer the PWM's DREQ (none both active and enabled, or on
   * a BCM2711 DREQ 1 routed elsewhere): a DREQ moves nothing.
   */
  idle(): boolean {
    return (this.running & this.enable) === 0 || (this.pactl !== undefined && !this.pactl.dreq1IsPwm1);
  }

  /**
   * For the PWM model's bulk path, while its FIFO is steady (host/sim/pwm.ts):
   * how many words the engine will now move one per DREQ with nothing else
   * deciding — the current control block's words but its last one (which
   * loads the next block, and may fault), of the only channel that answers
   * DREQ, when its source increments and is word-aligned. They are
   * `bulkSource[bulkIndex...]`. 0: take the word-by-word path.
   */
  bulkWords(): number {
    const mask = this.running & this.enable;
    if (mask === 0 || (mask & (mask - 1)) !== 0 || (this.pactl !== undefined && !this.pactl.dreq1IsPwm1)) return 0;
    const ch = this.ch[31 - Math.clz32(mask)]!;
    const words = ch.len >>> 2;
    if (words < 2 || !(ch.ti & TI.SRC_INC) || !LITTLE_ENDIAN) return 0;
    const off = (ch.src & 0x3fffffff) - LinearMemory.SIM_PHYS; // inside linear memory: loadCb checked the whole block
    if (off & 3) return 0;
    const mem = this.memory();
    if (mem !== this.words32Of) {
      this.words32Of = mem;
      this.words32 = mem.byteOffset & 3 ? null : new Uint32Array(mem.buffer, mem.byteOffset, mem.length >>> 2);
    }
    if (this.words32 === null) return 0;
    this.bulkSource = this.words32;
    this.bulkIndex = off >>> 2;
    this.bulkChannel = ch;
    return words - 1;
  }

  /** The PWM model moved `n` of the words `bulkWords` offered (fewer than it offered). */
  consumeBulk(n: number): void {
    const ch = this.bulkChannel!;
    ch.words += n;
    ch.src = (ch.src + 4 * n) >>> 0;
    ch.len -= 4 * n;
  }

  /** Words channel `c` has moved. */
  wordsMoved(c: number): number {
    return this.ch[c]!.words;
  }

  /** DREQ of the PWM as the DMA engine sees it (on a BCM2711 through the PACTL_CS mux). */
  private dreq(): boolean {
    if (this.pactl && !this.pactl.dreq1IsPwm1) return false;
    return this.pwm.dreq();
  }

  private offsetOf(what: string, c: number, bus: number, len: number): number {
    if (bus >>> 30 !== 3) this.badAddress(what, c, bus, "is not a RAM bus address (the legacy DMA engines see RAM at 0xC0000000 | phys, docs/hardware.md#addresses)");
    const phys = bus & 0x3fffffff;
    const off = phys - LinearMemory.SIM_PHYS;
    const size = this.memory().length;
    if (off < 0 || off + len > size) this.badAddress(what, c, bus, `(phys ${hex32(phys)}) is outside the firmware's memory`);
    return off;
  }

  private badAddress(what: string, c: number, bus: number, why: string): never {
    throw new SimFault(`DMA channel ${c}: ${what} ${hex32(bus)} ${why}`, bus);
  }

  /** A control block's 8 words: from the runtime's memory, or (model tests) linear memory. */
  /**
   * Where a control block's 8 words are: in the runtime's memory, or (model
   * tests) linear memory. Returns the bytes and leaves the offset in `cbAt`.
   */
  private cbBytes(c: number, addr: number): Uint8Array {
    const phys = addr & 0x3fffffff;
    const rt = phys - LinearMemory.SIM_RUNTIME_PHYS;
    if (addr >>> 30 === 3 && rt >= 0 && rt + 32 <= this.runtimeMemory.length) {
      this.cbAt = rt;
      return this.runtimeMemory;
    }
    this.cbAt = this.offsetOf("control block", c, addr, 32);
    return this.memory();
  }
  private cbAt = 0;

  private loadCb(c: number, ch: Channel): void {
    const addr = ch.cb;
    if (addr & 31) throw new SimFault(`DMA channel ${c}: control block at ${hex32(addr)} is not 32-byte aligned`, addr);
    const mem = this.cbBytes(c, addr);
    const at = this.cbAt;
    ch.ti = le32(mem, at + DmaCb.TI);
    ch.src = le32(mem, at + DmaCb.SOURCE_AD);
    ch.dst = le32(mem, at + DmaCb.DEST_AD);
    ch.len = le32(mem, at + DmaCb.TXFR_LEN);
    ch.stride = le32(mem, at + DmaCb.STRIDE);
    ch.next = le32(mem, at + DmaCb.NEXTCONBK);
    if (ch.ti & TI.TDMODE) throw new SimFault(`DMA channel ${c}: control block at ${hex32(addr)} uses 2D mode, which is not modelled`, addr);
    if (!(ch.ti & TI.DEST_DREQ) || fieldValue(ch.ti, TI_PERMAP) !== this.pwmDreq || ch.dst !== this.fifoBus) {
      throw new SimFault(
        `DMA channel ${c}: control block at ${hex32(addr)}: destination ${hex32(ch.dst)} (TI ${decodeTi(ch.ti)}) is not the PWM FIFO; ` +
          `only memory → PWM FIF1 (${hex32(this.fifoBus)}, DEST_DREQ, PERMAP=${this.pwmDreq}) transfers are modelled`,
        addr,
      );
    }
    if (ch.len === 0 || ch.len & 3) throw new SimFault(`DMA channel ${c}: control block at ${hex32(addr)}: TXFR_LEN ${ch.len} is not a whole number of words`, addr);
    const off = (ch.src & 0x3fffffff) - LinearMemory.SIM_PHYS;
    if (ch.src >>> 30 !== 3 || off < 0 || off + ch.len > this.memory().length) this.offsetOf(`control block at ${hex32(addr)}: source`, c, ch.src, ch.len); // throws
    if (ch.next !== 0 && ch.next & 31) throw new SimFault(`DMA channel ${c}: control block at ${hex32(addr)}: NEXTCONBK ${hex32(ch.next)} is not 32-byte aligned`, addr);
  }

  /** The PWM asked for data: move words while DREQ stays up. */
  service(): void {
    let mask = this.running & this.enable;
    if (mask === 0) return;
    const mem = this.memory();
    const size = mem.length;
    for (let c = 0; mask !== 0; c++, mask >>>= 1) {
      if (!(mask & 1)) continue;
      const ch = this.ch[c]!;
      while (ch.active && this.dreq()) {
        const off = (ch.src & 0x3fffffff) - LinearMemory.SIM_PHYS;
        if (ch.src >>> 30 !== 3 || off < 0 || off + 4 > size) this.offsetOf("source", c, ch.src, 4); // throws
        this.pwm.pushFromDma(mem[off]! | (mem[off + 1]! << 8) | (mem[off + 2]! << 16) | (mem[off + 3]! << 24));
        ch.words++;
        if (ch.ti & TI.SRC_INC) ch.src = (ch.src + 4) >>> 0;
        ch.len -= 4;
        if (ch.len === 0) this.nextCb(c, ch);
      }
    }
  }

  private nextCb(c: number, ch: Channel): void {
    if (ch.ti & TI.INTEN) ch.cs |= CS.INT;
    ch.cb = ch.next;
    if (ch.cb === 0) {
      ch.cs = (ch.cs & ~CS.ACTIVE) | CS.END;
      this.updateRunning();
      return;
    }
    this.loadCb(c, ch);
  }

  read(offset: number): number {
    if (offset === DmaReg.ENABLE) return this.enable;
    if (offset === DmaReg.INT_STATUS) return this.ch.reduce((v, ch, i) => v | (ch.cs & CS.INT ? 1 << i : 0), 0);
    const c = offset >>> 8;
    const ch = this.ch[c];
    const reg = offset & 0xff;
    if (!ch || reg > DmaReg.DEBUG) return this.unmodelled(offset, false);
    this.pwm.sync(this.ctx.clock.now);
    switch (reg) {
      case DmaReg.CS:
        return (ch.cs | (this.dreq() ? CS.DREQ : 0)) >>> 0;
      case DmaReg.CONBLK_AD: {
        if (ch.active && ch.cb === ch.lastCbRead) {
          // The firmware polls for the engine to move on: jump there.
          const start = ch.cb;
          const until = this.ctx.clock.now + MAX_SKIP_PS;
          // The only channel feeding a steady FIFO moves one word per word
          // taken, two per period: its block ends in period ceil(words / 2)
          // from now. Every period before that in one go; the rest one by one.
          if ((this.running & this.enable) === 1 << c && !this.idle() && this.pwm.dmaSteady()) {
            const periods = ((ch.len >>> 2) + 1) >>> 1;
            if (periods > 1) this.pwm.skipPeriods(periods - 1, until);
          }
          while (ch.active && ch.cb === start && this.pwm.nextEventTime() <= until) {
            this.ctx.clock.advanceTo(this.pwm.nextEventTime());
            this.pwm.sync(this.ctx.clock.now);
          }
        }
        ch.lastCbRead = ch.cb;
        return ch.cb >>> 0;
      }
      case DmaReg.TI:
        return ch.ti >>> 0;
      case DmaReg.SOURCE_AD:
        return ch.src >>> 0;
      case DmaReg.DEST_AD:
        return ch.dst >>> 0;
      case DmaReg.TXFR_LEN:
        return ch.len >>> 0;
      case DmaReg.STRIDE:
        return ch.stride >>> 0;
      case DmaReg.NEXTCONBK:
        return ch.next >>> 0;
      case DmaReg.DEBUG:
        return ch.debug >>> 0;
    }
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (offset === DmaReg.ENABLE) {
      this.enable = value & DmaEnable.MASK;
      return;
    }
    if (this.refusedReadOnly(offset)) return; // TI … NEXTCONBK (loaded from the control block), INT_STATUS
    const c = offset >>> 8;
    const ch = this.ch[c];
    const reg = offset & 0xff;
    if (!ch || (reg !== DmaReg.CS && reg !== DmaReg.CONBLK_AD && reg !== DmaReg.DEBUG)) {
      this.unmodelled(offset, true);
      return;
    }
    this.pwm.sync(this.ctx.clock.now);
    if (reg === DmaReg.CONBLK_AD) {
      if (ch.active) this.violation(`DMA${c}_CONBLK_AD written while the channel is active`);
      ch.cb = value >>> 0;
      ch.lastCbRead = -1;
      return;
    }
    if (reg === DmaReg.DEBUG) {
      ch.debug &= ~(value & DEBUG_W1C);
      return;
    }
    // CS
    if (value & CS.RESET) {
      this.ch[c] = new Channel();
      this.updateRunning();
      return;
    }
    if (value & CS.ABORT && ch.active) {
      ch.len = 0;
      this.nextCb(c, ch);
    }
    ch.cs &= ~(value & CS_W1C);
    ch.cs = (ch.cs & ~CS_STORED) | (value & CS_STORED);
    if (value & CS.ACTIVE && !ch.active) {
      if (!(this.enable & (1 << c))) {
        this.violation(`DMA${c} activated while its bit in DMA_ENABLE is clear: it does not run`);
        return;
      }
      if (ch.cb === 0) {
        this.violation(`DMA${c} activated with CONBLK_AD = 0: nothing to do`);
        return;
      }
      this.loadCb(c, ch);
      ch.cs |= CS.ACTIVE;
      this.updateRunning();
      ch.lastCbRead = -1;
      this.service();
    } else if (!(value & CS.ACTIVE) && ch.active) {
      ch.cs |= CS.PAUSED;
      ch.cs &= ~CS.ACTIVE;
      this.updateRunning();
    }
  }
}
