/** `piwave bench` (`npm run bench`): the project's benchmarks, figures only. */
import os from "node:os";
import { benchKernel, benchQemuBoot } from "../../bench/kernel.js";
import { benchPipeline } from "../../bench/pipeline.js";
import { benchCpu } from "../../bench/cpu.js";
import { benchQuality, benchStalls } from "../../bench/quality.js";
import { MODES, benchCli, benchMode, median } from "../../bench/sim-speed.js";
import { kb } from "./build.js";
import { BOARD_NAMES } from "../boards.js";
import { UsageError, numberOption, parse } from "./common.js";

const SECTIONS = ["sim", "kernel", "pipeline", "quality", "cpu", "qemu"] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `Usage: piwave bench [--seconds N] [--runs N] [--only SECTION,...]

Simulator speed: simulated audio seconds per wall second for an N-second
(default 60) stereo track through the full firmware + simulator, every mode
on both boards, each beside its floor (the same firmware with trivial
imports and no models); then piwave sim as a whole process. Median of N
runs (default 3). Figures vary with machine load: compare ratios measured
in one run.
  --only SECTION,...   run only these sections: ${SECTIONS.join(", ")}
`;

function sectionsOption(v: string | undefined): Set<Section> {
  if (v === undefined) return new Set(SECTIONS);
  const out = new Set<Section>();
  for (const s of v.split(",")) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new UsageError(`--only takes sections from ${SECTIONS.join(", ")}, not "${s}"`);
    out.add(s as Section);
  }
  return out;
}

async function simSection(seconds: number, runs: number): Promise<void> {
  console.log(
    `\nsimulator speed: audio seconds per wall second, ${seconds} s stereo track, median of ${runs} runs; floor = same firmware, trivial imports, no models` +
      `\n(goals: every mode >= 0.6 of its floor, plain/poll >= 300x, plain/dma >= 600x, shaped/dma >= 30x)`,
  );
  console.log(`  board mode         simulator      floor  sim/floor  (CPU time)  MMIO/period  runs (sim | floor)`);
  for (const board of BOARD_NAMES) {
    for (const mode of MODES) {
      const s = await benchMode(board, mode, seconds, runs);
      const x = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)}x`;
      console.log(
        `  ${board.padEnd(5)} ${mode.label.padEnd(11)} ${x(s.simMedian).padStart(10)} ${x(s.floorMedian).padStart(10)} ${s.ratio.toFixed(3).padStart(10)} ${s.cpuRatio.toFixed(3).padStart(11)} ${s.accessesPerPeriod.toFixed(2).padStart(12)}  ${s.sim.map(x).join(" ")} | ${s.floor.map(x).join(" ")}`,
      );
    }
  }
  const c = await benchCli(runs);
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms (${xs.map((v) => v.toFixed(0)).join(", ")})`;
  console.log(`\npiwave sim as a whole process, Pi 4 plain/poll (goals: 3-minute song < 1 s; CLI within 1.5x of in-process on the demo)`);
  console.log(`  3-minute song (${c.songAudioSeconds.toFixed(0)} s, conversion done beforehand): ${ms(c.songMs)}`);
  console.log(`  demo: CLI ${ms(c.demoCliMs)}, in-process ${ms(c.demoInProcessMs)}: CLI / in-process ${(median(c.demoCliMs) / median(c.demoInProcessMs)).toFixed(2)}`);
  console.log(`  start-up: worker with an empty bundle ${ms(c.workerEmptyMs)}, in-process ${ms(c.inProcessEmptyMs)}; node -e 0 ${ms(c.nodeMs)}`);
}

export async function benchCommand(args: string[]): Promise<number> {
  const r = parse(args, { seconds: { type: "string" }, runs: { type: "string" }, only: { type: "string" } }, USAGE);
  if (!r) return 0;
  const seconds = numberOption("seconds", r.values.seconds, 60, 1);
  const runs = numberOption("runs", r.values.runs, 3, 1);
  const only = sectionsOption(r.values.only);
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  if (only.has("sim")) await simSection(seconds, runs);

  if (only.has("kernel")) {
    console.log("\nkernel8.img (cold build of every step, asset bundle of 0.05 s; goals: runtime glue <= 32 KiB, image without assets <= 128 KiB)");
    for (const board of BOARD_NAMES) {
      const k = await benchKernel(board);
      const s = k.sizes;
      const noAssets = k.imageBytes - s.assets;
      const glue = s.glue + s.wasmRuntime + s.other;
      console.log(
        `  ${board}: without assets ${kb(noAssets)} = AOT firmware ${kb(s.firmware)} + runtime glue ${kb(glue)} ` +
          `(boot/ ${kb(s.glue)}, wasm2c runtime ${kb(s.wasmRuntime)}, padding ${kb(s.other)})`,
      );
      console.log(`         steps: ${Object.entries(k.steps).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")}`);
    }
  }
  if (only.has("pipeline")) {
    const p = await benchPipeline();
    const fmt = (t: { stepsMs: Record<string, number>; totalMs: number }) =>
      `${(t.totalMs / 1000).toFixed(2)} s (${Object.entries(t.stepsMs).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")})`;
    console.log("\nconvert + crunch + image, 3-minute stereo mp3 (goals: cold < 10 s, warm < 3 s)");
    console.log(`  cold: ${fmt(p.cold)}`);
    console.log(`  warm: ${fmt(p.warm)}`);
  }
  if (only.has("quality")) {
    console.log("\njack quality, Pi 4, simulated (analog model: RC 17.9 kHz; 1 kHz tones, 20 Hz-20 kHz; goal: shaped SNR >= 96 dB)");
    const db = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}` : "-inf");
    for (const f of await benchQuality("pi4")) {
      console.log(
        `  ${f.label.padEnd(12)} -1 dBFS: SNR ${db(f.fullScale.snrDb)} dB, THD+N ${db(f.fullScale.thdnDb)} dB | -60 dBFS: SNR ${db(f.lowLevel.snrDb)} dB, THD+N ${db(f.lowLevel.thdnDb)} dB | idle noise ${db(f.idleNoiseDbfs)} dBFS`,
      );
    }
    console.log("\ngaps under a 5 ms CPU stall every 100 ms (2 s of audio, Pi 4, plain)");
    for (const g of await benchStalls("pi4")) {
      console.log(`  ${g.label.padEnd(13)} ${g.gapPeriods} gap periods at the jack, ${g.firmwareUnderruns} underrun events reported by the firmware (${g.stalls} stalls)`);
    }
  }
  if (only.has("cpu")) {
    console.log("\nfirmware CPU time per second of audio (wasm2c C built natively, hardware stubbed; goal for shaped: <= 5 % of one core)");
    for (const c of await benchCpu(10)) console.log(`  ${c.label.padEnd(22)} ${(c.fraction * 100).toFixed(2)} % of one core`);
  }
  if (only.has("qemu")) {
    const boot = await benchQemuBoot(3);
    console.log(
      `\nboot to first sample under QEMU raspi3b (wall time from starting QEMU): ${boot.msToFirstSample.map((m) => m.toFixed(0) + " ms").join(", ")}`,
    );
  }
  return 0;
}
