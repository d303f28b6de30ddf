/** `piwave qemu`: boot the Pi 3 image under QEMU raspi3b, UART on the terminal. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomicSync } from "../fs-atomic.js";
import { buildCacheDir } from "../paths.js";
import { CONVERT_OPTIONS, CONVERT_USAGE, bundleFromSongs } from "./songs.js";
import { buildKernel } from "../kernel.js";
import { runQemu } from "../qemu.js";
import { EXIT, FIRMWARE_OPTIONS, FIRMWARE_USAGE, UsageError, color, colorLogLine, numberOption, parse, say, userFirmwareOption } from "./common.js";
import { writeDemoBundle } from "./demo.js";

const USAGE = `Usage: piwave qemu [SONG ...] [--until-done] [--bundle FILE] [--timeout S] [--trace-mmio]

Builds the Pi 3 image (QEMU 7.2 has no Pi 4 machine) and boots it with
qemu-system-aarch64 -M raspi3b -serial stdio, streaming the UART. QEMU has no
PWM model: the firmware notices and paces itself with the system timer, so
playback takes real time.
  --until-done    exit 0 when the firmware prints its summary and halts
                  cleanly; non-zero on an error, a trap or the timeout
  SONG ...        songs, converted for the Pi 3 as \`piwave build\` converts them
  --bundle FILE   asset bundle (default: the project's songs, else the demo music)
  --timeout S     hard limit, QEMU is killed after it (default 120; exit code 124)
  --trace-mmio    print every register access the firmware makes
${FIRMWARE_USAGE}${CONVERT_USAGE}Exit code 4 when the firmware fails (the halt code is printed).
`;

export async function qemuCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    { "until-done": { type: "boolean" }, bundle: { type: "string" }, timeout: { type: "string" }, "trace-mmio": { type: "boolean" }, ...CONVERT_OPTIONS, ...FIRMWARE_OPTIONS },
    USAGE,
    { songs: true },
  );
  if (!r) return 0;
  let bundlePath: string;
  if (r.positionals.length && r.values.bundle) throw new UsageError("give songs or --bundle, not both");
  if (r.positionals.length) {
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
  const userFw = await userFirmwareOption(r.values, r.project, "pi3");
  const k = await buildKernel({ board: "pi3", bundlePath, qemuExit: true, mmioTrace: r.values["trace-mmio"] === true, wasmPath: userFw?.path });
  console.log(color.dim(`booting ${k.image} under qemu-system-aarch64 -M raspi3b (timeout ${timeoutSec} s)`));
  const res = await runQemu({
    image: k.image,
    timeoutSec,
    untilDone: r.values["until-done"] === true,
    onLine: (l) => say(colorLogLine(l) + "\n"),
  });
  if (r.values["trace-mmio"]) console.log(color.dim(`${res.trace.length} MMIO accesses traced`));
  if (res.timedOut) {
    console.log(color.red(`QEMU killed after the ${timeoutSec} s timeout${res.done ? "" : " before the firmware finished"}`));
    return EXIT.timeout;
  }
  // The player ends with its summary line; the user's firmware only has to halt with 0.
  const ok = (res.done || userFw !== undefined) && !res.failed && res.haltCode === 0;
  console.log(ok ? color.green(`firmware finished in ${(res.wallMs / 1000).toFixed(1)} s`) : color.red(`firmware did not finish cleanly (halt code ${res.haltCode ?? "none"})`));
  return ok ? EXIT.ok : EXIT.firmware;
}
