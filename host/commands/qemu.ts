/** `piwave qemu`: boot the Pi 3 image under QEMU raspi3b, UART on the terminal. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultCacheDir } from "../audio/convert.js";
import { ROOT } from "../firmware.js";
import { buildKernel } from "../kernel.js";
import { runQemu } from "../qemu.js";
import { UsageError, color, colorLogLine, numberOption, parse } from "./common.js";
import { writeDemoBundle } from "./demo.js";

const USAGE = `Usage: piwave qemu [--until-done] [--bundle FILE] [--timeout S] [--trace-mmio]

Builds the Pi 3 image (QEMU 7.2 has no Pi 4 machine) and boots it with
qemu-system-aarch64 -M raspi3b -serial stdio, streaming the UART. QEMU has no
PWM model: the firmware notices and paces itself with the system timer, so
playback takes real time.
  --until-done    exit 0 when the firmware prints its summary and halts
                  cleanly; non-zero on an error, a trap or the timeout
  --bundle FILE   asset bundle (default: the demo music)
  --timeout S     hard limit, QEMU is killed after it (default 120)
  --trace-mmio    print every register access the firmware makes
`;

export async function qemuCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    { "until-done": { type: "boolean" }, bundle: { type: "string" }, timeout: { type: "string" }, "trace-mmio": { type: "boolean" } },
    USAGE,
  );
  if (!r) return 0;
  let bundlePath: string;
  if (r.values.bundle) {
    bundlePath = resolve(r.values.bundle);
    if (!existsSync(bundlePath)) throw new UsageError(`asset bundle ${r.values.bundle} does not exist`);
  } else {
    bundlePath = writeDemoBundle("pi3", join(ROOT, "build", "demo"));
  }
  const timeoutSec = numberOption("timeout", r.values.timeout, 120, 1);
  const k = await buildKernel({ board: "pi3", qemuExit: true, mmioTrace: r.values["trace-mmio"] === true, cacheDir: defaultCacheDir() });
  console.log(color.dim(`booting ${k.image} under qemu-system-aarch64 -M raspi3b (timeout ${timeoutSec} s)`));
  const res = await runQemu({
    image: k.image,
    music: bundlePath,
    timeoutSec,
    untilDone: r.values["until-done"] === true,
    onLine: (l) => process.stdout.write(colorLogLine(l) + "\n"),
  });
  if (r.values["trace-mmio"]) console.log(color.dim(`${res.trace.length} MMIO accesses traced`));
  if (res.timedOut) {
    console.log(color.red(`QEMU killed after the ${timeoutSec} s timeout${res.done ? "" : " before the firmware finished"}`));
    return 124;
  }
  const ok = res.done && !res.failed && res.haltCode === 0;
  console.log(ok ? color.green(`firmware finished in ${(res.wallMs / 1000).toFixed(1)} s`) : color.red(`firmware did not finish cleanly (halt code ${res.haltCode ?? "none"})`));
  return ok ? 0 : res.haltCode && res.haltCode > 0 ? res.haltCode : 1;
}
