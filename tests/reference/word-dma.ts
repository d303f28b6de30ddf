/**
 * Reference for the bit-exactness test (tests/sim-exact.test.ts): the DMA
 * model as it was before its bulk path (commit 5626d05, host/sim/dma.ts),
 * kept verbatim apart from imports, names and how it gets linear memory
 * (`linearMemory`, as the machine now hands it over). It moves every word one at a
 * time, each when the PWM's DREQ asks for it, scanning the channels in
 * order, and waits for CONBLK_AD to move one PWM period at a time.
 * host/sim/dma.ts must give identical outputs.
 */
import type { Board } from "../../host/boards.js";
import { Block, PeripheralBase } from "../../regs/blocks.js";
import { DmaCb, DmaReg } from "../../regs/dma.js";
import { LinearMemory } from "../../regs/memory.js";
import { PwmReg } from "../../regs/pwm.js";
import { Device, type DeviceContext, SimFault, flagNames, hex32 } from "../../host/sim/device.js";
import type { Pactl } from "../../host/sim/pactl.js";
import type { Pwm } from "../../host/sim/pwm.js";

/** Longest virtual time one CONBLK_AD read may skip while the firmware waits (a wait that never ends still times out). */
const MAX_SKIP_PS = 5e9;

const CS = { ACTIVE: 1 << 0, END: 1 << 1, INT: 1 << 2, DREQ: 1 << 3, PAUSED: 1 << 4, ERROR: 1 << 8, WAIT_FOR_OUTSTANDING_WRITES: 1 << 28, DISDEBUG: 1 << 29, ABORT: 1 << 30, RESET: 1 << 31 } as const;
const TI = { INTEN: 1 << 0, TDMODE: 1 << 1, WAIT_RESP: 1 << 3, DEST_INC: 1 << 4, DEST_WIDTH: 1 << 5, DEST_DREQ: 1 << 6, DEST_IGNORE: 1 << 7, SRC_INC: 1 << 8, SRC_WIDTH: 1 << 9, SRC_DREQ: 1 << 10, SRC_IGNORE: 1 << 11, NO_WIDE_BURSTS: 1 << 26 } as const;
const CS_NAMES = Object.fromEntries(Object.entries(CS).map(([k, v]) => [Math.log2(v >>> 0), k]));
const TI_NAMES = Object.fromEntries(Object.entries(TI).map(([k, v]) => [Math.log2(v), k]));

function decodeCs(v: number): string {
  const parts = flagNames(v, CS_NAMES);
  parts.push(`PRIORITY=${(v >>> 16) & 15}`, `PANIC_PRIORITY=${(v >>> 20) & 15}`);
  return parts.join(" ");
}
function decodeTi(v: number): string {
  return [...flagNames(v, TI_NAMES), `PERMAP=${(v >>> 16) & 31}`].join(" ");
}

class Channel {
  cs = 0;
  cb = 0;
  ti = 0;
  src = 0;
  dst = 0;
  len = 0;
  stride = 0;
  next = 0;
  debug = 0;
  lastCbRead = -1;
  words = 0;
  get active(): boolean {
    return (this.cs & CS.ACTIVE) !== 0;
  }
}

