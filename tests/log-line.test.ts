// The one host parser of firmware/runtime log lines: summary and halt lines count only whole and well-formed.
import { describe, expect, it } from "vitest";
import { RunLog, isErrorLine, parseHalt, parseLogLine, parseSummary } from "../host/log-line.js";
import { UartSplitter } from "../host/qemu.js";

const SUMMARY = "I summary: tracks=2 frames=15435 ramp_frames=64 underruns=0 fifo_empty=1 late_refills=0 fifo_overflow=0 log_dropped=3 elapsed=1.234s";

describe("log lines", () => {
  it("parses the summary into its fields", () => {
    expect(parseSummary(SUMMARY)).toEqual({
      tracks: 2, frames: 15435, rampFrames: 64, underruns: 0, fifoEmpty: 1, lateRefills: 0, fifoOverflow: 0, logDropped: 3, elapsedSeconds: 1.234,
    });
  });

  it("refuses summaries that are merged, cut, extended or carry control characters", () => {
    for (const bad of [
      `I track: 1/1 end, 5 frames${SUMMARY}`,
      SUMMARY.slice(0, -10),
      SUMMARY + " extra=1",
      SUMMARY.replace("tracks=2", "tracks=2\u0085"),
      SUMMARY.replace(" frames=", "\u2028 frames="),
      "I summary: tracks=1 frames=10 ramp_frames=2 underruns=3 fifo_empty=0",
    ]) expect(parseSummary(bad), bad).toBeNull();
  });

  it("parses the runtime's halt line exactly", () => {
    expect(parseHalt("I runtime: halted with code 0 (done)")).toEqual({ code: 0, reason: "done" });
    expect(parseHalt("I runtime: halted with code 5 (wasm trap)")).toEqual({ code: 5, reason: "wasm trap" });
    expect(parseHalt("I runtime: halted with code 4 (refused MMIO access)")).toEqual({ code: 4, reason: "refused MMIO access" });
    for (const bad of [
      "I runtime: halted with code 0",
      "xI runtime: halted with code 0 (done)",
      "I runtime: halted with code 0 (done) ",
      "I runtime: halted with code 0 (done)\r",
      'I track: 1/1 start "I runtime: halted with code 0 (done)',
      "I runtime: halted with code 99999999999 (done)",
    ]) expect(parseHalt(bad), bad).toBeNull();
  });

  it("knows error lines by level and topic", () => {
    expect(isErrorLine("E bundle: bad magic")).toBe(true);
    expect(isErrorLine("F trap: wasm trap: x")).toBe(true);
    expect(isErrorLine("I pwm: E bundle:")).toBe(false);
    expect(isErrorLine("Ebundle: x")).toBe(false);
    expect(parseLogLine("W pwm: registers behave as plain RAM")).toEqual({ level: "W", topic: "pwm", text: "registers behave as plain RAM" });
  });

  it("a run ends only on complete lines", () => {
    const log = new RunLog();
    expect(log.push(SUMMARY, false)).toBe("line");
    expect(log.push("I runtime: halted with code 0 (done)", false)).toBe("line");
    expect(log.summary).toBeNull();
    expect(log.halt).toBeNull();
    expect(log.push(SUMMARY)).toBe("summary");
    expect(log.push("I runtime: halted with code 0 (done)")).toBe("halt");
    expect(log.halt?.code).toBe(0);
  });

  it("QEMU's UART splitter marks a last line without newline as incomplete", () => {
    const got: [string, boolean][] = [];
    const s = new UartSplitter((l, c) => got.push([l, c]), () => {});
    s.push(Buffer.from("I boot: x\r\nI runtime: halted with code 0 (done)"));
    s.flushLine();
    expect(got).toEqual([["I boot: x", true], ["I runtime: halted with code 0 (done)", false]]);
  });
});
