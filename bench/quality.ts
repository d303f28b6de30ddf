/**
 * Benchmark figures for the sound: SNR/THD+N for plain and shaped (through
 * the analog model), and gaps under injected CPU stalls for poll vs DMA.
 */
import { parseSummary } from "../host/log-line.js";
import type { BoardName } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../host/firmware.js";
import { type ModeFigures, measureMode } from "../host/quality/measure.js";
import { simulate } from "../host/sim/machine.js";
import { BOARDS, frameRateMilliHz } from "../host/boards.js";

export async function benchQuality(board: BoardName): Promise<ModeFigures[]> {
  return [await measureMode(board, { feed: "dma" }, "plain"), await measureMode(board, { quality: "shaped", feed: "dma" }, "shaped"), await measureMode(board, { quality: "shaped", feed: "dma", dither: true }, "shaped+TPDF")];
}

export interface StallFigure {
  label: string;
  gapPeriods: number;
  firmwareUnderruns: number;
  stalls: number;
}

export async function benchStalls(board: BoardName, seconds = 2): Promise<StallFigure[]> {
  const rate = frameRateMilliHz(BOARDS[board]);
  const n = Math.round((rate / 1000) * seconds);
  const pcm = new Int16Array(n * 2).map((_, i) => Math.round(8000 * Math.sin(i * 0.05)));
  const bundle = encodeBundle([{ name: "stall", rateMilliHz: rate, pcm }]);
  const out: StallFigure[] = [];
  for (const [label, v] of [["FIFO polling", {}], ["DMA", { feed: "dma" }]] as [string, Variant][]) {
    await buildFirmware(board, { variant: v });
    const r = simulate({ board, wasm: loadFirmware(board, v), bundle, stall: { everyMs: 100, forMs: 5 } });
    const s = r.lines.map(parseSummary).find((x) => x !== null);
    out.push({ label, gapPeriods: r.jack.gaps[0] + r.jack.gaps[1], firmwareUnderruns: s?.underruns ?? NaN, stalls: r.machine.bus.stalls });
  }
  return out;
}
