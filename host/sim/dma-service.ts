/**
 * The runtime's DMA service (firmware/abi.ts `dma_start`, `dma_position`,
 * `dma_stop`) as the simulator implements it: the same checks, refusals and
 * register sequence as boot/abi.c, so the two give the same verdict and the
 * trace shows the runtime's DMA accesses.
 *
 * The control blocks are built in the simulated runtime's own memory
 * (LinearMemory.SIM_RUNTIME_PHYS, 32-byte aligned by construction: channel
 * c's chain starts at c × 256), never in the firmware's linear memory.
 */
import type { Board } from "../boards.js";
import { DMA_DESTINATIONS, DMA_MAX_BLOCKS, DMA_SERVICE_CHANNELS, SANDBOX_BOARD_NAME, type SandboxBoard } from "../../regs/allow-list.js";
import { Block, PeripheralBase } from "../../regs/blocks.js";
import { DmaBus, DmaCb, DmaChannels, DmaCs, DmaDebug, DmaReg, DmaService as Service, DmaTi } from "../../regs/dma.js";
import { LinearMemory } from "../../regs/memory.js";
import type { Bus } from "./bus.js";
import { SandboxRefusal, SimFault } from "./device.js";
import { PS_PER_US } from "./time.js";
import type { Dma } from "./dma.js";

const DMA_RING: number = Service.RING;
const DMA_IDLE: number = Service.IDLE;
const DMA_FAILED: number = Service.FAILED;
/** Bytes of runtime memory per channel: DMA_MAX_BLOCKS control blocks. */
const CHAIN_BYTES = DMA_MAX_BLOCKS * DmaCb.BYTES;
/** Reads of CS before a RESET that does not clear counts as a dead engine. */
const RESET_POLLS = 1000;

/** `0x` + 8 lowercase hex digits, as the runtime's uart_hex prints. */
export function hex8(v: number): string {
  return "0x" + (v >>> 0).toString(16).padStart(8, "0");
}

export class DmaService {
  /** The runtime's memory holding the control blocks of every channel. */
  readonly memory = new Uint8Array(DmaChannels.COUNT * CHAIN_BYTES);
  private readonly base: number;
  private readonly chains = new Map<number, { first: number; count: number }>();

  constructor(
    private readonly board: Board,
    private readonly bus: Bus,
    dma: Dma,
    private readonly linear: () => Uint8Array,
  ) {
    this.base = board.peripheralBase + Block.DMA;
    dma.runtimeMemory = this.memory;
  }

  private reg(channel: number, reg: DmaReg): number {
    return this.base + channel * DmaReg.CHANNEL_STRIDE + reg;
  }

  private refuse(call: string, channel: number, why: string): never {
    throw new SandboxRefusal(`F dma: refused ${call} on channel ${channel}: ${why}`);
  }

  private checkChannel(call: string, channel: number): void {
    if (channel >= DmaChannels.COUNT || !((DMA_SERVICE_CHANNELS >>> channel) & 1)) {
      this.refuse(call, channel, "not a channel the runtime lends (0, 2, 4, 5, 6: full channels in the VideoCore's free mask 0x07f5)");
    }
  }

