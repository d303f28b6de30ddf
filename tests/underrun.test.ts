// Underruns happen for real when the firmware is too slow, and the firmware sees them.
import { describe, expect, it } from "vitest";
import { parseSummary } from "../host/log-line.js";
import { chirpTrack, runTracks } from "./helpers.js";

const summaryField = (lines: string[], key: "underruns" | "fifoEmpty") => lines.map(parseSummary).find((s) => s !== null)?.[key] ?? NaN;

describe("underruns (polling firmware on a slow bus)", () => {
  // A frame lasts 22.67 µs on a Pi 4; the firmware needs ~4 MMIO accesses per frame.
  it("8 µs per access (32 µs per frame): gaps in the jack, counted by the firmware via GAPO", () => {
    const r = runTracks("pi4", [chirpTrack("pi4", 0.2)], { accessNs: 8000 });
    expect(r.haltCode).toBe(0);
    const gaps = r.jack.gaps[0] + r.jack.gaps[1];
    expect(gaps).toBeGreaterThan(1000);
    const underruns = summaryField(r.lines, "underruns");
    expect(underruns).toBeGreaterThan(100);
    expect(underruns).toBeLessThanOrEqual(gaps);
    expect(summaryField(r.lines, "fifoEmpty")).toBeGreaterThan(0);
    expect(r.lines.some((l) => /^I track: 1\/1 end, .* underruns [1-9]\d*$/.test(l))).toBe(true);
  });

  it("4 µs per access (16 µs per frame): fast enough, no gap and nothing reported", () => {
    const r = runTracks("pi4", [chirpTrack("pi4", 0.2)], { accessNs: 4000 });
    expect(r.haltCode).toBe(0);
    expect(r.jack.gaps).toEqual([0, 0]);
    expect(summaryField(r.lines, "underruns")).toBe(0);
  });
});
