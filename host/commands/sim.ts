/** `piwave sim`: run the firmware on the simulated Pi. */
import { mkdirSync, readFileSync, createWriteStream } from "node:fs";
import { dirname, join, relative } from "node:path";
import { type BoardName, frameRateMilliHz, getBoard } from "../boards.js";
import { BUNDLE_MAGIC, ENTRY_SIZE, HEADER_SIZE, type Track, decodeBundle } from "../bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../firmware.js";
import { writeFileAtomicSync } from "../fs-atomic.js";
import { buildCacheDir } from "../paths.js";
import { status } from "../status.js";
import { formatDuration } from "./format.js";
import type { songReport } from "../quality/song.js";
import { describeHalt } from "../sim/machine.js";
import { type WorkerRun, startSimWorker } from "../sim/run-worker.js";
import { encodeWav } from "../wav.js";
import type { UserFirmware } from "../user-firmware.js";
import { readsBundle } from "../firmware-module.js";
import { rampSpan } from "../jack-ramps.js";
import { inferOversampling } from "../testing/audio-band.js";
import { type TimedUartInput, UartInputError, parseUartFile, parseUartSpec, scheduleUartInputs } from "../uart-input.js";
import { CONVERT_OPTIONS, CONVERT_USAGE, EXIT, FIRMWARE_OPTIONS, FIRMWARE_USAGE, JSON_OPTION, UsageError, VARIANT_OPTIONS, boardOption, color, colorLogLine, emitJson, numberOption, parse, say, ui, userFirmwareOption, variantOption, warn } from "./common.js";

const USAGE = `Usage: piwave sim [SONG ...] [--bundle FILE] [--board pi4|pi3] [--out jack.wav] [--trace trace.txt]

Runs the firmware (built if needed) on the simulated Pi with the songs
(converted as \`piwave build\` converts them), an asset bundle (such as the
dist/boot/music.pwb a build leaves) or, without either, the project's
songs or the demo music (none for a --entry/--wasm firmware that reads
no bundle); streams the firmware's UART log, writes the jack
output and prints a summary. Exit code 4 when the firmware fails or breaks a
hardware rule.
  --bundle FILE       asset bundle to play
  --board NAME        pi4 (default) or pi3
  --out FILE          write the jack output as a stereo WAV at the PWM frame rate,
                      start and stop ramps included (11-19 s each by default:
                      the summary says how long they are)
  --trim-ramps        with --out: write only what lies between the ramps
  --trace FILE        write every register access with register names and fields
  --trace-limit N     record at most N accesses (default 1000000)
  --access-ns N       virtual cost of one register access (default 100)
  --timeout S         stop a run that takes longer than S wall-clock seconds (default 600)
  --quiet             print nothing but errors and warnings
  --json              print the summary as JSON
  --quality plain|shaped   firmware output mode (default plain)
  --feed poll|dma          how words reach the PWM (default poll)
  --ramp MS|thump-free     start/stop ramp length (default thump-free, 11-19 s)
  --stall MS/EVERY_MS      pause the firmware MS ms every EVERY_MS ms (e.g. 5/100)
  --seconds S              stop after S seconds of virtual time; a firmware still
                           running then is not a failure (default: 3600, a failure)
  --uart [TIME:]TEXT       type TEXT into the firmware's UART at virtual TIME
                           (0.5s, 500ms; default 0.1 s after the previous input);
                           escapes \\n \\r \\t \\\\ \\: \\xHH; repeatable, e.g.
                           --uart '1s:A4\\n' --uart '2s:quit\\n'
  --uart-file [TIME:]FILE  send FILE's bytes to the UART at TIME (repeatable)
  --report FILE            with songs or --bundle: the first song's spectrum
                           through the jack beside the source's, band by band,
                           and what the jack adds (noise, distortion), printed
                           (with --json, in the JSON) and written as HTML; the
                           source is the song as converted (with --bundle, the
                           stored samples, pre-compensated in plain mode: said)
                           Without: measure plain vs shaped on test signals
                           (SNR, THD+N, idle noise) and write an HTML report
${FIRMWARE_USAGE}${CONVERT_USAGE}`;

