// Host and firmware agree on every board fact the other side relies on.
import { describe, expect, it } from "vitest";
import { BOARDS, BOARD_NAMES, frameRateMilliHz, pwmClockHz, pwmRange } from "../host/boards.js";
import { BUNDLE_VERSION } from "../host/bundle.js";
import { SHAPER_HEADROOM, SHAPER_MARGIN } from "../host/quality/measure.js";
import { ABI_IMPORTS } from "../host/sim/abi.js";
import { firmwareModule } from "./helpers.js";

function exportsOf(board: "pi4" | "pi3") {
  // The getters touch no import; any call of one would throw.
  const trap = () => {
    throw new Error("no import may be called");
  };
  const inst = new WebAssembly.Instance(firmwareModule(board), {
    env: Object.fromEntries(Object.keys(ABI_IMPORTS).map((name) => [name, trap])),
  });
  return inst.exports as Record<string, () => number>;
}

describe("board facts", () => {
  it("match docs/hardware.md#clocks-and-rates: Pi 4 125 MHz / 2834, Pi 3 250 MHz / 5669", () => {
    expect(pwmClockHz(BOARDS.pi4)).toBe(125_000_000);
    expect(pwmRange(BOARDS.pi4)).toBe(2834);
    expect(frameRateMilliHz(BOARDS.pi4)).toBe(44_107_269);
    expect(pwmClockHz(BOARDS.pi3)).toBe(250_000_000);
    expect(pwmRange(BOARDS.pi3)).toBe(5669);
    expect(frameRateMilliHz(BOARDS.pi3)).toBe(44_099_488);
  });

  for (const board of BOARD_NAMES) {
    it(`${board}: the built firmware reports the same clock, range, rate and bundle version`, () => {
      const e = exportsOf(board);
      expect(e.board_id!()).toBe(board === "pi4" ? 4 : 3);
      expect(e.pwm_clock_hz!() >>> 0).toBe(pwmClockHz(BOARDS[board]));
      expect(e.pwm_range!()).toBe(pwmRange(BOARDS[board]));
      expect(e.frame_rate_millihz!() >>> 0).toBe(frameRateMilliHz(BOARDS[board]));
      expect(e.bundle_version!()).toBe(BUNDLE_VERSION);
      expect(e.shaper_margin!()).toBe(SHAPER_MARGIN);
      expect(e.shaper_headroom!()).toBe(SHAPER_HEADROOM);
    });
  }
});
