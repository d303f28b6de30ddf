/**
 * PWM controller model (answers firmware/drivers/pwm.ts; docs/hardware.md#pwm).
 *
 * - One 16-word FIFO shared by both channels. With USEF set, each channel
 *   takes one word at the start of each of its periods (RNG PWM-clock
 *   cycles); with equal ranges the channels alternate ch1, ch2, ch1, ...
 * - A channel that finds the FIFO empty outputs its idle level (SBIT) for
 *   that period and sets GAPOn — unless RPTL repeats the last word.
 * - STA: FULL1/EMPT1 live; WERR1 (write while full, word dropped), RERR1,
 *   GAPO1..4 and BERR are sticky and write-1-to-clear; STA1/2 = channel
 *   transmitting.
 * - CTL.CLRF1 empties the FIFO and reads back 0 (it is a one-shot).
 * - FIF1 is write-only; a CPU read returns 0x70776d30 ("pwm0"), as measured.
 * - BERR: raised when two CTL writes come less than two PWM-clock cycles
 *   apart (the write has to cross into the PWM clock domain). That timing
 *   is this model's assumption; the reference only says back-to-back CTL
 *   writes raise it.
 * - M/S and balanced (MSEN = 0) modes both average to word/RNG; the jack
 *   records that duty. `pulseTrain` gives the exact bit pattern of a period.
 * - Nothing happens while the PWM clock is stopped.
 * - DMAC is stored; DREQ pacing belongs to the DMA model.
 *
 * Names, offsets, reset values, STA's write-1-to-clear mask, FIF1's read
 * value and the trace's field names come from the block's table
 * (regs/tables/pwm.ts). The model has no address of its own: the machine
 * places it at the board's base + its PWM block's offset (PWM1 on a Pi 4,
 * PWM0 on a Pi 3) and names it after that block.
 *
 * How it runs (speed, not behaviour): the model is lazy. Nothing happens
 * between register accesses; an access first runs every period that has
 * started since the last one. In the usual set-up (both channels on one
 * period, in phase) the boundaries are counted and the FIFO words moved in
 * one pass, periods that find the FIFO empty are filled in bulk, and the
 * outputs go straight into the jack's preallocated arrays. With DMA
 * feeding the FIFO in that set-up, while the FIFO is steady (each word
 * taken is replaced at once by the next word of the DMA's control block),
 * the words move from the control block's source through the FIFO to the
 * jack in typed-array loops (`advanceLockstepDma`); each control block's
 * last word, and every other state, period by period. Otherwise the
 * periods run one at a time in time order. Either way the result is what
 * running every period one by one gives, to the last bit: the reference
 * models in tests/reference/ (eager-pwm.ts, word-dma.ts) and
 * tests/sim-exact.test.ts check it.
 */
import { PwmCtl, PwmFifo, PwmReg, PwmSta } from "../../regs/pwm.js";
import { fieldMask, register, w1cMask } from "../../regs/tables/describe.js";
import { PWM_BLOCK } from "../../regs/tables/pwm.js";
import type { Board } from "../boards.js";
import type { ClockListener, ClockManager, ClockState } from "./clock.js";
import { Device, type DeviceContext, SimFault, fieldsDecoder } from "./device.js";
import { Jack } from "./jack.js";
import { PS_PER_S, type SimClock } from "./time.js";

export const FIFO_WORDS: number = PwmFifo.WORDS;
/** What a CPU read of the write-only FIF1 returns (the table's `readsAs`). */
export const FIF1_READ_VALUE: number = register(PWM_BLOCK, "PWM_FIF1").readsAs! >>> 0;

