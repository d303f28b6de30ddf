/** `piwave qemu`: boot the Pi 3 image under QEMU raspi3b, UART on the terminal. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomicSync } from "../fs-atomic.js";
import { buildCacheDir, cacheDir as userCacheDir } from "../paths.js";
import { CONVERT_OPTIONS, CONVERT_USAGE, bundleFromSongs } from "./songs.js";
import { buildKernel } from "../kernel.js";
import { exitCodeFor, interruptSignal, interruptedBy } from "../interrupt.js";
import { runQemu } from "../qemu.js";
import { EXIT, FIRMWARE_OPTIONS, FIRMWARE_USAGE, UsageError, color, colorLogLine, numberOption, parse, say, userFirmwareOption, warn } from "./common.js";
import { readsBundle } from "../firmware-module.js";
import { writeDemoBundle } from "./demo.js";

const USAGE = `Usage: piwave qemu [SONG ...] [--until-done] [--bundle FILE] [--timeout S] [--trace-mmio] [--serial stdio|pty]

Builds the Pi 3 image (QEMU 7.2 has no Pi 4 machine) and boots it with
qemu-system-aarch64 -M raspi3b -serial stdio, streaming the UART; what you
type (Enter sends the line) or pipe in goes to the firmware's UART, from its
first line of its own on (echo 'A4' | piwave qemu --entry ...). QEMU has no
PWM model: the firmware notices and paces itself with the system timer, so
playback takes real time.
  --until-done    exit 0 when the firmware prints its summary and halts
                  cleanly; non-zero on an error, a trap or the timeout
  SONG ...        songs, converted for the Pi 3 as \`piwave build\` converts them
  --bundle FILE   asset bundle (default: the project's songs, else the demo music;
                  none for a --entry/--wasm firmware that reads no bundle)
  --timeout S     hard limit, QEMU is killed after it (default 120; exit code 124)
  --trace-mmio    print every register access the firmware makes
  --serial pty    put the UART on a pseudo-terminal instead, for
                  \`piwave monitor --port PTY\` in another terminal: piwave
                  prints the path and the Pi starts when you press Enter
QEMU runs with -accel tcg,thread=single (one host core for the one-core guest).
${FIRMWARE_USAGE}${CONVERT_USAGE}Exit code 4 when the firmware fails (the halt code is printed).
`;

export async function qemuCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    { "until-done": { type: "boolean" }, bundle: { type: "string" }, timeout: { type: "string" }, "trace-mmio": { type: "boolean" }, serial: { type: "string" }, ...CONVERT_OPTIONS, ...FIRMWARE_OPTIONS },
    USAGE,
    { songs: true },
  );
  if (!r) return 0;
  const serial = r.values.serial ?? "stdio";
  if (serial !== "stdio" && serial !== "pty") throw new UsageError(`--serial takes stdio or pty, not "${serial}"`);
  if (serial === "pty" && (r.values["until-done"] || r.values["trace-mmio"])) {
    throw new UsageError("with --serial pty the UART goes to the pty, not here: use `piwave monitor --port PTY --until-done` there (--trace-mmio needs --serial stdio)");
  }
  let bundlePath: string | undefined;
  if (r.positionals.length && r.values.bundle) throw new UsageError("give songs or --bundle, not both");
  const userFw = await userFirmwareOption(r.values, r.project, "pi3");
  // A firmware that never reads the asset bundle (host/firmware-module.ts readsBundle) boots without one, not with the demo music.
  const noBundle = userFw !== undefined && !readsBundle(userFw.module);
  if (noBundle && (r.positionals.length || r.values.bundle)) warn(`${userFw.source} never reads the asset bundle (it imports neither env.bundle_size nor env.bundle_read): the music is not played`);
  if (noBundle && !r.positionals.length && !r.values.bundle) {
    bundlePath = undefined;
  } else if (r.positionals.length) {
    bundlePath = join(buildCacheDir(), "qemu", "music-pi3.pwb");
    mkdirSync(dirname(bundlePath), { recursive: true });
    writeFileAtomicSync(bundlePath, await bundleFromSongs(r.positionals, { board: "pi3", quality: "plain", values: r.values }));
  } else if (r.values.bundle) {
    bundlePath = resolve(r.values.bundle);
    if (!existsSync(bundlePath)) throw new UsageError(`asset bundle ${r.values.bundle} does not exist`);
  } else {
    bundlePath = writeDemoBundle("pi3", join(buildCacheDir(), "demo"));
  }
  const timeoutSec = numberOption("timeout", r.values.timeout, 120, 1);
  const k = await buildKernel({ board: "pi3", qemuExit: true, mmioTrace: r.values["trace-mmio"] === true, wasmPath: userFw?.path, cacheDir: userCacheDir() });
  console.log(color.dim(`booting ${k.image} under qemu-system-aarch64 -M raspi3b (timeout ${timeoutSec} s)`));
  if (serial === "pty") return runOnPty(k.image, bundlePath, timeoutSec);
  let res;
  try {
    res = await runQemu({
      image: k.image,
      music: bundlePath,
      timeoutSec,
      untilDone: r.values["until-done"] === true,
      onLine: (l) => say(colorLogLine(l) + "\n"),
      signal: interruptSignal(),
      // What is typed here (a line at a time, as the terminal sends it) or piped in reaches the firmware's UART.
      input: process.stdin,
    });
  } finally {
    process.stdin.destroy(); // an open terminal or pipe would keep node running
  }
  const sig = interruptedBy();
  if (sig) return exitCodeFor(sig);
  if (r.values["trace-mmio"]) console.log(color.dim(`${res.trace.length} register accesses traced`));
  if (res.timedOut) {
    console.log(color.red(`QEMU killed after the ${timeoutSec} s timeout${res.done ? "" : " before the firmware finished"}`));
    return EXIT.timeout;
  }
  // The player ends with its summary line; the user's firmware only has to halt with 0.
  const ok = (res.done || userFw !== undefined) && !res.failed && res.haltCode === 0;
  console.log(ok ? color.green(`firmware finished in ${(res.wallMs / 1000).toFixed(1)} s`) : color.red(`firmware did not finish cleanly (halt code ${res.haltCode ?? "none"})`));
  return ok ? EXIT.ok : EXIT.firmware;
}

/** `--serial pty`: print the pty, start the Pi on Enter (or a line / end of input when not a terminal), wait for QEMU. */
async function runOnPty(image: string, music: string | undefined, timeoutSec: number): Promise<number> {
  const res = await runQemu({
    image,
    music,
    timeoutSec,
    serial: "pty",
    signal: interruptSignal(),
    onPty: (path, start) => {
      console.log(`UART on ${path}: in another terminal run\n  piwave monitor --port ${path}`);
      console.log(process.stdin.isTTY ? "QEMU is paused: press Enter here to start the Pi." : "QEMU is paused until a line (or the end) arrives on standard input.");
      const go = () => {
        process.stdin.off("data", go);
        process.stdin.off("end", go);
        process.stdin.pause();
        console.log(color.dim("starting the Pi"));
        start();
      };
      process.stdin.on("data", go);
      process.stdin.on("end", go);
      process.stdin.resume();
    },
  });
  // Done with standard input (an open pipe would keep node running).
  process.stdin.destroy();
  const sig = interruptedBy();
  if (sig) return exitCodeFor(sig);
  if (res.timedOut) {
    console.log(color.red(`QEMU killed after the ${timeoutSec} s timeout`));
    return EXIT.timeout;
  }
  console.log(`QEMU exited with ${res.exitCode ?? "a signal"}`);
  return res.exitCode ?? 1;
}
