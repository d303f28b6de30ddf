/**
 * The `piwave` command line. Each sub-command lives in host/commands/.
 */
import { parseArgs } from "node:util";
import { benchCommand } from "./commands/bench.js";
import { buildCommand } from "./commands/build.js";
import { flashCommand } from "./commands/flash.js";
import { imageCommand } from "./commands/image.js";
import { monitorCommand } from "./commands/monitor.js";
import { qemuCommand } from "./commands/qemu.js";
import { demoCommand } from "./commands/demo.js";
import { firmwareCommand } from "./commands/firmware.js";
import { simCommand } from "./commands/sim.js";
import { selftestCommand } from "./commands/selftest.js";
import { UsageError } from "./commands/common.js";

const USAGE = `piwave — play music bare-metal out of a Raspberry Pi's 3.5 mm jack

Usage: piwave <command> [options]

Commands:
  demo        build the firmware and the demo music, run it on the simulated
              Pi and write the jack output (dist/demo/jack-<board>.wav)
  build       songs → the Pi's boot files in dist/boot (kernel8.img with the
              music, config.txt, Raspberry Pi firmware)
  image       pack dist/boot into an SD card image, dist/piwave.img
  flash       copy the boot files to a card, or write the image to one
  monitor     the serial console: the firmware's log from a USB-TTL cable
  qemu        boot the Pi 3 image under QEMU raspi3b, UART on the terminal
  sim         run the firmware on the simulated Pi with an asset bundle
  firmware    compile the AssemblyScript firmware to build/firmware/<board>.wasm
  bench       measure the simulator's speed
  selftest    a card that measures a real board and plays a test sequence
  help        this text; \`piwave <command> --help\` for a command's options
`;

type Command = (args: string[]) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  build: buildCommand,
  image: imageCommand,
  flash: flashCommand,
  monitor: monitorCommand,
  qemu: qemuCommand,
  sim: simCommand,
  firmware: firmwareCommand,
  bench: benchCommand,
  selftest: selftestCommand,
};

export async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false });
  const name = positionals[0];
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`piwave: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await cmd(argv.slice(1));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`piwave ${name}: ${e.message}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`piwave ${name}: error: ${msg}\n`);
    return 1;
  }
}