// Fields from regs/pwm.ts (the one description the firmware's driver reads too).
export const CTL = {
  PWEN1: PwmCtl.PWEN1, MODE1: PwmCtl.MODE1, RPTL1: PwmCtl.RPTL1, SBIT1: PwmCtl.SBIT1, POLA1: PwmCtl.POLA1, USEF1: PwmCtl.USEF1, CLRF1: PwmCtl.CLRF1, MSEN1: PwmCtl.MSEN1,
  PWEN2: PwmCtl.PWEN2, MODE2: PwmCtl.MODE2, RPTL2: PwmCtl.RPTL2, SBIT2: PwmCtl.SBIT2, POLA2: PwmCtl.POLA2, USEF2: PwmCtl.USEF2, MSEN2: PwmCtl.MSEN2,
} as const;
export const STA = {
  FULL1: PwmSta.FULL1, EMPT1: PwmSta.EMPT1, WERR1: PwmSta.WERR1, RERR1: PwmSta.RERR1, GAPO1: PwmSta.GAPO1, GAPO2: PwmSta.GAPO2, GAPO3: PwmSta.GAPO3, GAPO4: PwmSta.GAPO4,
  BERR: PwmSta.BERR, STA1: PwmSta.STA1, STA2: PwmSta.STA2, STA3: PwmSta.STA3, STA4: PwmSta.STA4,
} as const;
/** The CTL bits a write stores: every field of the table but the one-shot CLRF1 (0xBFBF). */
const CTL_STORED: number = (register(PWM_BLOCK, "PWM_CTL").fields ?? []).reduce((m, f) => (f.access === "oneshot" ? m : m | fieldMask(f)), 0);
/** STA's write-1-to-clear flags, from the table (WERR1, RERR1, GAPO1–4, BERR). */
const STA_STICKY: number = w1cMask(register(PWM_BLOCK, "PWM_STA"));

// The trace's decoders: the fields of the table's registers.
/** CTL's set flags by name ("all off" when none). */
export const decodeCtl: (v: number) => string = fieldsDecoder(register(PWM_BLOCK, "PWM_CTL"), "all off");
/** STA's set flags by name. */
export const decodeSta: (v: number) => string = fieldsDecoder(register(PWM_BLOCK, "PWM_STA"));
const decimal = (v: number) => String(v >>> 0);

/**
 * The DMA engine as the PWM's fast path sees it (host/sim/dma.ts): whether a
 * DREQ moves anything at all, and the words it will move one per DREQ with
 * nothing else deciding, `bulkSource[bulkIndex...]`.
 */
export interface DmaFeeder {
  /** DREQ may have risen: move words while it stays up (what `onDreq`'s hook does). */
  service(): void;
  idle(): boolean;
  bulkWords(): number;
  readonly bulkSource: Uint32Array;
  readonly bulkIndex: number;
  consumeBulk(n: number): void;
}

/** High/low pattern of one period of `n` high clocks out of `m` (true = high). */
export function pulseTrain(markSpace: boolean, n: number, m: number): boolean[] {
  const out: boolean[] = [];
  if (markSpace) {
    for (let i = 0; i < m; i++) out.push(i < n);
  } else {
    // The "balanced" (MSEN = 0) algorithm of the BCM2711 datasheet's PWM chapter (docs/hardware.md#pwm).
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

/**
 * Period boundaries: t, t + P, t + P + P, … as repeated addition gives them
 * (the stepwise walk's times, to the last bit). When t and P are whole
 * multiples of the spacing of doubles at the largest sum (`end`), every
 * partial sum is a double and each addition exact, so the i-th boundary is
 * t + i·P and these take no loop; otherwise they add one period at a time.
 * (Whole picoseconds below 2^53 always qualify; the fractional times an
 * ARM-clock-derived delay leaves qualify while the sums stay in t's binade.)
 */
function exactSteps(t: number, P: number, end: number): boolean {
  if (!(t >= 0 && P > 0 && end < Infinity)) return false;
  // Whole picoseconds with every sum below 2^53 (the usual case): no need to find the spacing.
  if (end < MAX_EXACT && Number.isInteger(t) && Number.isInteger(P)) return true;
  const spacing = spacingOfDoubles(end);
  // Dividing by a power of two is exact (and far cheaper than %).
  return Number.isInteger(t / spacing) && Number.isInteger(P / spacing);
}

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);
/** The index of a double's high word (sign, exponent) in `f64Words`: the machine's byte order. */
const HIGH = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * The spacing of doubles at `x` (x ≥ 0, finite): 2^(e − 52) for x in
 * [2^e, 2^(e+1)), read from x's exponent bits (a log2 and a power cost more
 * than the rest of a DMA-fed boundary walk); below 1, from the logarithm.
 */