export interface RunOptions {
  board: BoardName;
  variant?: Variant;
  stall?: { everyMs: number; forMs: number };
  bundle: Uint8Array;
  bundleName: string;
  out?: string;
  trace?: string;
  traceLimit?: number;
  accessNs?: number;
  quiet?: boolean;
  /** Wall-clock limit of the run in seconds (default 600). */
  timeoutSec?: number;
  /** The user's firmware (--entry/--wasm) instead of the player. */
  firmware?: UserFirmware;
  /** Stop after this much virtual time (--seconds); reaching it is then not a failure. */
  maxSeconds?: number;
  /** --report FILE with music: the first song through the jack against its source (quality/song.ts), as HTML there. */
  report?: string;
  /**
   * The report's source: the first song as converted in this run, before the
   * bundle's plain-mode pre-compensation (quality/song-source.ts). Without it
   * (a --bundle file) the report uses the bundle's stored samples and says so.
   */
  reportSource?: Pick<Track, "rateMilliHz" | "pcm">;
  /**
   * A bundle read from this file: checked (host/bundle.ts) while the worker
   * starts and runs, a defect warned about (the firmware checks it too, and
   * says so over the UART).
   */
  bundleCheck?: string;
  /** --trim-ramps: the WAV holds only what lies between the start and stop ramps. */
  trimRamps?: boolean;
  /** --uart/--uart-file: bytes received on the UART's RX line at virtual times. */
  uart?: TimedUartInput[];
}

