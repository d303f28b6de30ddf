/**
 * Reference for the bit-exactness test (tests/sim-exact.test.ts): the PWM
 * model as it was before it became lazy (commit 8517e1d, host/sim/pwm.ts),
 * kept verbatim apart from imports and names. It is the straightforward
 * form of the same rules: every period of every channel is run one at a
 * time, in time order, as the hardware does; each output value is pushed
 * as it is produced. host/sim/pwm.ts must give identical outputs.
 */
import type { Board } from "../../host/boards.js";
import type { ClockListener, ClockManager, ClockState } from "../../host/sim/clock.js";
import { Device, type DeviceContext, SimFault, flagNames } from "../../host/sim/device.js";
import { Jack } from "../../host/sim/jack.js";
import { PS_PER_S } from "../../host/sim/time.js";

export const FIFO_WORDS = 16;
export const FIF1_READ_VALUE = 0x70776d30;

export const CTL = {
  PWEN1: 1 << 0, MODE1: 1 << 1, RPTL1: 1 << 2, SBIT1: 1 << 3, POLA1: 1 << 4, USEF1: 1 << 5, CLRF1: 1 << 6, MSEN1: 1 << 7,
  PWEN2: 1 << 8, MODE2: 1 << 9, RPTL2: 1 << 10, SBIT2: 1 << 11, POLA2: 1 << 12, USEF2: 1 << 13, MSEN2: 1 << 15,
} as const;
export const STA = {
  FULL1: 1 << 0, EMPT1: 1 << 1, WERR1: 1 << 2, RERR1: 1 << 3, GAPO1: 1 << 4, GAPO2: 1 << 5, GAPO3: 1 << 6, GAPO4: 1 << 7,
  BERR: 1 << 8, STA1: 1 << 9, STA2: 1 << 10, STA3: 1 << 11, STA4: 1 << 12,
} as const;
const STA_STICKY = 0x1fc;

const CTL_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CTL).map(([k, v]) => [Math.log2(v), k]));
const STA_NAMES: Record<number, string> = Object.fromEntries(Object.entries(STA).map(([k, v]) => [Math.log2(v), k]));

export function decodeCtl(v: number): string {
  return flagNames(v, CTL_NAMES).join(" ") || "all off";
}
export function decodeSta(v: number): string {
  return flagNames(v, STA_NAMES).join(" ");
}
function decodeDmac(v: number): string {
  return `${v & 0x80000000 ? "ENAB " : ""}PANIC=${(v >>> 8) & 0xff} DREQ=${v & 0xff}`;
}
const decimal = (v: number) => String(v >>> 0);

/** High/low pattern of one period of `n` high clocks out of `m` (true = high). */
export function pulseTrain(markSpace: boolean, n: number, m: number): boolean[] {
  const out: boolean[] = [];
  if (markSpace) {
    for (let i = 0; i < m; i++) out.push(i < n);
  } else {
    // The BCM2711 datasheet's balanced (PWM) algorithm, section 8.3 (docs/hardware.md#pwm).
    let context = 0;
    for (let i = 0; i < m; i++) {
      context += n;
      if (context >= m) {
        context -= m;
        out.push(true);
      } else out.push(false);
    }
  }
  return out;
}

export class EagerPwm extends Device implements ClockListener {
  private ctl = 0;
  private sticky = 0;
  private dmac = 0x0707; // reset: PANIC 7, DREQ 7
  private readonly rng = [0x20, 0x20];
  private readonly dat = [0, 0];
  private readonly fifo = new Uint32Array(FIFO_WORDS);
  private head = 0;
  private count = 0;
  /** Start time of each channel's next period (Infinity when idle). */
  private readonly next = [Infinity, Infinity];
  /** Period length in ps per channel, for the current clock and range. */
  private readonly period = [0, 0];
  private readonly last = [0, 0];
  private nextEvent = Infinity;
  private clk: ClockState = { running: false, since: 0, until: 0, hz: 0 };
  private lastCtlWrite = -Infinity;
  readonly jack = new Jack();
  /** Log of CTL writes, for tests (value and time). */
  readonly ctlWrites: { value: number; timePs: number }[] = [];
  /** Words accepted into the FIFO. */
  wordsWritten = 0;
  private dreqHook: (() => void) | undefined;
  private inDreq = false;

