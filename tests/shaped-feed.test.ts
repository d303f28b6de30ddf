// The shaped mode's DMA feed fills its buffers 256 frames at a time (producer.produceInto: whole
// audio frames computed straight into the buffer, docs/cpu.md); the FIFO-polling feed takes one
// frame per produce() call. Both must put the very same duty values on the pins, period for
// period, from the start ramp through the music to the end of the stop ramp.
import { describe, expect, it } from "vitest";
import { capture } from "../host/quality/measure.js";

describe("shaped mode: DMA buffers filled in blocks equal the frame-by-frame stream", () => {
  it("pi4, a 1 kHz -1 dBFS tone: identical duty values on both channels, poll vs DMA", async () => {
    const poll = await capture("pi4", { quality: "shaped", feed: "poll" }, -1);
    const dma = await capture("pi4", { quality: "shaped", feed: "dma" }, -1);
    expect(poll.haltCode).toBe(0);
    expect(dma.haltCode).toBe(0);
    expect(poll.gaps + dma.gaps).toBe(0);
    // The DMA run ends with its last buffer padded with idle (0) frames: compare what both played.
    const n = Math.min(poll.dutyLeft.length, dma.dutyLeft.length);
    expect(n).toBeGreaterThan(poll.start + poll.length);
    const firstDiff = (a: Uint16Array, b: Uint16Array) => {
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
      return -1;
    };
    expect(firstDiff(poll.dutyLeft, dma.dutyLeft)).toBe(-1);
    expect(firstDiff(poll.dutyRight, dma.dutyRight)).toBe(-1);
    // And the stream carries the tone: not a constant.
    expect(Math.max(...dma.dutyLeft.subarray(dma.start, dma.start + 4096)) - Math.min(...dma.dutyLeft.subarray(dma.start, dma.start + 4096))).toBeGreaterThan(50);
  }, 600_000);
});
