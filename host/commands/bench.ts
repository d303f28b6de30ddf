/** `piwave bench` (`npm run bench`): the project's benchmarks, figures only. */
import os from "node:os";
import { benchKernel, benchQemuBoot } from "../../bench/kernel.js";
import { benchPipeline } from "../../bench/pipeline.js";
import { benchCpu, benchInstructions } from "../../bench/cpu.js";
import { benchQuality, benchShapedExtras, benchStalls, benchThump, benchToneThdn } from "../../bench/quality.js";
import { MODES, benchCli as benchSimCli, benchMode, median } from "../../bench/sim-speed.js";
import { formatSize, table } from "./format.js";
import { BOARD_NAMES } from "../boards.js";
import { benchCli } from "../../bench/cli.js";
import { JSON_OPTION, UsageError, emitJson, numberOption, parse, ui } from "./common.js";

const PARTS = ["cli", "sim", "kernel", "pipeline", "quality", "stalls", "cpu", "qemu"] as const;

const USAGE = `Usage: piwave bench [--seconds N] [--runs N] [--only PART,...] [--json]

piwave's figures: whole piwave processes as a user runs them (--help; build
of a 3-minute song, cold and warm; image), each beside a floor measured in
the same run (node's own start, ffmpeg decoding the song, cp of the same
bytes); cold is a new song with a freshly installed package (in a checkout,
npm pack makes one first, which takes a minute or more). Then the simulator's speed for an
N-second (default 60) stereo track in every mode on both boards, each
beside its floor (the same firmware with trivial imports and no models), and
piwave sim as a whole process, kernel8.img sizes and build
steps, the in-process music pipeline, the jack's sound quality, gaps under
CPU stalls, the firmware's CPU time, and QEMU's boot time.
Figures vary with machine load: compare figures measured in one run.
  --only PART,...   only these: ${PARTS.join(", ")}
  --json            the figures as JSON
`;

async function simSection(seconds: number, runs: number): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = {};
  console.log(
    `\nsimulator speed: audio seconds per wall second, ${seconds} s stereo track, median of ${runs} runs; floor = same firmware, trivial imports, no models` +
      `\n(goals: every mode >= 0.6 of its floor, plain/poll >= 300x, plain/dma >= 600x, shaped/dma >= 30x)`,
  );
  console.log(`  board mode         simulator      floor  sim/floor  (CPU time)  MMIO/period  runs (sim | floor)`);
  for (const board of BOARD_NAMES) {
    for (const mode of MODES) {
      const s = await benchMode(board, mode, seconds, runs);
      figures[`${board} ${mode.label}`] = s;
      const x = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)}x`;
      console.log(
        `  ${board.padEnd(5)} ${mode.label.padEnd(11)} ${x(s.simMedian).padStart(10)} ${x(s.floorMedian).padStart(10)} ${s.ratio.toFixed(3).padStart(10)} ${s.cpuRatio.toFixed(3).padStart(11)} ${s.accessesPerPeriod.toFixed(2).padStart(12)}  ${s.sim.map(x).join(" ")} | ${s.floor.map(x).join(" ")}`,
      );
    }
  }
  const c = await benchSimCli(runs);
  figures.wholeProcess = c;
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms (${xs.map((v) => v.toFixed(0)).join(", ")})`;
  console.log(`\npiwave sim as a whole process, Pi 4 plain/poll (goals: 3-minute song < 1 s; CLI within 1.5x of in-process on the demo)`);
  console.log(`  3-minute song (${c.songAudioSeconds.toFixed(0)} s, conversion done beforehand): ${ms(c.songMs)}`);
  console.log(`  demo: CLI ${ms(c.demoCliMs)}, in-process ${ms(c.demoInProcessMs)}: CLI / in-process ${(median(c.demoCliMs) / median(c.demoInProcessMs)).toFixed(2)}`);
  console.log(`  start-up: worker with an empty bundle ${ms(c.workerEmptyMs)}, in-process ${ms(c.inProcessEmptyMs)}; node -e 0 ${ms(c.nodeMs)}`);
  return figures;
}

