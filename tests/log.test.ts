// The firmware log never drops silently and never merges lines (issue 10 item 16).
import { describe, expect, it } from "vitest";
import { parseLogLine, parseSummary } from "../host/log-line.js";
import { runFirmware } from "../host/testing/index.js";
import { constantTrack, firmwareModule } from "./helpers.js";

const board = "pi4" as const;
const shortTracks = (n: number, frames: number) => Array.from({ length: n }, (_, i) => constantTrack(board, frames, 1000, -1000, `t${i + 1}`));
/** piwave's player with `tracks`, until it halts. */
const play = (tracks: ReturnType<typeof shortTracks>) => runFirmware({ wasm: firmwareModule(board), bundle: tracks, ms: 120_000, traceLimit: 0 });

describe("firmware log under load", () => {
  it("twelve very short tracks: every start and end line, in order", async () => {
    const r = await play(shortTracks(12, 40));
    expect(r.haltCode).toBe(0);
    const tracks = r.lines.filter((l) => l.startsWith("I track: "));
    const expected = Array.from({ length: 12 }, (_, i) => [`I track: ${i + 1}/12 start "t${i + 1}"`, `I track: ${i + 1}/12 end`]).flat();
    expect(tracks.map((l) => l.replace(/^(I track: \d+\/12 (start "t\d+"|end)).*$/, "$1"))).toEqual(expected);
    expect(parseSummary(r.lines.at(-1)!)?.logDropped).toBe(0);
  });

  it("300 tiny tracks: every line whole and well-formed; what is lost is counted, announced and reported", async () => {
    const n = 300;
    const r = await play(shortTracks(n, 8));
    expect(r.haltCode).toBe(0);
    for (const l of r.lines) {
      expect(parseLogLine(l), l).not.toBeNull();
      expect(l.match(/I track: /g)?.length ?? 0, l).toBeLessThanOrEqual(1);
    }
    const trackLines = r.lines.filter((l) => l.startsWith("I track: "));
    const summary = parseSummary(r.lines.at(-1)!);
    expect(summary).not.toBeNull();
    const warned = r.lines.filter((l) => l.startsWith("W log: ")).map((l) => Number(l.match(/^W log: (\d+) lines? dropped: the UART could not keep up/)![1]));
    // Every line is either printed or counted: nothing vanishes.
    expect(trackLines.length + summary!.logDropped).toBe(2 * n);
    expect(warned.reduce((a, b) => a + b, 0)).toBe(summary!.logDropped);
    console.log(`300 tiny tracks: ${trackLines.length} track lines printed, ${summary!.logDropped} dropped and reported`);
  });
});
