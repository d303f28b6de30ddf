// The firmware on piwave's simulated Raspberry Pi 4: `npm test`.
// runFirmware compiles src/main.ts with piwave's settings (cached) and runs it
// for at most `ms` of virtual time; the matchers come from piwave/testing/vitest.
import { expect, it } from "vitest";
import { runFirmware } from "piwave/testing";
import "piwave/testing/vitest";

it("plays a 440 Hz tone on both channels, starts and stops without a click, and halts", { timeout: 120_000 }, async () => {
  // rampMs: 50: a build with 50 ms start/stop ramps, so the recording is mostly the tone
  // (the real firmware ramps the jack for several seconds, which is what stops it thumping).
  const run = await runFirmware({ entry: "src/main.ts", variant: { rampMs: 50 }, ms: 10_000 });
  expect(run.halt).toBe("halt(0): done");
  expect(run).toBreakNoHardwareRule();
  expect(run).toPlayTone("left", { hz: 440, dbfs: -12 });
  expect(run).toPlayTone("right", { hz: 440, dbfs: -12 });
  expect(run).toStartAndStopWithoutClicks();
  expect(run).toHaveNoGaps();
});

it("plays it on a Pi 3 too", { timeout: 120_000 }, async () => {
  const run = await runFirmware({ entry: "src/main.ts", board: "pi3", variant: { rampMs: 50 }, ms: 10_000 });
  expect(run.haltCode).toBe(0);
  expect(run).toPlayTone("left", { hz: 440 });
});
