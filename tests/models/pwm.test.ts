// PWM model: each modelled behaviour on its own.
import { describe, expect, it } from "vitest";
import { CTL, FIF1_READ_VALUE, STA, pulseTrain } from "../../host/sim/pwm.js";
import { machine } from "./harness.js";

const CTL_STREAM = CTL.PWEN1 | CTL.USEF1 | CTL.MSEN1 | CTL.PWEN2 | CTL.USEF2 | CTL.MSEN2;
const STA_OFF = 0x04;
const FIF1 = 0x18;

function streamingPwm(range = 100) {
  const h = machine("pi4");
  h.startClock();
  h.write(h.pwm + 0x10, range);
  h.write(h.pwm + 0x20, range);
  h.write(h.pwm, CTL.CLRF1);
  h.wait(1);
  return h;
}

describe("PWM model", () => {
  it("the FIFO holds 16 words: FULL1 after 16, the 17th write sets WERR1 and is dropped", () => {
    const h = streamingPwm();
    expect(h.read(h.pwm + STA_OFF) & STA.EMPT1).toBeTruthy();
    for (let i = 0; i < 15; i++) h.write(h.pwm + FIF1, i);
    expect(h.read(h.pwm + STA_OFF) & STA.FULL1).toBe(0);
    h.write(h.pwm + FIF1, 15);
    const sta = h.read(h.pwm + STA_OFF);
    expect(sta & STA.FULL1).toBeTruthy();
    expect(sta & STA.EMPT1).toBe(0);
    h.write(h.pwm + FIF1, 99);
    expect(h.read(h.pwm + STA_OFF) & STA.WERR1).toBeTruthy();
    expect(h.m.pwm.wordsWritten).toBe(16);
  });

  it("error flags are write-1-to-clear; writing 0 or other bits leaves them; FULL/EMPT are not clearable", () => {
    const h = streamingPwm();
    for (let i = 0; i < 17; i++) h.write(h.pwm + FIF1, i);
    h.write(h.pwm + STA_OFF, STA.GAPO1 | STA.FULL1 | STA.EMPT1); // not WERR1
    let sta = h.read(h.pwm + STA_OFF);
    expect(sta & STA.WERR1).toBeTruthy();
    expect(sta & STA.FULL1).toBeTruthy();
    h.write(h.pwm + STA_OFF, STA.WERR1);
    sta = h.read(h.pwm + STA_OFF);
    expect(sta & STA.WERR1).toBe(0);
    expect(sta & STA.FULL1).toBeTruthy();
  });

  it("CLRF1 empties the FIFO and reads back as 0", () => {
    const h = streamingPwm();
    for (let i = 0; i < 5; i++) h.write(h.pwm + FIF1, i);
    expect(h.m.pwm.fifoLevel).toBe(5);
    h.write(h.pwm, CTL.CLRF1 | CTL.MSEN1);
    expect(h.m.pwm.fifoLevel).toBe(0);
    expect(h.read(h.pwm + STA_OFF) & STA.EMPT1).toBeTruthy();
    expect(h.read(h.pwm)).toBe(CTL.MSEN1);
  });

  it("channels take words alternately, one per channel per range period, only while the clock runs", () => {
    const h = streamingPwm(1250); // 10 µs periods at 125 MHz
    for (let i = 0; i < 16; i++) h.write(h.pwm + FIF1, 100 + i);
    h.write(h.pwm, CTL_STREAM);
    expect(h.m.pwm.fifoLevel).toBe(14); // both channels took their first word
    h.wait(35); // three more periods
    expect(h.m.pwm.fifoLevel).toBe(8);
    expect([...h.m.pwm.jack.right.view()]).toEqual([100, 102, 104, 106]);
    expect([...h.m.pwm.jack.left.view()]).toEqual([101, 103, 105, 107]);
    // Stop the clock: nothing more is consumed.
    h.write(h.cm + 0xa0, 0x5a000006);
    h.wait(100);
    const level = h.m.pwm.fifoLevel;
    h.wait(100);
    expect(h.m.pwm.fifoLevel).toBe(level);
  });

  it("an empty FIFO makes a gap: GAPO1/GAPO2 set, output at the idle level, counted on the jack", () => {
    const h = streamingPwm(1250);
    h.write(h.pwm + FIF1, 700);
    h.write(h.pwm + FIF1, 800);
    h.write(h.pwm, CTL_STREAM);
    h.wait(25);
    const sta = h.read(h.pwm + STA_OFF);
    expect(sta & STA.GAPO1).toBeTruthy();
    expect(sta & STA.GAPO2).toBeTruthy();
    expect(sta & (STA.STA1 | STA.STA2)).toBe(STA.STA1 | STA.STA2);
    expect(h.m.pwm.jack.gaps[0]).toBeGreaterThan(0);
    expect([...h.m.pwm.jack.right.view()].slice(0, 2)).toEqual([700, 0]);
  });

  it("RPTL repeats the last word instead of a gap", () => {
    const h = streamingPwm(1250);
    h.write(h.pwm + FIF1, 700);
    h.write(h.pwm + FIF1, 800);
    h.write(h.pwm, CTL_STREAM | CTL.RPTL1 | CTL.RPTL2);
    h.wait(25);
    expect(h.read(h.pwm + STA_OFF) & (STA.GAPO1 | STA.GAPO2)).toBe(0);
    expect([...h.m.pwm.jack.right.view()]).toEqual([700, 700, 700]);
    expect([...h.m.pwm.jack.left.view()]).toEqual([800, 800, 800]);
  });

  it("words larger than the range saturate; POLA inverts; DAT is used without USEF", () => {
    const h = streamingPwm(1250);
    h.write(h.pwm + FIF1, 5000);
    h.write(h.pwm + 0x24, 300); // DAT2
    h.write(h.pwm, CTL.PWEN1 | CTL.USEF1 | CTL.MSEN1 | CTL.PWEN2 | CTL.MSEN2 | CTL.POLA2);
    h.wait(5);
    expect(h.m.pwm.jack.right.view()[0]).toBe(1250);
    expect(h.m.pwm.jack.left.view()[0]).toBe(1250 - 300);
  });

  it("two CTL writes back to back raise BERR (W1C)", () => {
    const h = streamingPwm();
    h.write(h.pwm, 0); // the next access comes 100 ns later: more than 2 clocks at 125 MHz
    expect(h.read(h.pwm + STA_OFF) & STA.BERR).toBe(0);
    h.m.clock.accessPs = 10_000; // 10 ns: closer than two 8 ns PWM clocks
    h.write(h.pwm, 0);
    h.write(h.pwm, 0);
    h.m.clock.accessPs = 100_000;
    expect(h.read(h.pwm + STA_OFF) & STA.BERR).toBeTruthy();
    h.write(h.pwm + STA_OFF, STA.BERR);
    expect(h.read(h.pwm + STA_OFF) & STA.BERR).toBe(0);
  });

  it("FIF1 reads back 'pwm0', unmodelled offsets fail loudly naming the nearest register", () => {
    const h = streamingPwm();
    expect(h.read(h.pwm + FIF1)).toBe(FIF1_READ_VALUE);
    expect(() => h.read(h.pwm + 0x0c)).toThrow(/\+0xc\): no modelled register there; nearest is PWM_(DMAC|RNG1)/);
    expect(() => h.write(h.pwm + 0x1c, 1)).toThrow(/nearest is PWM_(FIF1|RNG2)/);
  });

  it("a status read while FULL1 jumps virtual time to the next word taken (busy-wait acceleration)", () => {
    const h = streamingPwm(1250); // 10 µs periods
    for (let i = 0; i < 16; i++) h.write(h.pwm + FIF1, i);
    h.write(h.pwm, CTL_STREAM);
    for (let i = 0; i < 2; i++) h.write(h.pwm + FIF1, i);
    const t0 = h.m.clock.now;
    const sta = h.read(h.pwm + STA_OFF);
    expect(sta & STA.FULL1).toBe(0); // the spin is over: two words were taken
    const waited = h.m.clock.now - t0;
    expect(waited).toBeGreaterThan(9_000_000);
    expect(waited).toBeLessThanOrEqual(10_000_000);
  });

  it("balanced and mark/space pulse trains carry the same duty", () => {
    const ms = pulseTrain(true, 3, 8);
    const bal = pulseTrain(false, 3, 8);
    expect(ms).toEqual([true, true, true, false, false, false, false, false]);
    expect(bal.filter(Boolean).length).toBe(3);
    expect(bal).not.toEqual(ms); // spread over the period
  });
});
