/**
 * The `piwave` command line. Each sub-command lives in host/commands/ and is
 * loaded only when it runs, so that `piwave --help` starts at once.
 */
// Nothing is imported up front: the help and the version need none of it.

type Command = (args: string[]) => Promise<number>;

/** Name → [one-line summary, loader]. */
const COMMANDS: Record<string, [string, () => Promise<Command>]> = {
  build: ["songs → the SD card's boot files in dist/boot (kernel8.img with the music, config.txt, Raspberry Pi firmware)", async () => (await import("./commands/build.js")).buildCommand],
  image: ["pack dist/boot into an SD card image, dist/piwave.img", async () => (await import("./commands/image.js")).imageCommand],
  flash: ["copy the boot files to a card, or write the image to one", async () => (await import("./commands/flash.js")).flashCommand],
  sim: ["play songs (or the demo) on the simulated Pi: UART log, jack output, summary", async () => (await import("./commands/sim.js")).simCommand],
  qemu: ["boot the Pi 3 image under QEMU raspi3b, UART on the terminal", async () => (await import("./commands/qemu.js")).qemuCommand],
  monitor: ["the serial console: the firmware's log from a USB-TTL cable", async () => (await import("./commands/monitor.js")).monitorCommand],
  demo: ["the whole chain on the demo music, ending in the simulated jack (dist/demo)", async () => (await import("./commands/demo.js")).demoCommand],
  firmware: ["compile the firmware (AssemblyScript → WebAssembly)", async () => (await import("./commands/firmware.js")).firmwareCommand],
  bench: ["measure piwave's speed and the simulated sound quality", async () => (await import("./commands/bench.js")).benchCommand],
  init: ["a new firmware project: your own AssemblyScript firmware, its test, the settings to build it", async () => (await import("./commands/init.js")).initCommand],
  selftest: ["a card that measures a real board and plays an announced test sequence", async () => (await import("./commands/selftest.js")).selftestCommand],
};

function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join("\n" + " ".repeat(indent));
}

const USAGE = `piwave — play music bare-metal out of a Raspberry Pi's 3.5 mm jack

Usage: piwave <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, [summary]]) => `  ${name.padEnd(10)}${wrap(summary, 66, 12)}`)
  .join("\n")}

Options for every command:
  -h, --help     the command's options        -q, --quiet    only errors and warnings
  --version      piwave's version             --json         a JSON document on stdout
                                                             (build, sim, bench, flash --list)
\`piwave help <command>\` is \`piwave <command> --help\`. Settings a project
always uses can go in piwave.config.json (see the README).
`;

/** Run `piwave` with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (first === "--help" || first === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (first === "--version" || first === "-V") {
    process.stdout.write(`${(await import("./paths.js")).packageVersion()}\n`);
    return 0;
  }
  let name = first;
  let args = rest;
  if (first === "help") {
    if (rest[0] === undefined) {
      process.stdout.write(USAGE);
      return 0;
    }
    name = rest[0];
    args = ["--help"];
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const { nearest } = await import("./project.js");
    const near = nearest(name, Object.keys(COMMANDS));
    process.stderr.write(`piwave: unknown command "${name}"${near ? ` (did you mean "${near}"?)` : ""}; \`piwave --help\` lists the commands\n`);
    return 2;
  }
  const { EXIT, UsageError, configureOutput } = await import("./commands/common.js");
  // --quiet/--json before the command's own parsing, so that everything it prints follows them.
  const options = args.slice(0, args.includes("--") ? args.indexOf("--") : args.length);
  configureOutput({ quiet: options.includes("--quiet") || options.includes("-q"), json: options.includes("--json") });
  const { exitCodeFor, interruptedBy } = await import("./interrupt.js");
  try {
    const cmd = await entry[1]();
    const code = await cmd(args);
    const sig = interruptedBy();
    if (!sig) return code;
    await (await import("./child-process.js")).waitForChildren();
    return exitCodeFor(sig);
  } catch (e) {
    const sig = interruptedBy();
    if (sig) {
      process.stderr.write(`piwave ${name}: interrupted (${sig})\n`);
      await (await import("./child-process.js")).waitForChildren();
      return exitCodeFor(sig);
    }
    if (e instanceof UsageError) {
      process.stderr.write(`piwave ${name}: ${e.message}\n`);
      return EXIT.usage;
    }
    let msg = e instanceof Error ? e.message : String(e);
    const err = e as NodeJS.ErrnoException;
    if (err.path && err.code && ["ENOENT", "ENOTDIR", "EACCES", "EPERM", "EROFS", "ENOSPC"].includes(err.code)) {
      const { cacheDir } = await import("./paths.js");
      const cache = cacheDir();
      if (err.path.startsWith(cache)) {
        msg = `cannot write piwave's cache directory ${cache} (${err.code} at ${err.path}): set PIWAVE_CACHE_DIR or XDG_CACHE_HOME to a writable folder, or pass --cache-dir DIR`;
      }
    }
    process.stderr.write(`piwave ${name}: error: ${msg}\n`);
    if (process.env.PIWAVE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return EXIT.error;
  }
}