export async function benchCommand(args: string[]): Promise<number> {
  const r = parse(args, { seconds: { type: "string" }, runs: { type: "string" }, only: { type: "string" }, ...JSON_OPTION }, USAGE);
  if (!r) return 0;
  const seconds = numberOption("seconds", r.values.seconds, 60, 1);
  const runs = numberOption("runs", r.values.runs, 3, 1);
  const only = new Set(r.values.only ? r.values.only.split(",").map((x) => x.trim()) : PARTS);
  for (const p of only) if (!(PARTS as readonly string[]).includes(p)) throw new UsageError(`--only takes ${PARTS.join(", ")}, not "${p}"`);
  const figures: Record<string, unknown> = { machine: { cpu: os.cpus()[0]?.model ?? "?", cores: os.cpus().length, node: process.version } };
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  if (only.has("cli")) {
    const c = await benchCli({ runs });
    figures.cli = c;
    const t = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
    const all = (x: { runsMs: number[] }) => x.runsMs.map(t).join(", ");
    const ratio = (a: { medianMs: number }, b: { medianMs: number }) => `${(a.medianMs / b.medianMs).toFixed(1)}x`;
    console.log(
      `\nwhole piwave processes as a user meets them: ${c.install.how}${c.install.packMs ? ` (packed in ${t(c.install.packMs)})` : ""};` +
        `\nmedian of the runs; floor = what no such process can beat, measured in this run on the same files`,
    );
    const rows = [
      ["", "median", "goal", "floor", "", "x floor", "runs"],
      ["piwave --help", t(c.help.medianMs), "<= 150 ms", "node -e ''", t(c.floors.node.medianMs), ratio(c.help, c.floors.node), all(c.help)],
      ["build, cold", t(c.buildCold.medianMs), "< 3 s", "ffmpeg decodes the song", t(c.floors.ffmpegDecode.medianMs), ratio(c.buildCold, c.floors.ffmpegDecode), all(c.buildCold)],
      ["build, warm", t(c.buildWarm.medianMs), "< 1 s", "cp of the boot files", t(c.floors.copyBootFiles.medianMs), ratio(c.buildWarm, c.floors.copyBootFiles), all(c.buildWarm)],
      ["image", t(c.image.medianMs), "< 0.3 s", `cp + sync of ${formatSize(c.imageBytes)}`, t(c.floors.copyImage.medianMs), ratio(c.image, c.floors.copyImage), all(c.image)],
    ];
    for (const line of table(rows, new Set([1, 4, 5]))) console.log(`  ${line}`);
    console.log(
      `  song: ${c.song.seconds / 60}-minute stereo mp3 (${formatSize(c.song.bytes)}); cold = a new song, a freshly installed package, an empty user cache; warm = the same build again` +
        `\n  a cold build without the prebuilt player (a checkout, or changed firmware sources): ${t(c.buildColdNoPrebuiltMs)}`,
    );
  }
  if (only.has("sim")) figures.sim = await simSection(seconds, runs);

  if (only.has("kernel")) {
    console.log("\nkernel8.img (cold build of every step; the music is a separate file; goals: runtime glue <= 32.8 kB, image <= 131.1 kB)");
    const kernels: Record<string, unknown> = {};
    for (const board of BOARD_NAMES) {
      const k = await benchKernel(board);
      kernels[board] = k;
      const s = k.sizes;
      const glue = s.glue + s.wasmRuntime + s.other;
      console.log(
        `  ${board}: ${formatSize(k.imageBytes)} = AOT firmware ${formatSize(s.firmware)} + runtime glue ${formatSize(glue)} ` +
          `(boot/ ${formatSize(s.glue)}, wasm2c runtime ${formatSize(s.wasmRuntime)}, padding ${formatSize(s.other)})`,
      );
      console.log(`         steps: ${Object.entries(k.steps).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")}`);
    }
    figures.kernel = kernels;
  }
  if (only.has("pipeline")) {
    const p = await benchPipeline();
    figures.pipeline = p;
    const fmt = (t: { stepsMs: Record<string, number>; totalMs: number }) =>
      `${(t.totalMs / 1000).toFixed(2)} s (${Object.entries(t.stepsMs).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`).join(", ")})`;
    console.log("\nconvert + crunch + image in one process, 3-minute stereo mp3 (goals: cold < 10 s, warm < 3 s)");
    console.log(`  cold: ${fmt(p.cold)}`);
    console.log(`  warm: ${fmt(p.warm)}`);
  }

  if (only.has("quality")) {
    const db = (x: number) => (!Number.isFinite(x) || x < -200 ? "-inf" : `${x.toFixed(1)}`);
    const quality: Record<string, unknown> = {};
    for (const board of BOARD_NAMES) {
      console.log(
        `\njack quality, ${board}, simulated: from the pulse train itself (closed-form spectrum of the M/S pulses), 20 Hz-20 kHz, worse channel` +
          `\n  (goals: shaped SNR >= 96 dB; plain THD+N <= -60 dB; shaped noise SINAD >= 90 dB, square >= 95 dB, no period at a rail; flat +-0.2 dB)`,
      );
      const q = await benchQuality(board);
      for (const f of q) {
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
      const tones = await benchToneThdn(board);
      console.log("  THD+N of -1 dBFS tones (plain: bundle pre-compensated on the host, fast / exact setting / corrected in real time by the firmware / none; shaped)");
      for (const t of tones) {
        console.log(`    ${String(t.hz / 1000).padStart(2)} kHz: plain ${db(t.plainHost)} / ${db(t.plainHostExact)} / ${db(t.plainRealTime)} / ${db(t.plainExact)} dB, shaped ${db(t.shaped)} dB`);
      }
      quality[board] = { modes: q, shaped: x, tones };
    }
    console.log("\nstart/stop thump through a first-order 20 Hz high-pass (the jack's AC coupling) and the 20 kHz band, worse channel (goal <= -60 dBFS)");
    const th = await benchThump();
    for (const t of th) console.log(`  ${t.label.padEnd(32)} ${db(t.peakDbfs)} dBFS (ramps of about ${t.rampSeconds.toFixed(1)} s each way)`);
    quality.thump = th;
    figures.quality = quality;
  }
  if (only.has("stalls")) {
    console.log("\ngaps under a 5 ms CPU stall every 100 ms (2 s of audio, Pi 4, plain)");
    const st = await benchStalls("pi4");
    figures.stalls = st;
    for (const g of st) {
      console.log(`  ${g.label.padEnd(13)} ${g.gapPeriods} gap periods at the jack, ${g.firmwareUnderruns} underrun events reported by the firmware (${g.stalls} stalls)`);
    }
  }
  if (only.has("cpu")) {
    console.log("\nfirmware CPU time per second of audio (wasm2c C built natively, hardware stubbed; goal for shaped: <= 5 % of one core)");
    const cpu = await benchCpu(10);
    figures.cpu = cpu;
    for (const c of cpu) console.log(`  ${c.label.padEnd(22)} ${(c.fraction * 100).toFixed(2)} % of one core`);
    console.log("\nfirmware instructions per second of audio (callgrind, wasm2c C built as kernel8.img builds it: -O2, memory checked by the MMU; this machine's ISA; goal for shaped: <= 100 M)");
    const ins = await benchInstructions();
    figures.instructions = ins;
    for (const c of ins) console.log(`  ${c.label.padEnd(30)} ${c.millionsPerSecond.toFixed(1)} M`);
  }
  if (only.has("qemu")) {
    const boot = await benchQemuBoot(3);
    figures.qemu = boot;
    console.log(`\nboot to first sample under QEMU raspi3b (wall time from starting QEMU): ${boot.msToFirstSample.map((m) => m.toFixed(0) + " ms").join(", ")}`);
  }
  if (ui.json) emitJson(figures);
  return 0;
}
