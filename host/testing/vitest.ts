/**
 * `piwave/testing/vitest`: the checks of piwave/testing as vitest matchers.
 * Import it once (in a test file or in vitest's `setupFiles`):
 *
 *   import "piwave/testing/vitest";
 *   expect(run).toWriteInOrder([{ register: "CM_PWMCTL", fields: { PASSWD: true, ENAB: true } }]);
 *   expect(run).toBreakNoHardwareRule();
 *   expect(run).toPlayTone("left", { hz: 440, dbfs: -6 });
 *   expect(run).toStartAndStopWithoutClicks();
 *   expect(run).toHaveNoGaps();
 *
 * vitest is the user's (a peer dependency), never piwave's at run time.
 */
import { expect } from "vitest";
import type { Channel, ClickOptions } from "./audio.js";
import { type ToneExpectation, type WriteStep, clickFree, noGaps, noViolations, tone, writeSequence } from "./checks.js";
import type { FirmwareRun } from "./run.js";

function isRun(x: unknown): x is FirmwareRun {
  return typeof x === "object" && x !== null && "jack" in x && "violations" in x && "writes" in x;
}

function notARun(name: string) {
  return { pass: false, message: () => `${name} takes the result of runFirmware()` };
}

export const piwaveMatchers = {
  toWriteInOrder(received: unknown, steps: readonly WriteStep[], o?: { adjacent?: boolean }) {
    return isRun(received) ? writeSequence(received, steps, o) : notARun("toWriteInOrder");
  },
  toBreakNoHardwareRule(received: unknown) {
    return isRun(received) ? noViolations(received) : notARun("toBreakNoHardwareRule");
  },
  toPlayTone(received: unknown, channel: Channel, x: ToneExpectation) {
    return isRun(received) ? tone(received, channel, x) : notARun("toPlayTone");
  },
  toStartAndStopWithoutClicks(received: unknown, o?: ClickOptions & { channel?: Channel }) {
    return isRun(received) ? clickFree(received, o) : notARun("toStartAndStopWithoutClicks");
  },
  toHaveNoGaps(received: unknown) {
    return isRun(received) ? noGaps(received) : notARun("toHaveNoGaps");
  },
};

expect.extend(piwaveMatchers);

interface PiwaveMatchers<R = unknown> {
  /** The firmware wrote these registers in this order, with these fields (other writes may come between, unless `adjacent`). */
  toWriteInOrder(steps: readonly WriteStep[], o?: { adjacent?: boolean }): R;
  /** The run has no hardware-rule violations. */
  toBreakNoHardwareRule(): R;
  /** The channel carries a tone of this frequency (± 1 % by default) and, if given, level (± 1 dB). */
  toPlayTone(channel: Channel, x: ToneExpectation): R;
  /** Both channels (or `channel`) ramp from idle to mid-scale and back with no step above `maxStep`. */
  toStartAndStopWithoutClicks(o?: ClickOptions & { channel?: Channel }): R;
  /** The PWM never ran out of data. */
  toHaveNoGaps(): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends PiwaveMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends PiwaveMatchers {}
}