  start(channel: number, dest: number, blocks: number, count: number, flags: number): void {
    const call = "dma_start";
    this.checkChannel(call, channel);
    if (this.bus.read(this.reg(channel, DmaReg.CS)) & DmaCs.ACTIVE) this.refuse(call, channel, "the channel is running (dma_stop it first)");
    const target = DMA_DESTINATIONS[this.board.name as SandboxBoard].find((d) => (this.board.peripheralBase + d.offset) >>> 0 === dest);
    if (!target) this.refuse(call, channel, `destination ${hex8(dest)} is not a DMA destination of ${SANDBOX_BOARD_NAME[this.board.name as SandboxBoard]}`);
    if (flags & ~DMA_RING) this.refuse(call, channel, `unknown flags ${hex8(flags)}`);
    if (count === 0 || count > DMA_MAX_BLOCKS) this.refuse(call, channel, `${count} blocks (1 to ${DMA_MAX_BLOCKS})`);
    const mem = this.linear();
    const size = mem.length;
    if (blocks + count * 8 > size) this.refuse(call, channel, `block list ${hex8(blocks)}+${count * 8} is outside linear memory (${size} bytes)`);
    const list = new DataView(mem.buffer, mem.byteOffset + blocks, count * 8);
    const src: { off: number; len: number }[] = [];
    for (let i = 0; i < count; i++) {
      const off = list.getUint32(i * 8, true);
      const len = list.getUint32(i * 8 + 4, true);
      if (off + len > size) this.refuse(call, channel, `block ${i} (${hex8(off)}+${len}) is outside linear memory (${size} bytes)`);
      if (off & 3 || len === 0 || len & 3) this.refuse(call, channel, `block ${i} (${hex8(off)}+${len}) is not whole, aligned words`);
      src.push({ off, len });
    }
    // Control blocks, in runtime memory.
    const first = channel * CHAIN_BYTES;
    const cbBus = (i: number) => (DmaBus.RAM_ALIAS | (LinearMemory.SIM_RUNTIME_PHYS + first + i * DmaCb.BYTES)) >>> 0;
    const dv = new DataView(this.memory.buffer, first, CHAIN_BYTES);
    const ti = (target.dreq << DmaTi.PERMAP_SHIFT) | DmaTi.DEST_DREQ | DmaTi.SRC_INC | DmaTi.WAIT_RESP | DmaTi.NO_WIDE_BURSTS;
    const destBus = (PeripheralBase.BUS + target.offset) >>> 0;
    src.forEach((b, i) => {
      const at = i * DmaCb.BYTES;
      const next = i + 1 < count ? cbBus(i + 1) : flags & DMA_RING ? cbBus(0) : 0;
      dv.setUint32(at + DmaCb.TI, ti >>> 0, true);
      dv.setUint32(at + DmaCb.SOURCE_AD, (DmaBus.RAM_ALIAS | (LinearMemory.SIM_PHYS + b.off)) >>> 0, true);
      dv.setUint32(at + DmaCb.DEST_AD, destBus, true);
      dv.setUint32(at + DmaCb.TXFR_LEN, b.len, true);
      dv.setUint32(at + DmaCb.STRIDE, 0, true);
      dv.setUint32(at + DmaCb.NEXTCONBK, next, true);
      dv.setUint32(at + 24, 0, true);
      dv.setUint32(at + 28, 0, true);
    });
    this.chains.set(channel, { first: cbBus(0), count });
    // Start the channel as Circle does (lib/dmachannel.cpp: enable, 1 ms when newly enabled, RESET and
    // wait for it to clear), clear DEBUG's error flags (write 1 to clear), load, go.
    const enable = this.base + DmaReg.ENABLE;
    const enabled = this.bus.read(enable);
    this.bus.write(enable, enabled | (1 << channel));
    if (!(enabled & (1 << channel))) this.bus.clock.stall(1000 * PS_PER_US); // a channel just enabled: Circle waits 1 ms
    this.reset(channel);
    this.bus.write(this.reg(channel, DmaReg.DEBUG), DmaDebug.ERRORS);
    this.bus.write(this.reg(channel, DmaReg.CONBLK_AD), cbBus(0));
    this.bus.write(this.reg(channel, DmaReg.CS), (DmaCs.WAIT_FOR_OUTSTANDING_WRITES | (8 << DmaCs.PANIC_PRIORITY_SHIFT) | (8 << DmaCs.PRIORITY_SHIFT) | DmaCs.ACTIVE) >>> 0);
  }

  private reset(channel: number): void {
    const cs = this.reg(channel, DmaReg.CS);
    this.bus.write(cs, DmaCs.RESET >>> 0);
    for (let i = 0; i < RESET_POLLS; i++) if (!(this.bus.read(cs) & DmaCs.RESET)) return;
    throw new SimFault(`DMA channel ${channel} stays in RESET`);
  }

  position(channel: number): number {
    this.checkChannel("dma_position", channel);
    const chain = this.chains.get(channel);
    const cs = this.bus.read(this.reg(channel, DmaReg.CS));
    if (cs & DmaCs.ERROR) return DMA_FAILED;
    const cb = this.bus.read(this.reg(channel, DmaReg.CONBLK_AD));
    if (!chain || !(cs & DmaCs.ACTIVE) || cb === 0) return DMA_IDLE;
    const i = (cb - chain.first) / DmaCb.BYTES;
    return Number.isInteger(i) && i >= 0 && i < chain.count ? i : DMA_FAILED;
  }

  /**
   * The firmware stopped for good (halt, trap, refusal): abort, reset and
   * disable every channel still running a chain it started, as the
   * runtime's runtime_halt does, so no ring keeps feeding the PWM.
   */
  stopAll(): void {
    for (const channel of [...this.chains.keys()]) {
      this.chains.delete(channel);
      const cs = this.reg(channel, DmaReg.CS);
      this.bus.write(cs, DmaCs.ABORT >>> 0);
      this.bus.write(cs, DmaCs.RESET >>> 0);
      for (let i = 0; i < RESET_POLLS && this.bus.read(cs) & DmaCs.RESET; i++);
      const enable = this.base + DmaReg.ENABLE;
      this.bus.write(enable, this.bus.read(enable) & ~(1 << channel));
    }
  }

  stop(channel: number): void {
    this.checkChannel("dma_stop", channel);
    const cs = this.reg(channel, DmaReg.CS);
    this.bus.write(cs, DmaCs.ABORT >>> 0);
    this.reset(channel);
    const enable = this.base + DmaReg.ENABLE;
    this.bus.write(enable, this.bus.read(enable) & ~(1 << channel));
    this.chains.delete(channel);
  }
}
