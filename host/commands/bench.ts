/** `piwave bench` (`npm run bench`): the project's benchmarks, figures only. */
import os from "node:os";
import { benchKernel, benchQemuBoot } from "../../bench/kernel.js";
import { benchPipeline } from "../../bench/pipeline.js";
import { benchCpu, benchInstructions } from "../../bench/cpu.js";
import { benchQuality, benchShapedExtras, benchStalls, benchThump } from "../../bench/quality.js";
import { benchSimSpeed } from "../../bench/sim-speed.js";
import { kb } from "./build.js";
import { BOARD_NAMES } from "../boards.js";
import { numberOption, parse } from "./common.js";

const USAGE = `Usage: piwave bench [--seconds N] [--runs N]

Simulator speed: simulated audio seconds per wall second for an N-second
(default 60) stereo track through the full firmware + simulator, per board.
Figures vary with machine load: compare ratios measured in one run.
`;

export async function benchCommand(args: string[]): Promise<number> {
  const r = parse(args, { seconds: { type: "string" }, runs: { type: "string" } }, USAGE);
  if (!r) return 0;
  const seconds = numberOption("seconds", r.values.seconds, 60, 1);
  const runs = numberOption("runs", r.values.runs, 3, 1);
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, node ${process.version}`);
  console.log(`\nsimulator speed (${seconds} s stereo track, FIFO polling firmware, goal >= 200x real time)`);
  for (const board of BOARD_NAMES) {
    const s = await benchSimSpeed(board, seconds, runs);
    console.log(
      `  ${board}: median ${s.median.toFixed(0)}x real time  (runs: ${s.ratios.map((x) => x.toFixed(0) + "x").join(", ")}; ${s.accessesPerFrame.toFixed(2)} MMIO accesses per frame)`,
    );
  }

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
  const p = await benchPipeline();
  const fmt = (t: { stepsMs: Record<string, number>; totalMs: number }) =>
    `${(t.totalMs / 1000).toFixed(2)} s (${Object.entries(t.stepsMs).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")})`;
  console.log("\nconvert + crunch + image, 3-minute stereo mp3 (goals: cold < 10 s, warm < 3 s)");
  console.log(`  cold: ${fmt(p.cold)}`);
  console.log(`  warm: ${fmt(p.warm)}`);

  const db = (x: number) => (!Number.isFinite(x) || x < -200 ? "-inf" : `${x.toFixed(1)}`);
  for (const board of BOARD_NAMES) {
    console.log(
      `\njack quality, ${board}, simulated: from the pulse train itself (closed-form spectrum of the M/S pulses), 20 Hz-20 kHz, worse channel` +
        `\n  (goals: shaped SNR >= 96 dB; plain THD+N <= -60 dB; shaped noise SINAD >= 90 dB, square >= 95 dB, no period at a rail; flat +-0.2 dB)`,
    );
    for (const f of await benchQuality(board)) {
      console.log(
        `  ${f.label.padEnd(12)} 1 kHz -1 dBFS: SNR ${db(f.fullScale.snrDb)} dB, THD+N ${db(f.fullScale.thdnDb)} dB | -60 dBFS: SNR ${db(f.lowLevel.snrDb)} dB | idle ${db(f.idleNoiseDbfs)} dBFS` +
          ` | 19+20 kHz IMD ${db(f.twin.imdDb)} dB, TD+N ${db(f.twin.tdnDb)} dB | -3 dBFS-peak noise SINAD ${db(f.noiseSinadDb)} dB`,
      );
    }
    const x = await benchShapedExtras(board);
    console.log(
      `  shaped       +-32767 square SINAD ${db(x.squareSinadDb)} dB, ${(x.squareRails * 100).toFixed(2)} % of periods at a rail; worst-case overs: ${(x.worstRails * 100).toFixed(2)} % at a rail; ` +
        `20 Hz-20 kHz within +-${x.flatnessDb.toFixed(3)} dB`,
    );
  }
  console.log("\nstart/stop thump through a first-order 20 Hz high-pass (the jack's AC coupling) and the 20 kHz band, worse channel (goal <= -60 dBFS)");
  for (const t of await benchThump()) console.log(`  ${t.label.padEnd(32)} ${db(t.peakDbfs)} dBFS (ramps of about ${t.rampSeconds.toFixed(1)} s each way)`);
  console.log("\ngaps under a 5 ms CPU stall every 100 ms (2 s of audio, Pi 4, plain)");
  for (const g of await benchStalls("pi4")) {
    console.log(`  ${g.label.padEnd(13)} ${g.gapPeriods} gap periods at the jack, ${g.firmwareUnderruns} underrun events reported by the firmware (${g.stalls} stalls)`);
  }
  console.log("\nfirmware CPU time per second of audio (wasm2c C built natively, hardware stubbed; goal for shaped: <= 5 % of one core)");
  for (const c of await benchCpu(10)) console.log(`  ${c.label.padEnd(22)} ${(c.fraction * 100).toFixed(2)} % of one core`);
  console.log("\nfirmware instructions per second of audio (callgrind, wasm2c C built as kernel8.img builds it: -O2, explicit bounds checks; this machine's ISA; goal for shaped: <= 100 M)");
  for (const c of await benchInstructions()) console.log(`  ${c.label.padEnd(22)} ${c.millionsPerSecond.toFixed(1)} M`);

  const boot = await benchQemuBoot(3);
  console.log(
    `\nboot to first sample under QEMU raspi3b (wall time from starting QEMU): ${boot.msToFirstSample.map((m) => m.toFixed(0) + " ms").join(", ")}`,
  );
  return 0;
}