/** Run (in a worker, under a wall-clock limit), stream the UART, write outputs, print the summary. Returns the exit code. */
export async function runAndReport(o: RunOptions): Promise<{ code: number; result: WorkerRun }> {
  const board = getBoard(o.board);
  // The worker starts (its thread, the simulator's modules) while the firmware build is checked.
  const worker = startSimWorker();
  let wasm: Uint8Array<ArrayBuffer>;
  try {
    if (!o.firmware) await buildFirmware(o.board, { variant: o.variant });
    wasm = o.firmware?.bytes ?? loadFirmware(o.board, o.variant);
  } catch (e) {
    worker.cancel();
    throw e;
  }
  const music = musicSeconds(o.bundle);
  const bound = o.maxSeconds ?? SIM_MAX_SECONDS;
  if (o.firmware) {
    // A user's firmware runs until it halts (a synthesiser may never): the music in the bundle, if any, says nothing of how long.
    status(`simulating ${o.firmware.source} on the ${board.name} until it halts, at most ${bound} s of virtual time${o.maxSeconds === undefined ? " (--seconds S to bound it)" : ""}${music > 0 ? `; the bundle holds ${formatDuration(music)} of music` : ""}`);
  } else if (music > 5) status(`simulating ${formatDuration(music)} of music and the start and stop ramps on the ${board.name} (roughly ${Math.max(1, Math.round((music * (o.variant?.quality === "shaped" ? 16 : 1)) / 150))} s)`);
  const t0 = performance.now();
  lastProgress = t0;
  const running = worker.run(
    {
      board: o.board,
      wasm,
      bundle: o.bundle,
      accessNs: o.accessNs,
      stall: o.stall,
      maxSeconds: o.maxSeconds,
      trace: o.trace ? (o.traceLimit ?? 1_000_000) : false,
    },
    {
      timeoutMs: (o.timeoutSec ?? 600) * 1000,
      uart: o.uart?.length ? [...o.uart].sort((a, b) => a.atMs - b.atMs) : undefined,
      onLine: o.quiet ? undefined : (line) => say(color.dim("uart| ") + colorLogLine(line) + "\n"),
      onProgress: music > 5 ? (s) => progress(`simulated ${formatDuration(s)} of ${formatDuration(music)} (${Math.min(100, (100 * s) / music).toFixed(0)} %)`) : undefined,
    },
  );
  if (o.bundleCheck !== undefined) {
    try {
      decodeBundle(o.bundle, o.bundleCheck);
    } catch (e) {
      // Not fatal: the firmware checks the bundle too, and says so over the UART.
      warn(`${(e as Error).message}; running anyway to show the firmware's own check`);
    }
  }
  const result = await running;
  const wallMs = performance.now() - t0;
  const jack = result.jack;

  const rate = jack.rateHz;
  // The start and stop ramps (host/jack-ramps.ts): what they add to the recording, and what --trim-ramps cuts.
  const span = rampSpan(jack.left.view().subarray(0, jack.frames), jack.right.view().subarray(0, jack.frames), jack.range, inferOversampling(rate));
  if (o.out) {
    mkdirSync(dirname(o.out), { recursive: true });
    const pcm = jack.toPcm();
    const kept = o.trimRamps && span ? pcm.subarray(span.musicFrom * 2, span.musicTo * 2) : pcm;
    writeFileAtomicSync(o.out, encodeWav(kept, rate || frameRateMilliHz(board) / 1000, 2));
  }
  if (o.trace) {
    mkdirSync(dirname(o.trace), { recursive: true });
    const ws = createWriteStream(o.trace);
    for (let i = 0; i < result.trace.length; i += 10000) ws.write(result.trace.slice(i, i + 10000).join("\n") + "\n");
    if (result.traceDropped > 0) ws.write(`# trace truncated: ${result.traceDropped} more accesses not recorded (--trace-limit)\n`);
    await new Promise<void>((res, rej) => ws.end((err?: Error | null) => (err ? rej(err) : res())));
  }

  // --seconds: a firmware still running at the bound (a synthesiser that never halts) ran as asked.
  const bounded = o.maxSeconds !== undefined && result.haltCode === null && /virtual time limit/.test(result.error ?? "");
  const ok = result.haltCode === 0 || bounded;
  const seconds = (frames: number) => frames / (rate || 1);
  const lines = [
    `board       ${board.name} (${board.soc}), bundle ${o.bundleName}${o.firmware ? `, firmware ${o.firmware.source}` : ""}`,
    bounded ? `firmware    still running after ${o.maxSeconds} s of virtual time (--seconds)` : `firmware    ${describeHalt(result.haltCode)}${result.error ? ` — ${result.error}` : ""}`,
    `jack        ${jack.frames} frames at ${rate.toFixed(3)} Hz (range ${jack.range}) = ${(jack.frames / (rate || 1)).toFixed(3)} s, gaps: right ${jack.gaps[0]}, left ${jack.gaps[1]}`,
    `time        ${result.virtualSeconds.toFixed(3)} s simulated in ${(wallMs / 1000).toFixed(2)} s (${(result.virtualSeconds / (wallMs / 1000)).toFixed(0)}x real time), ${result.accesses} register accesses`,
  ];
  if (span) {
    const up = seconds(span.musicFrom);
    const down = seconds(jack.frames - span.musicTo);
    lines.push(
      `ramps       up ${up.toFixed(3)} s, down ${down.toFixed(3)} s (0 V to silence and back, so the jack does not thump); ` +
        `between them ${seconds(span.musicTo - span.musicFrom).toFixed(3)} s` +
        (o.out ? (o.trimRamps ? ": the WAV holds only that (--trim-ramps)" : ": the WAV holds all three (--trim-ramps for only the middle)") : ""),
    );
  } else if (o.trimRamps) lines.push("ramps       none found (the output never reached mid-scale): the WAV holds everything");
  if (o.uart?.length) {
    const u = result.uartInput;
    const sent = o.uart.reduce((n, x) => n + x.data.length, 0);
    lines.push(`uart input  ${sent} bytes sent, ${u.received} received${u.overruns ? `, ${u.overruns} lost (receive FIFO full: the firmware read too slowly)` : ""}${u.ignored ? `, ${u.ignored} not received (the UART or its receiver was off then)` : ""}`);
  }
  if (o.out) lines.push(`wav         ${relative(process.cwd(), o.out)}`);
  if (o.trace) lines.push(`trace       ${relative(process.cwd(), o.trace)}`);
  console.log("\n" + lines.join("\n"));
  for (const v of result.violations) {
    console.log(color.yellow(`violation   [${(v.timePs / 1e6).toFixed(3)} us] ${v.device}: ${v.message}`));
  }
  let report: ReturnType<typeof songReport> | undefined;
  // (The report's modules, like the demo's below, load only when asked for: a plain run starts sooner.)
  if (o.report && ok && result.violations.length === 0) {
    const [{ songReport, songReportHtml, songReportText }, { fullScaleAmplitude }, { songSource }] = await Promise.all([
      import("../quality/song.js"),
      import("../quality/measure.js"),
      import("../quality/song-source.js"),
    ]);
    const t = songSource(o.bundle, o.bundleName, o.reportSource);
    const quality = o.variant?.quality ?? "plain";
    const what = `"${t.name}"${t.tracks > 1 ? ` (track 1 of ${t.tracks})` : ""} on the ${board.name}, ${quality}`;
    report = songReport({
      dutyLeft: jack.left.view(),
      dutyRight: jack.right.view(),
      range: jack.range,
      osr: quality === "shaped" ? 16 : 1,
      rate: t.rateMilliHz / 1000,
      pcm: t.pcm,
      fullScaleAmplitude: fullScaleAmplitude(jack.range, quality),
      source: { kind: t.kind, precompensationRange: t.precompensationRange, note: t.note },
    });
    mkdirSync(dirname(o.report), { recursive: true });
    writeFileAtomicSync(o.report, songReportHtml(report, what));
    console.log("\n" + songReportText(report, what).join("\n"));
    console.log(`report      ${relative(process.cwd(), o.report)}`);
  }
  if (!ok) console.log(color.red(`FAILED: ${result.error ?? describeHalt(result.haltCode)}`));
  else if (result.violations.length > 0) console.log(color.red(`FAILED: the firmware broke ${result.violations.length} hardware rule(s)`));
  const code = !ok || result.violations.length > 0 ? EXIT.firmware : EXIT.ok;
  if (ui.json) {
    emitJson({
      board: board.name,
      bundle: o.bundleName,
      haltCode: result.haltCode,
      halt: bounded ? "running at the --seconds bound" : describeHalt(result.haltCode),
      error: result.error ?? null,
      jack: { frames: jack.frames, rateHz: rate, seconds: jack.frames / (rate || 1), range: jack.range, gaps: { right: jack.gaps[0], left: jack.gaps[1] } },
      virtualSeconds: result.virtualSeconds,
      wallSeconds: wallMs / 1000,
      accesses: result.accesses,
      violations: result.violations,
      uartInput: o.uart?.length ? result.uartInput : null,
      ramps: span ? { upSeconds: seconds(span.musicFrom), downSeconds: seconds(jack.frames - span.musicTo), betweenSeconds: seconds(span.musicTo - span.musicFrom), wavTrimmed: o.out !== undefined && o.trimRamps === true } : null,
      wav: o.out ?? null,
      trace: o.trace ?? null,
      report: report ? { file: o.report, ...report, plot: undefined } : null,
      ok: code === EXIT.ok,
    });
  }
  return { code, result };
}

