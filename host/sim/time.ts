/**
 * The simulator's virtual clock.
 *
 * Time is an integer number of picoseconds held in a double (exact up to
 * 2^53 ps ≈ 2.5 hours of simulated time). It advances only when the
 * firmware touches hardware: each MMIO access costs `accessPs`, and a
 * status read that says "wait" (PWM FIFO full, UART FIFO full) may jump
 * straight to the moment the status changes — the same result a spinning
 * CPU would get, without simulating every spin. Firmware computation
 * between accesses is free unless a stall is injected with `stall()`.
 */
export const PS_PER_US = 1_000_000;
export const PS_PER_NS = 1_000;
export const PS_PER_S = 1_000_000_000_000;

export class SimClock {
  /** Current virtual time in picoseconds. */
  now = 0;
  private cost: number;
  private readonly costWatchers: (() => void)[] = [];

  constructor(accessPs = 100 * PS_PER_NS) {
    this.cost = accessPs;
  }

  /** Cost of one MMIO access (default 100 ns: an uncached peripheral access on a Cortex-A72/A53). */
  get accessPs(): number {
    return this.cost;
  }

  set accessPs(ps: number) {
    this.cost = ps;
    for (const w of this.costWatchers) w();
  }

  /** Call `w` whenever `accessPs` changes (the bus keeps a bound derived from it). */
  watchAccessCost(w: () => void): void {
    this.costWatchers.push(w);
  }

  /** Move time forward to `t` (never backwards). */
  advanceTo(t: number): void {
    if (t > this.now) this.now = t;
  }

  /** The firmware spends `ps` without touching hardware (e.g. an injected CPU stall). */
  stall(ps: number): void {
    this.now += ps;
  }

  seconds(): number {
    return this.now / PS_PER_S;
  }
}