export class WordDma extends Device {
  private readonly ch: Channel[] = Array.from({ length: 15 }, () => new Channel());
  private enable = 0x7fff;
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
    const regs = [];
    for (let c = 0; c < 15; c++) {
      const b = c * DmaReg.CHANNEL_STRIDE;
      const n = `DMA${c}_`;
      regs.push(
        { offset: b + DmaReg.CS, name: n + "CS", decode: decodeCs },
        { offset: b + DmaReg.CONBLK_AD, name: n + "CONBLK_AD" },
        { offset: b + DmaReg.TI, name: n + "TI", decode: decodeTi },
        { offset: b + DmaReg.SOURCE_AD, name: n + "SOURCE_AD" },
        { offset: b + DmaReg.DEST_AD, name: n + "DEST_AD" },
        { offset: b + DmaReg.TXFR_LEN, name: n + "TXFR_LEN", decode: (v: number) => String(v) },
        { offset: b + DmaReg.STRIDE, name: n + "STRIDE" },
        { offset: b + DmaReg.NEXTCONBK, name: n + "NEXTCONBK" },
        { offset: b + DmaReg.DEBUG, name: n + "DEBUG" },
      );
    }
    regs.push({ offset: DmaReg.INT_STATUS, name: "DMA_INT_STATUS" }, { offset: DmaReg.ENABLE, name: "DMA_ENABLE" });
    super("DMA", board.peripheralBase + Block.DMA, 0x1000, regs, ctx);
    this.fifoBus = PeripheralBase.BUS + board.pwmOffset + PwmReg.FIF1;
    pwm.onDreq(() => this.service());
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
    const fail = (why: string): never => {
      throw new SimFault(`DMA channel ${c}: ${what} ${hex32(bus)} ${why}`, bus);
    };
    if (bus >>> 30 !== 3) fail("is not a RAM bus address (the legacy DMA engines see RAM at 0xC0000000 | phys, docs/hardware.md#addresses)");
    const phys = bus & 0x3fffffff;
    const off = phys - LinearMemory.SIM_PHYS;
    const size = this.memory().length;
    if (off < 0 || off + len > size) fail(`(phys ${hex32(phys)}) is outside the firmware's memory`);
    return off;
  }

  /** A control block's 8 words: from the runtime's memory, or (model tests) linear memory. */
  private cbView(c: number, addr: number): DataView {
    const phys = addr & 0x3fffffff;
    const rt = phys - LinearMemory.SIM_RUNTIME_PHYS;
    if (addr >>> 30 === 3 && rt >= 0 && rt + 32 <= this.runtimeMemory.length) return new DataView(this.runtimeMemory.buffer, this.runtimeMemory.byteOffset + rt, 32);
    return new DataView(this.memory().buffer, this.offsetOf("control block", c, addr, 32), 32);
  }

  private loadCb(c: number, ch: Channel): void {
    const addr = ch.cb;
    if (addr & 31) throw new SimFault(`DMA channel ${c}: control block at ${hex32(addr)} is not 32-byte aligned`, addr);
    const dv = this.cbView(c, addr);
    ch.ti = dv.getUint32(DmaCb.TI, true);
    ch.src = dv.getUint32(DmaCb.SOURCE_AD, true);
    ch.dst = dv.getUint32(DmaCb.DEST_AD, true);
    ch.len = dv.getUint32(DmaCb.TXFR_LEN, true);
    ch.stride = dv.getUint32(DmaCb.STRIDE, true);
    ch.next = dv.getUint32(DmaCb.NEXTCONBK, true);
    const where = `control block at ${hex32(addr)}`;
    if (ch.ti & TI.TDMODE) throw new SimFault(`DMA channel ${c}: ${where} uses 2D mode, which is not modelled`, addr);
    if (!(ch.ti & TI.DEST_DREQ) || ((ch.ti >>> 16) & 31) !== this.pwmDreq || ch.dst !== this.fifoBus) {
      throw new SimFault(
        `DMA channel ${c}: ${where}: destination ${hex32(ch.dst)} (TI ${decodeTi(ch.ti)}) is not the PWM FIFO; ` +
          `only memory → PWM FIF1 (${hex32(this.fifoBus)}, DEST_DREQ, PERMAP=${this.pwmDreq}) transfers are modelled`,
        addr,
      );
    }
    if (ch.len === 0 || ch.len & 3) throw new SimFault(`DMA channel ${c}: ${where}: TXFR_LEN ${ch.len} is not a whole number of words`, addr);
    this.offsetOf(`${where}: source`, c, ch.src, ch.len);
    if (ch.next !== 0 && ch.next & 31) throw new SimFault(`DMA channel ${c}: ${where}: NEXTCONBK ${hex32(ch.next)} is not 32-byte aligned`, addr);
  }

  /** The PWM asked for data: move words while DREQ stays up. */
  service(): void {
    for (let c = 0; c < 15; c++) {
      const ch = this.ch[c]!;
      if (!ch.active || !(this.enable & (1 << c))) continue;
      const mem = this.memory();
      while (ch.active && this.dreq()) {
        const off = this.offsetOf("source", c, ch.src, 4);
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
    if (!ch || reg > 0x20) return this.unmodelled(offset, false);
    this.pwm.sync(this.ctx.clock.now);
    switch (reg) {
      case 0x00:
        return (ch.cs | (this.dreq() ? CS.DREQ : 0)) >>> 0;
      case 0x04: {
        if (ch.active && ch.cb === ch.lastCbRead) {
          // The firmware polls for the engine to move on: jump there.
          const start = ch.cb;
          const until = this.ctx.clock.now + MAX_SKIP_PS;
          while (ch.active && ch.cb === start && this.pwm.nextEventTime() <= until) {
            this.ctx.clock.advanceTo(this.pwm.nextEventTime());
            this.pwm.sync(this.ctx.clock.now);
          }
        }
        ch.lastCbRead = ch.cb;
        return ch.cb >>> 0;
      }
      case 0x08:
        return ch.ti >>> 0;
      case 0x0c:
        return ch.src >>> 0;
      case 0x10:
        return ch.dst >>> 0;
      case 0x14:
        return ch.len >>> 0;
      case 0x18:
        return ch.stride >>> 0;
      case 0x1c:
        return ch.next >>> 0;
      case 0x20:
        return ch.debug >>> 0;
    }
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (offset === DmaReg.ENABLE) {
      this.enable = value & 0x7fff;
      return;
    }
    const c = offset >>> 8;
    const ch = this.ch[c];
    const reg = offset & 0xff;
    if (!ch || (reg !== 0x00 && reg !== 0x04 && reg !== 0x20)) {
      if (ch && reg <= 0x1c) this.violation(`DMA${c} register +0x${reg.toString(16)} is loaded from the control block; the write is ignored`);
      else this.unmodelled(offset, true);
      return;
    }
    this.pwm.sync(this.ctx.clock.now);
    if (reg === 0x04) {
      if (ch.active) this.violation(`DMA${c}_CONBLK_AD written while the channel is active`);
      ch.cb = value >>> 0;
      ch.lastCbRead = -1;
      return;
    }
    if (reg === 0x20) {
      ch.debug &= ~(value & 0x7);
      return;
    }
    // CS
    if (value & CS.RESET) {
      this.ch[c] = new Channel();
      return;
    }
    if (value & CS.ABORT && ch.active) {
      ch.len = 0;
      this.nextCb(c, ch);
    }
    ch.cs &= ~(value & (CS.END | CS.INT)); // write 1 to clear
    const keep = 0x00ff0000 | CS.WAIT_FOR_OUTSTANDING_WRITES | CS.DISDEBUG;
    ch.cs = (ch.cs & ~keep) | (value & keep);
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
      ch.lastCbRead = -1;
      this.service();
    } else if (!(value & CS.ACTIVE) && ch.active) {
      ch.cs |= CS.PAUSED;
      ch.cs &= ~CS.ACTIVE;
    }
  }
}