  constructor(
    board: Board,
    ctx: DeviceContext,
    private readonly cm: ClockManager,
  ) {
    const pre = "PWM_";
    super(
      board.pwmName,
      board.peripheralBase + board.pwmOffset,
      0x28,
      [
        { offset: 0x00, name: pre + "CTL", decode: decodeCtl },
        { offset: 0x04, name: pre + "STA", decode: decodeSta },
        { offset: 0x08, name: pre + "DMAC", decode: decodeDmac },
        { offset: 0x10, name: pre + "RNG1", decode: decimal },
        { offset: 0x14, name: pre + "DAT1", decode: decimal },
        { offset: 0x18, name: pre + "FIF1", decode: decimal },
        { offset: 0x20, name: pre + "RNG2", decode: decimal },
        { offset: 0x24, name: pre + "DAT2", decode: decimal },
      ],
      ctx,
    );
    cm.listen(this);
  }

  /** Words in the FIFO now. */
  get fifoLevel(): number {
    this.sync(this.ctx.clock.now);
    return this.count;
  }

  /** Called whenever DREQ may have risen (the DMA model services it). */
  onDreq(hook: () => void): void {
    this.dreqHook = hook;
  }

  /** DREQ: DMA enabled and the FIFO holds DMAC.DREQ words or fewer. */
  dreq(): boolean {
    return (this.dmac & 0x80000000) !== 0 && this.count <= (this.dmac & 0xff) && this.count < FIFO_WORDS;
  }

  /** Start time of the next period of any channel (Infinity when idle). */
  nextEventTime(): number {
    return this.nextEvent;
  }

  /** A word from the DMA engine (no sync: called from inside the period loop). */
  pushFromDma(value: number): void {
    this.enqueue(value >>> 0);
  }

  /** Into the FIFO, or WERR1 (word dropped) when it is full. */
  private enqueue(value: number): void {
    if (this.count === FIFO_WORDS) {
      this.sticky |= STA.WERR1;
      return;
    }
    this.fifo[(this.head + this.count) & (FIFO_WORDS - 1)] = value;
    this.count++;
    this.wordsWritten++;
  }

  private raiseDreq(): void {
    if (this.dreqHook && !this.inDreq && this.dreq()) {
      this.inDreq = true;
      try {
        this.dreqHook();
      } finally {
        this.inDreq = false;
      }
    }
  }

  beforeClockChange(now: number): void {
    this.sync(now);
  }

  afterClockChange(now: number): void {
    this.clk = this.cm.pwmClock();
    this.reschedule(now);
  }

  private channelOn(ch: number): boolean {
    return (this.ctl & (ch === 0 ? CTL.PWEN1 : CTL.PWEN2)) !== 0;
  }

  private reschedule(now: number): void {
    const c = this.clk;
    for (let ch = 0; ch < 2; ch++) {
      const rng = this.rng[ch]!;
      if (this.channelOn(ch) && c.hz > 0 && rng > 0 && (c.running || c.until > now)) {
        this.period[ch] = (rng * PS_PER_S) / c.hz;
        if (this.next[ch] === Infinity) this.next[ch] = Math.max(now, c.since);
      } else {
        this.next[ch] = Infinity;
      }
    }
    this.nextEvent = Math.min(this.next[0]!, this.next[1]!);
    if (c.hz > 0) {
      this.jack.clockHz = c.hz;
      this.jack.range = this.rng[0] || this.rng[1]!;
    }
  }

  /** Run every period start up to and including `now`. */
  sync(now: number): void {
    if (now < this.nextEvent) return;
    const until = this.clk.running ? Infinity : this.clk.until;
    while (this.nextEvent <= now) {
      const t = this.nextEvent;
      if (t >= until) {
        this.next[0] = this.next[1] = this.nextEvent = Infinity;
        break;
      }
      const ch = this.next[0]! <= this.next[1]! ? 0 : 1; // ties: channel 1 first
      this.period_(ch);
      this.next[ch] = t + this.period[ch]!;
      this.nextEvent = Math.min(this.next[0]!, this.next[1]!);
    }
  }

