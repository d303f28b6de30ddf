// Underruns happen for real when the firmware is too slow, and the firmware sees them.
import { describe, expect, it } from "vitest";
import { parseSummary } from "../host/log-line.js";
import { runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { chirpTrack, firmwareModule } from "./helpers.js";

/** piwave's player on a bus whose every access costs `accessNs`. */
const slowBus = (accessNs: number) => runFirmware({ wasm: firmwareModule("pi4"), bundle: [chirpTrack("pi4", 0.2)], ms: 120_000, accessNs, traceLimit: 0 });

const summaryField = (lines: string[], key: "underruns" | "fifoEmpty") => lines.map(parseSummary).find((s) => s !== null)?.[key] ?? NaN;

describe("underruns (polling firmware on a slow bus)", () => {
  // A frame lasts 22.67 µs on a Pi 4; the firmware needs ~4 MMIO accesses per frame.
  it("8 µs per access (32 µs per frame): gaps in the jack, counted by the firmware via GAPO", async () => {
    const r = await slowBus(8000);
    expect(r.haltCode).toBe(0);
    expect(r).not.toHaveNoGaps();
    const gaps = r.jack.gaps.left + r.jack.gaps.right;
    expect(gaps).toBeGreaterThan(1000);
    const underruns = summaryField(r.lines, "underruns");
    expect(underruns).toBeGreaterThan(100);
    expect(underruns).toBeLessThanOrEqual(gaps);
    expect(summaryField(r.lines, "fifoEmpty")).toBeGreaterThan(0);
    expect(r.lines.some((l) => /^I track: 1\/1 end, .* underruns [1-9]\d*$/.test(l))).toBe(true);
  });

  it("4 µs per access (16 µs per frame): fast enough, no gap and nothing reported", async () => {
    const r = await slowBus(4000);
    expect(r.haltCode).toBe(0);
    expect(r).toHaveNoGaps();
    expect(summaryField(r.lines, "underruns")).toBe(0);
  });
});