export function spacingOfDoubles(x: number): number {
  if (!(x >= 1)) {
    let e = Math.floor(Math.log2(x));
    if (2 ** e > x) e--;
    else if (2 ** (e + 1) <= x) e++;
    return 2 ** (e - 52);
  }
  f64[0] = x;
  const biased = (f64Words[HIGH]! >>> 20) & 0x7ff;
  f64Words[HIGH] = (biased - 52) << 20;
  f64Words[1 - HIGH] = 0;
  return f64[0];
}

/** Every integer below this is a double: sums of whole picoseconds that stay below it are exact. */
const MAX_EXACT = 2 ** 53;

/** How many boundaries from `t` on, `P` apart, start at or before `now`. */
export function boundariesUpTo(t: number, P: number, now: number): number {
  if (!(t <= now)) return 0;
  if (exactSteps(t, P, now + 2 * P)) {
    let n = Math.floor((now - t) / P) + 1;
    while (n > 0 && t + (n - 1) * P > now) n--;
    while (t + n * P <= now) n++;
    return n;
  }
  let n = 0;
  for (let u = t; u <= now; u += P) n++;
  return n;
}

/** The boundary `n` periods after `t`. */
export function boundaryAfter(t: number, P: number, n: number): number {
  if (exactSteps(t, P, t + n * P)) return t + n * P;
  for (let i = 0; i < n; i++) t += P;
  return t;
}

/**
 * What a channel outputs for a period given its word: the word clamped to
 * the range (a longer pulse than the period is the whole period), inverted
 * by POLA, recorded as 16 bits at most.
 */
function outputValue(word: number, rng: number, pola: boolean): number {
  let duty = word > rng ? rng : word;
  if (pola) duty = rng - duty;
  return duty > 0xffff ? 0xffff : duty;
}

export class Pwm extends Device implements ClockListener {
  private ctl = this.resetValue("PWM_CTL");
  /** STA's sticky flags (its reset value's other bits are the live FIFO state, `status`). */
  private sticky = this.resetValue("PWM_STA") & STA_STICKY;
  private dmac = this.resetValue("PWM_DMAC");
  private rng1 = this.resetValue("PWM_RNG1");
  private rng2 = this.resetValue("PWM_RNG2");
  private dat1 = this.resetValue("PWM_DAT1");
  private dat2 = this.resetValue("PWM_DAT2");
  private readonly fifo = new Uint32Array(FIFO_WORDS);
  private head = 0;
  private count = 0;
  /** Start time of each channel's next period (Infinity when idle). */
  private next1 = Infinity;
  private next2 = Infinity;
  /** Period length in ps per channel, for the current clock and range. */
  private period1 = 0;
  private period2 = 0;
  /** Last word each channel took (what RPTL repeats). */
  private last1 = 0;
  private last2 = 0;
  private nextEvent = Infinity;
  /** STA1/STA2 as they stand (a channel is transmitting while it has a next period). */
  private runBits = 0;
  /**
   * The streaming set-up, where one period boundary with two words in the
   * FIFO is a few stores (`oneBoundary`): both channels on the FIFO with one
   * shared period, in phase, clock running, no DMA, no POLA, ranges that fit
   * the jack's 16 bits. Recomputed by `retune` whenever any of it may change.
   */
  private streaming = false;
  private clk: ClockState = { running: false, since: 0, until: 0, hz: 0 };
  private lastCtlWrite = -Infinity;
  readonly jack = new Jack();
  /** Log of CTL writes, for tests (value and time). */
  readonly ctlWrites: { value: number; timePs: number }[] = [];
  /** Words accepted into the FIFO. */
  wordsWritten = 0;
  private dreqHook: (() => void) | undefined;
  /** The DMA model behind `dreqHook`, for the bulk path (set by the DMA model; without it DMA runs period by period). */
  dmaFeeder: DmaFeeder | undefined;
  private inDreq = false;
  /** The virtual clock (ctx.clock, one load nearer for the hot paths). */
  private readonly clock: SimClock;