  /** One period of channel `ch` starts: take its word (or gap) and record the duty. */
  private period_(ch: 0 | 1): void {
    const ctl = this.ctl >>> (ch * 8);
    const rng = this.rng[ch]!;
    const out = ch === 0 ? this.jack.right : this.jack.left;
    let duty: number;
    if (ctl & CTL.USEF1) {
      if (this.count > 0) {
        duty = this.fifo[this.head]!;
        this.head = (this.head + 1) & (FIFO_WORDS - 1);
        this.count--;
        this.last[ch] = duty;
        if ((this.dmac & 0x80000000) !== 0) this.raiseDreq();
      } else if (ctl & CTL.RPTL1) {
        duty = this.last[ch]!;
      } else {
        this.sticky |= ch === 0 ? STA.GAPO1 : STA.GAPO2;
        this.jack.gap(ch);
        duty = ctl & CTL.SBIT1 ? rng : 0;
      }
    } else {
      duty = this.dat[ch]!;
    }
    if (duty > rng) duty = rng;
    if (ctl & CTL.POLA1) duty = rng - duty;
    out.push(duty > 0xffff ? 0xffff : duty);
  }

  private status(): number {
    let v = this.sticky;
    if (this.count === FIFO_WORDS) v |= STA.FULL1;
    if (this.count === 0) v |= STA.EMPT1;
    if (this.next[0] !== Infinity) v |= STA.STA1;
    if (this.next[1] !== Infinity) v |= STA.STA2;
    return v;
  }

  read(offset: number): number {
    const now = this.ctx.clock.now;
    this.sync(now);
    switch (offset) {
      case 0x00:
        return this.ctl;
      case 0x04: {
        if (this.count === FIFO_WORDS && this.nextEvent !== Infinity) {
          // Busy-wait acceleration: a CPU polling FULL1 spins until the next
          // word is taken. Collapse the spin into this one read: time jumps
          // to that moment and the read returns what the last spin would.
          this.ctx.clock.advanceTo(this.nextEvent);
          this.sync(this.nextEvent);
        }
        return this.status();
      }
      case 0x08:
        return this.dmac;
      case 0x10:
        return this.rng[0]!;
      case 0x14:
        return this.dat[0]!;
      case 0x18:
        return FIF1_READ_VALUE;
      case 0x20:
        return this.rng[1]!;
      case 0x24:
        return this.dat[1]!;
    }
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    const now = this.ctx.clock.now;
    this.sync(now);
    switch (offset) {
      case 0x00: {
        const hz = this.clk.hz;
        if (hz > 0 && now - this.lastCtlWrite < (2 * PS_PER_S) / hz) this.sticky |= STA.BERR;
        this.lastCtlWrite = now;
        this.ctlWrites.push({ value, timePs: now });
        if (value & CTL.CLRF1) {
          this.count = 0;
          this.head = 0;
        }
        if (value & (CTL.MODE1 | CTL.MODE2) && value & (CTL.PWEN1 | CTL.PWEN2)) {
          throw new SimFault(`${this.name}: serialiser mode (CTL.MODE1/MODE2) is not modelled; piwave uses PWM mode`, this.base);
        }
        const was = this.ctl;
        this.ctl = value & ~CTL.CLRF1 & 0xbfbf;
        // A channel switched off forgets its phase; switched on, it starts a period now.
        for (let ch = 0; ch < 2; ch++) {
          const bit = ch === 0 ? CTL.PWEN1 : CTL.PWEN2;
          if ((was & bit) && !(this.ctl & bit)) this.next[ch] = Infinity;
        }
        this.reschedule(now);
        return;
      }
      case 0x04:
        this.sticky &= ~(value & STA_STICKY);
        return;
      case 0x08:
        this.dmac = value >>> 0;
        this.raiseDreq();
        return;
      case 0x10:
      case 0x20:
        this.rng[offset === 0x10 ? 0 : 1] = value >>> 0;
        if (value === 0) this.violation(`RNG${offset === 0x10 ? 1 : 2} set to 0: the channel cannot output`);
        this.reschedule(now);
        return;
      case 0x14:
      case 0x24:
        this.dat[offset === 0x14 ? 0 : 1] = value >>> 0;
        return;
      case 0x18:
        this.enqueue(value >>> 0);
        return;
    }
    this.unmodelled(offset, true);
  }
}