/** The simulator's own bound on virtual time when --seconds is not given (host/sim/machine.ts maxSeconds' default). */
const SIM_MAX_SECONDS = 3600;

/** How far a long simulation is: a status line (host/status.ts) every 10 s of wall time. */
function progress(text: string): void {
  const now = performance.now();
  if (now - lastProgress < 10_000) return;
  lastProgress = now;
  status(text);
}
let lastProgress = 0;

/**
 * Seconds of music in a bundle (0 when it cannot be read: the firmware
 * reports that), from its directory alone: decoding every sample (and its
 * CRC) would hold the main thread for 0.1 s per 30 MB before the run.
 */
function musicSeconds(bundle: Uint8Array): number {
  if (bundle.length < HEADER_SIZE) return 0;
  const dv = new DataView(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  const count = dv.getUint32(8, true);
  if (dv.getUint32(0, true) !== BUNDLE_MAGIC || HEADER_SIZE + count * ENTRY_SIZE > bundle.length) return 0;
  let seconds = 0;
  for (let i = 0; i < count; i++) {
    const e = HEADER_SIZE + i * ENTRY_SIZE;
    const rate = dv.getUint32(e + 8, true) / 1000;
    if (rate > 0) seconds += dv.getUint32(e + 4, true) / rate;
  }
  return seconds;
}

export async function simCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    {
      board: { type: "string" },
      bundle: { type: "string" },
      out: { type: "string" },
      trace: { type: "string" },
      "trace-limit": { type: "string" },
      "access-ns": { type: "string" },
      quiet: { type: "boolean" },
      ...VARIANT_OPTIONS,
      stall: { type: "string" },
      seconds: { type: "string" },
      report: { type: "string" },
      timeout: { type: "string" },
      uart: { type: "string", multiple: true },
      "trim-ramps": { type: "boolean" },
      "uart-file": { type: "string", multiple: true },
      ...CONVERT_OPTIONS,
      ...FIRMWARE_OPTIONS,
      ...JSON_OPTION,
    },
    USAGE,
    { songs: true },
  );
  if (!r) return 0;
  const v = r.values;
  const variant = variantOption(v);
  let stall: { everyMs: number; forMs: number } | undefined;
  if (v.stall) {
    const m = v.stall.match(/^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/);
    if (!m || Number(m[2]) <= Number(m[1])) throw new UsageError(`--stall takes MS/EVERY_MS with MS < EVERY_MS, e.g. 5/100, not "${v.stall}"`);
    stall = { forMs: Number(m[1]), everyMs: Number(m[2]) };
  }
  if (v.report && !r.positionals.length && !v.bundle) {
    const board = boardOption(v.board);
    status(`measuring the plain and shaped output on the simulated ${board} (tones and silence through the analog model; about 20 s)`);
    const { writeReport } = await import("../quality/report.js");
    const { html, figures } = await writeReport(board, { plain: { feed: "dma" }, shaped: { quality: "shaped", feed: "dma" } });
    mkdirSync(dirname(v.report), { recursive: true });
    writeFileAtomicSync(v.report, html);
    for (const f of figures) {
      console.log(
        `${f.label.padEnd(7)} 1 kHz -1 dBFS: SNR ${f.fullScale.snrDb.toFixed(1)} dB, THD+N ${f.fullScale.thdnDb.toFixed(1)} dB; ` +
          `-60 dBFS: SNR ${f.lowLevel.snrDb.toFixed(1)} dB, THD+N ${f.lowLevel.thdnDb.toFixed(1)} dB; idle noise ${Number.isFinite(f.idleNoiseDbfs) && f.idleNoiseDbfs > -200 ? f.idleNoiseDbfs.toFixed(1) + " dBFS" : "none (exact silence)"}; ` +
          `19+20 kHz IMD ${f.twin.imdDb.toFixed(1)} dB; -3 dBFS-peak noise SINAD ${f.noiseSinadDb.toFixed(1)} dB`,
      );
    }
    console.log(`report      ${relative(process.cwd(), v.report)}`);
    return 0;
  }
  if (r.positionals.length && v.bundle) throw new UsageError("give songs or --bundle, not both");
  const firmware = await userFirmwareOption(v, r.project, boardOption(v.board), variant);
  // A firmware that never reads the bundle (host/firmware-module.ts readsBundle) gets none, not the demo music.
  const noBundle = firmware !== undefined && !readsBundle(firmware.module);
  if (noBundle && (r.positionals.length || v.bundle)) warn(`${firmware.source} never reads the asset bundle (it imports neither env.bundle_size nor env.bundle_read): the music is not played`);
  let bundle: Uint8Array;
  let bundleName: string;
  let bundleCheck: string | undefined;
  let reportSource: Track | undefined;
  if (noBundle && !r.positionals.length && !v.bundle) {
    bundle = new Uint8Array(0);
    bundleName = "none (the firmware reads no asset bundle)";
  } else if (r.positionals.length) {
    const { songsBundle } = await import("./songs.js"); // ffmpeg and the converter: only for songs
    const songs = await songsBundle(r.positionals, { board: boardOption(v.board), quality: variant.quality, values: v });
    bundle = songs.bundle;
    reportSource = v.report ? songs.converted[0] : undefined; // the report's source: the song before pre-compensation
    bundleName = r.positionals.length === 1 ? relative(process.cwd(), r.positionals[0]!) : `${r.positionals.length} songs`;
  } else {
    const bundlePath = v.bundle ?? (await import("./demo.js")).writeDemoBundle(boardOption(v.board), join(buildCacheDir(), "demo"), variant.quality ?? "plain");
    bundleName = v.bundle ? relative(process.cwd(), bundlePath) : "the demo music";
    try {
      bundle = new Uint8Array(readFileSync(bundlePath));
    } catch (e) {
      throw new Error(`cannot read the asset bundle ${bundlePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    bundleCheck = bundlePath;
  }
  if (v["trim-ramps"] && !v.out) throw new UsageError("--trim-ramps trims the WAV that --out writes: give --out FILE too");
  const maxSeconds = v.seconds === undefined ? undefined : numberOption("seconds", v.seconds, 0, 0.000001);
  const uart = uartOptions(args, maxSeconds);
  const { code } = await runAndReport({
    firmware,
    board: boardOption(v.board),
    bundle,
    bundleName,
    bundleCheck,
    out: v.out,
    trace: v.trace,
    traceLimit: numberOption("trace-limit", v["trace-limit"], 1_000_000, 1),
    accessNs: numberOption("access-ns", v["access-ns"], 100, 1),
    quiet: v.quiet === true,
    variant,
    stall,
    timeoutSec: numberOption("timeout", v.timeout, 600, 1),
    maxSeconds,
    report: v.report,
    reportSource,
    uart,
    trimRamps: v["trim-ramps"] === true,
  });
  return code;
}

/** --uart and --uart-file in the order given (untimed inputs follow the one before), parsed (host/uart-input.ts). */
function uartOptions(args: string[], maxSeconds: number | undefined): TimedUartInput[] {
  const given: { atMs?: number; data: Uint8Array; what: string }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    const m = /^--(uart|uart-file)(?:=(.*))?$/s.exec(a);
    if (!m) continue;
    const value = m[2] ?? args[++i]!;
    try {
      const p = m[1] === "uart" ? parseUartSpec(value) : parseUartFile(value);
      given.push({ ...p, what: `--${m[1]} ${JSON.stringify(value)}` });
    } catch (e) {
      if (e instanceof UartInputError) throw new UsageError(e.message);
      throw e;
    }
  }
  try {
    return scheduleUartInputs(given, maxSeconds === undefined ? undefined : maxSeconds * 1000);
  } catch (e) {
    if (e instanceof UartInputError) throw new UsageError(e.message);
    throw e;
  }
}