  constructor(
    board: Board,
    ctx: DeviceContext,
    private readonly cm: ClockManager,
  ) {
    super(
      PWM_BLOCK,
      ctx,
      {
        PWM_CTL: decodeCtl,
        PWM_STA: decodeSta,
        PWM_DMAC: fieldsDecoder(register(PWM_BLOCK, "PWM_DMAC")),
        PWM_RNG1: decimal,
        PWM_DAT1: decimal,
        PWM_FIF1: decimal,
        PWM_RNG2: decimal,
        PWM_DAT2: decimal,
      },
      board.pwmName,
    );
    this.clock = ctx.clock;
    cm.listen(this);
  }

  /** Words in the FIFO now. */
  get fifoLevel(): number {
    this.sync(this.clock.now);
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

  /**
   * Both channels take their words from the FIFO, on one shared period, in
   * phase, with the clock running (the set-up the lockstep paths run).
   */
  private lockstep(): boolean {
    const both = CTL.USEF1 | CTL.USEF2;
    return this.next1 === this.next2 && this.next1 !== Infinity && this.period1 === this.period2 && this.clk.running && (this.ctl & both) === both;
  }

  /**
   * The FIFO is steady under DMA: the lockstep set-up with DREQ enabled and
   * the FIFO at the level where each word taken makes DREQ ask for exactly
   * one more (DMAC.DREQ + 1, at most full). The DMA model then knows when its
   * control block ends (`Dma.read` of CONBLK_AD).
   */
  dmaSteady(): boolean {
    return (this.dmac & 0x80000000) !== 0 && this.count === Math.min((this.dmac & 0xff) + 1, FIFO_WORDS) && this.lockstep();
  }

  /**
   * Run up to `k` period boundaries in one go, the last no later than
   * `until`, and move the clock to the last one run: what `k` steps of
   * "advance the clock to the next period, sync" give (the times by the
   * same additions). Only in the lockstep set-up.
   */
  skipPeriods(k: number, until: number): void {
    const P = this.period1;
    const t = this.nextEvent;
    const n = Math.min(k, boundariesUpTo(t, P, until));
    if (n === 0) return;
    const last = boundaryAfter(t, P, n - 1);
    this.clock.advanceTo(last);
    this.sync(last);
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
        // The DMA model's own method when it is there: one call target for every machine.
        if (this.dmaFeeder !== undefined) this.dmaFeeder.service();
        else this.dreqHook();
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

  private reschedule(now: number): void {
    const c = this.clk;
    const live = c.hz > 0 && (c.running || c.until > now);
    if (live && this.ctl & CTL.PWEN1 && this.rng1 > 0) {
      this.period1 = (this.rng1 * PS_PER_S) / c.hz;
      if (this.next1 === Infinity) this.next1 = Math.max(now, c.since);
    } else {
      this.next1 = Infinity;
    }
    if (live && this.ctl & CTL.PWEN2 && this.rng2 > 0) {
      this.period2 = (this.rng2 * PS_PER_S) / c.hz;
      if (this.next2 === Infinity) this.next2 = Math.max(now, c.since);
    } else {
      this.next2 = Infinity;
    }
    this.nextEvent = Math.min(this.next1, this.next2);
    if (c.hz > 0) {
      this.jack.clockHz = c.hz;
      this.jack.range = this.rng1 || this.rng2;
      if (this.nextEvent !== Infinity) this.jack.started(c.hz / Math.min(this.next1 !== Infinity ? this.rng1 : Infinity, this.next2 !== Infinity ? this.rng2 : Infinity));
    }
    this.retune();
  }

  /** Recompute `runBits` and `streaming` after the schedule or the settings changed. */
  private retune(): void {
    this.runBits = (this.next1 !== Infinity ? STA.STA1 : 0) | (this.next2 !== Infinity ? STA.STA2 : 0);
    const both = CTL.USEF1 | CTL.USEF2;
    this.streaming =
      this.next1 === this.next2 &&
      this.next1 !== Infinity &&
      this.period1 === this.period2 &&
      this.clk.running &&
      (this.ctl & (both | CTL.POLA1 | CTL.POLA2)) === both &&
      (this.dmac & 0x80000000) === 0 &&
      this.rng1 <= 0xffff &&
      this.rng2 <= 0xffff;
  }

  /**
   * Bring the model up to `now`: run every period that starts at or before
   * it. Nothing is done between register accesses; the periods that have
   * passed since the last one are run here, all at once.
   */
  sync(now: number): void {
    if (now >= this.nextEvent) this.advance(now);
  }

  /** Run the periods that start at or before `now` (at least one does). */
  private advance(now: number): void {
    if (this.streaming && this.count >= 2 && this.next1 + this.period1 > now) {
      this.oneBoundary();
    } else if (this.next1 === this.next2 && this.period1 === this.period2 && this.clk.running) {
      if ((this.dmac & 0x80000000) === 0) this.advanceLockstep(now);
      else if (this.dmaFeeder !== undefined && this.lockstep()) this.advanceLockstepDma(now, this.dmaFeeder);
      else this.advanceStepwise(now);
    } else {
      this.advanceStepwise(now);
    }
  }

  /**
   * The lockstep set-up with DREQ enabled (`lockstep()`). While the FIFO is
   * steady at S words (DMAC.DREQ + 1, at most 16) each word a channel takes
   * makes DREQ ask for one word, which the DMA engine moves at once: the
   * jack gets the S words in the FIFO and then the control block's words in
   * order, and the FIFO keeps the S words after the last one taken. Those
   * spans (`DmaFeeder.bulkWords`: never a control block's last word) move
   * in typed-array loops. Every other boundary runs as the stepwise walk
   * runs it, channel 1 then channel 2, each through `periodValue` (the DMA
   * model moves words word by word, loads control blocks and may fault),
   * with the schedule and the jack's lengths as that walk leaves them at
   * each step, so that a fault leaves the model where it would. When no
   * DMA channel can answer, DREQ moves nothing and `advanceLockstep` runs.
   */
  private advanceLockstepDma(now: number, feeder: DmaFeeder): void {
    if (feeder.idle()) {
      this.advanceLockstep(now);
      return;
    }
    const P = this.period1;
    let t = this.next1;
    const n = boundariesUpTo(t, P, now);
    const right = this.jack.right;
    const left = this.jack.left;
    const R = right.ensure(n);
    const L = left.ensure(n);
    let ri = right.length;
    let li = left.length;
    const steady = Math.min((this.dmac & 0xff) + 1, FIFO_WORDS);
    const rng1 = this.rng1;
    const rng2 = this.rng2;
    const pola1 = (this.ctl & CTL.POLA1) !== 0;
    const pola2 = (this.ctl & CTL.POLA2) !== 0;
    const plain = !pola1 && !pola2 && rng1 <= 0xffff && rng2 <= 0xffff;
    const fifo = this.fifo;
    let k = 0;
    while (k < n) {
      const m = this.count === steady ? Math.min(n - k, feeder.bulkWords() >>> 1) : 0;
      if (m > 0) {
        // 2m words: the stream is the FIFO's S words, then src[at...].
        const src = feeder.bulkSource;
        const at = feeder.bulkIndex - steady; // src[at + q] is stream word q, for q >= S
        const head = this.head;
        let q = 0;
        let w1 = 0;
        let w2 = 0;
        // Boundaries that take a word from the FIFO as it was.
        while (q < steady && q < 2 * m) {
          w1 = q < steady ? fifo[(head + q) & (FIFO_WORDS - 1)]! : src[at + q]!;
          w2 = q + 1 < steady ? fifo[(head + q + 1) & (FIFO_WORDS - 1)]! : src[at + q + 1]!;
          R[ri++] = outputValue(w1, rng1, pola1);
          L[li++] = outputValue(w2, rng2, pola2);
          q += 2;
        }
        // The rest come straight from the control block's source.
        const end = at + 2 * m;
        let p = at + q;
        if (p < end) {
          if (plain) {
            for (; p < end; p += 2) {
              w1 = src[p]!;
              w2 = src[p + 1]!;
              R[ri++] = w1 > rng1 ? rng1 : w1;
              L[li++] = w2 > rng2 ? rng2 : w2;
            }
          } else {
            for (; p < end; p += 2) {
              w1 = src[p]!;
              w2 = src[p + 1]!;
              R[ri++] = outputValue(w1, rng1, pola1);
              L[li++] = outputValue(w2, rng2, pola2);
            }
          }
        }
        // The FIFO keeps stream words 2m .. 2m + S - 1 (those before S are in place already).
        for (let r = Math.max(2 * m, steady); r < 2 * m + steady; r++) fifo[(head + r) & (FIFO_WORDS - 1)] = src[at + r]!;
        this.head = (head + 2 * m) & (FIFO_WORDS - 1);
        this.last1 = w1;
        this.last2 = w2;
        this.wordsWritten += 2 * m;
        feeder.consumeBulk(2 * m);
        t = boundaryAfter(t, P, m);
        k += m;
        continue;
      }
      // One boundary, as advanceStepwise runs it.
      this.next1 = this.next2 = this.nextEvent = t;
      right.length = ri;
      left.length = li;
      R[ri] = this.periodValue(0, ri);
      right.length = ++ri;
      this.next1 = t + P;
      L[li] = this.periodValue(1, li);
      left.length = ++li;
      t += P;
      this.next2 = this.nextEvent = t;
      k++;
    }
    right.length = ri;
    left.length = li;
    this.next1 = this.next2 = this.nextEvent = t;
    this.retune();
  }

  /**
   * The usual case: both channels share one period and start together
   * (channel 1 first at each boundary), the clock runs, and DMA is off.
   * (With DMA on, the DMA model runs after each word taken, and may throw
   * on a bad control block: the periods then go one by one, so that every
   * period before the fault is recorded, as it would be.) The boundaries
   * up to `now` are counted first (`boundariesUpTo`: the stepwise walk's
   * times, identical to the last bit), then the words they
   * take are moved in one pass and the periods that find the FIFO empty are
   * filled in bulk.
   */
  private advanceLockstep(now: number): void {
    const P = this.period1;
    const n = boundariesUpTo(this.next1, P, now);
    const t = boundaryAfter(this.next1, P, n);
    const right = this.jack.right;
    const left = this.jack.left;
    const R = right.ensure(n);
    const L = left.ensure(n);
    let ri = right.length;
    let li = left.length;
    let k = 0;
    const ctl = this.ctl;
    if ((ctl & (CTL.USEF1 | CTL.USEF2)) === (CTL.USEF1 | CTL.USEF2)) {
      // Both channels take a word at each boundary while two are there.
      const fifo = this.fifo;
      const rng1 = this.rng1;
      const rng2 = this.rng2;
      const pola1 = (ctl & CTL.POLA1) !== 0;
      const pola2 = (ctl & CTL.POLA2) !== 0;
      let head = this.head;
      let count = this.count;
      let w1 = this.last1;
      let w2 = this.last2;
      while (k < n && count >= 2) {
        w1 = fifo[head]!;
        w2 = fifo[(head + 1) & (FIFO_WORDS - 1)]!;
        head = (head + 2) & (FIFO_WORDS - 1);
        count -= 2;
        R[ri++] = outputValue(w1, rng1, pola1);
        L[li++] = outputValue(w2, rng2, pola2);
        k++;
      }
      this.head = head;
      this.count = count;
      this.last1 = w1;
      this.last2 = w2;
    }
    // Boundaries where at most one word is left, or a channel does not use the FIFO.
    while (k < n && this.count > 0) {
      R[ri] = this.periodValue(0, ri);
      ri++;
      L[li] = this.periodValue(1, li);
      li++;
      k++;
    }
    // The rest find it empty: each channel repeats one value (RPTL, idle level or DAT).
    if (k < n) {
      const m = n - k;
      R.fill(this.emptyValue(0, ri, m), ri, ri + m);
      L.fill(this.emptyValue(1, li, m), li, li + m);
      ri += m;
      li += m;
    }
    right.length = ri;
    left.length = li;
    this.next1 = this.next2 = this.nextEvent = t;
  }

  /**
   * One boundary where each channel takes a word, in the `streaming` set-up:
   * what a firmware feeding the FIFO meets at every frame. The same as
   * `periodValue` for channel 1 then channel 2, without the cases that
   * `streaming` rules out.
   */
  private oneBoundary(): void {
    const head = this.head;
    const w1 = this.fifo[head]!;
    const w2 = this.fifo[(head + 1) & (FIFO_WORDS - 1)]!;
    this.head = (head + 2) & (FIFO_WORDS - 1);
    this.count -= 2;
    this.last1 = w1;
    this.last2 = w2;
    const rng1 = this.rng1;
    const rng2 = this.rng2;
    // Into the jack's reserved room, with the growth call only when it is full (the call, not
    // inlined this deep in the bus's access path, costs more than the rest of the boundary).
    const right = this.jack.right;
    const left = this.jack.left;
    const ri = right.length;
    const li = left.length;
    const R = right.data;
    const L = left.data;
    if (ri < R.length && li < L.length) {
      R[ri] = w1 > rng1 ? rng1 : w1;
      L[li] = w2 > rng2 ? rng2 : w2;
    } else {
      right.ensure(1)[ri] = w1 > rng1 ? rng1 : w1;
      left.ensure(1)[li] = w2 > rng2 ? rng2 : w2;
    }
    right.length = ri + 1;
    left.length = li + 1;
    this.next1 = this.next2 = this.nextEvent = this.next1 + this.period1;
  }

  /** Every other case: period starts one at a time, in time order (ties: channel 1 first). */
  private advanceStepwise(now: number): void {
    const until = this.clk.running ? Infinity : this.clk.until;
    const right = this.jack.right;
    const left = this.jack.left;
    while (this.nextEvent <= now) {
      const t = this.nextEvent;
      if (t >= until) {
        this.next1 = this.next2 = this.nextEvent = Infinity;
        break;
      }
      if (this.next1 <= this.next2) {
        const R = right.ensure(1);
        R[right.length] = this.periodValue(0, right.length);
        right.length++;
        this.next1 = t + this.period1;
      } else {
        const L = left.ensure(1);
        L[left.length] = this.periodValue(1, left.length);
        left.length++;
        this.next2 = t + this.period2;
      }
      this.nextEvent = Math.min(this.next1, this.next2);
    }
    this.retune();
  }

  /**
   * One period of channel `ch` starts: it takes its word (or finds the FIFO
   * empty: RPTL repeats, otherwise a gap at the idle level), and the value
   * the channel outputs for the period is returned. `at` is its index in
   * the channel's jack record.
   */
  private periodValue(ch: 0 | 1, at: number): number {
    const ctl = ch === 0 ? this.ctl : this.ctl >>> 8;
    const rng = ch === 0 ? this.rng1 : this.rng2;
    let duty: number;
    if (ctl & CTL.USEF1) {
      if (this.count > 0) {
        duty = this.fifo[this.head]!;
        this.head = (this.head + 1) & (FIFO_WORDS - 1);
        this.count--;
        if (ch === 0) this.last1 = duty;
        else this.last2 = duty;
        if ((this.dmac & 0x80000000) !== 0) this.raiseDreq();
      } else if (ctl & CTL.RPTL1) {
        duty = ch === 0 ? this.last1 : this.last2;
      } else {
        this.sticky |= ch === 0 ? STA.GAPO1 : STA.GAPO2;
        this.jack.gapsAt(ch, at, 1);
        duty = ctl & CTL.SBIT1 ? rng : 0;
      }
    } else {
      duty = ch === 0 ? this.dat1 : this.dat2;
    }
    return outputValue(duty, rng, (ctl & CTL.POLA1) !== 0);
  }

  /**
   * `n` periods of channel `ch` that all find the FIFO empty, the first at
   * index `at`: records their gaps and returns the one value they output
   * (the same rules as `periodValue` with no word to take).
   */
  private emptyValue(ch: 0 | 1, at: number, n: number): number {
    const ctl = ch === 0 ? this.ctl : this.ctl >>> 8;
    const rng = ch === 0 ? this.rng1 : this.rng2;
    let duty: number;
    if (ctl & CTL.USEF1) {
      if (ctl & CTL.RPTL1) {
        duty = ch === 0 ? this.last1 : this.last2;
      } else {
        this.sticky |= ch === 0 ? STA.GAPO1 : STA.GAPO2;
        this.jack.gapsAt(ch, at, n);
        duty = ctl & CTL.SBIT1 ? rng : 0;
      }
    } else {
      duty = ch === 0 ? this.dat1 : this.dat2;
    }
    return outputValue(duty, rng, (ctl & CTL.POLA1) !== 0);
  }

  private status(): number {
    const c = this.count;
    return this.sticky | this.runBits | (c === FIFO_WORDS ? STA.FULL1 : c === 0 ? STA.EMPT1 : 0);
  }

  // read/write: STA and FIF1, which the firmware touches for every word it
  // streams, first, in methods small enough for the JS engine to inline
  // into the bus; every other register after.

  // (0x04 and 0x18 are PwmReg.STA and PwmReg.FIF1, as literals: the bus's hot window calls these for every word.)
  read(offset: number): number {
    return offset === 0x04 ? this.readStatus() : this.readOther(offset);
  }

  write(offset: number, value: number): void {
    if (offset === 0x18) this.writeFifo(value);
    else this.writeOther(offset, value);
  }

  private readStatus(): number {
    const clock = this.clock;
    if (clock.now >= this.nextEvent) this.advance(clock.now);
    if (this.count === FIFO_WORDS && this.nextEvent !== Infinity) {
      // Busy-wait acceleration: a CPU polling FULL1 spins until the next
      // word is taken. Collapse the spin into this one read: time jumps
      // to that moment and the read returns what the last spin would.
      const t = this.nextEvent;
      clock.advanceTo(t);
      this.advance(t);
    }
    return this.status();
  }

  private writeFifo(value: number): void {
    const now = this.clock.now;
    if (now >= this.nextEvent) this.advance(now);
    this.enqueue(value >>> 0);
  }

  private readOther(offset: number): number {
    const now = this.clock.now;
    if (now >= this.nextEvent) this.advance(now);
    switch (offset) {
      case PwmReg.CTL:
        return this.ctl;
      case PwmReg.DMAC:
        return this.dmac;
      case PwmReg.RNG1:
        return this.rng1;
      case PwmReg.DAT1:
        return this.dat1;
      case PwmReg.FIF1:
        return FIF1_READ_VALUE;
      case PwmReg.RNG2:
        return this.rng2;
      case PwmReg.DAT2:
        return this.dat2;
    }
    return this.unmodelled(offset, false);
  }

  private writeOther(offset: number, value: number): void {
    const now = this.clock.now;
    if (now >= this.nextEvent) this.advance(now);
    switch (offset) {
      case PwmReg.CTL: {
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
        this.ctl = value & CTL_STORED;
        // A channel switched off forgets its phase; switched on, it starts a period now.
        if (was & CTL.PWEN1 && !(this.ctl & CTL.PWEN1)) this.next1 = Infinity;
        if (was & CTL.PWEN2 && !(this.ctl & CTL.PWEN2)) this.next2 = Infinity;
        this.reschedule(now);
        return;
      }
      case PwmReg.STA:
        this.sticky &= ~(value & STA_STICKY);
        return;
      case PwmReg.DMAC:
        this.dmac = value >>> 0;
        this.retune();
        this.raiseDreq();
        return;
      case PwmReg.RNG1:
      case PwmReg.RNG2:
        if (offset === PwmReg.RNG1) this.rng1 = value >>> 0;
        else this.rng2 = value >>> 0;
        if (value === 0) this.violation(`RNG${offset === PwmReg.RNG1 ? 1 : 2} set to 0: the channel cannot output`);
        this.reschedule(now);
        return;
      case PwmReg.DAT1:
      case PwmReg.DAT2:
        if (offset === PwmReg.DAT1) this.dat1 = value >>> 0;
        else this.dat2 = value >>> 0;
        return;
      case PwmReg.FIF1:
        this.enqueue(value >>> 0);
        return;
    }
    this.unmodelled(offset, true);
  }
}
