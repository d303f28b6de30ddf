/** `piwave monitor`: the serial console for piwave firmware. */
import { createInterface } from "node:readline/promises";
import { LogError, Monitor, OpenError, type TimestampMode } from "../serial/monitor.js";
import { type PortInfo, PortChoiceError, describePort, listPorts, pickPort } from "../serial/ports.js";
import { EXIT, UsageError, color, numberOption, parse, say } from "./common.js";

const USAGE = `Usage: piwave monitor [--port PATH] [options]

Shows the firmware's UART log from a USB-TTL cable (or any serial port, such
as QEMU's -serial pty). Without --port it finds the adapter (FTDI, CP210x,
CH340, PL2303, Raspberry Pi Debug Probe).
  --list                   list serial ports and exit
  --port PATH              the port (e.g. /dev/ttyUSB0)
  --baud N                 default 115200 (8N1)
  --timestamps off|time|delta   host time stamp per line (default time)
  --log FILE               append exactly what is received to FILE
  --raw                    pass the bytes through; --hex as a hex dump
  --until-done             exit when the firmware finishes: 0 when it halts
                           cleanly, 4 on an error or trap (the halt code is
                           in the summary), 1 when the port closes first
  --no-reconnect           end when the cable is unplugged
  --wait                   wait for the port (or, without --port, an
                           adapter) to appear instead of failing
Colours follow the log level (E/F red, W yellow); NO_COLOR turns them off.
Lines longer than 4096 bytes are cut on screen (marked; --log keeps them).
Ctrl-C quits, with a one-line summary.
`;

export async function monitorCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    {
      list: { type: "boolean" },
      port: { type: "string" },
      baud: { type: "string" },
      timestamps: { type: "string" },
      log: { type: "string" },
      raw: { type: "boolean" },
      hex: { type: "boolean" },
      "until-done": { type: "boolean" },
      "no-reconnect": { type: "boolean" },
      wait: { type: "boolean" },
    },
    USAGE,
  );
  if (!r) return 0;
  const v = r.values;
  if (v.list) {
    const ports = await listPorts();
    if (!ports.length) console.log("no serial ports");
    for (const p of ports) console.log(describePort(p));
    return 0;
  }
  const ts = (v.timestamps ?? "time") as TimestampMode;
  if (!["off", "time", "delta"].includes(ts)) throw new UsageError(`--timestamps takes off, time or delta, not "${v.timestamps}"`);
  let port: PortInfo;
  if (v.port) {
    port = (await listPorts()).find((p) => p.path === v.port) ?? { path: v.port };
  } else {
    let told = false;
    for (;;) {
      try {
        port = await pickPort(await listPorts(), process.stdin.isTTY ? choose : undefined);
        break;
      } catch (e) {
        if (!(e instanceof PortChoiceError)) throw e;
        if (v.wait && /no USB-serial adapter found/.test(e.message)) {
          if (!told) process.stderr.write(color.dim("-- waiting for a USB-serial adapter to be plugged in (Ctrl-C to stop)") + "\n");
          told = true;
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        process.stderr.write(`piwave monitor: ${e.message}${/no USB-serial adapter found/.test(e.message) ? "\n(--wait waits for one)" : ""}\n`);
        return 2;
      }
    }
  }
  const note = (s: string) => process.stderr.write(color.dim(`-- ${s}`) + "\n");
  const m = new Monitor({
    path: port.path,
    serialNumber: port.serialNumber,
    baud: numberOption("baud", v.baud, 115200, 50),
    timestamps: ts,
    log: v.log,
    raw: v.raw === true || v.hex === true,
    hex: v.hex === true,
    untilDone: v["until-done"] === true,
    reconnect: v["no-reconnect"] !== true,
    wait: v.wait === true,
    write: (s) => say(s),
    note,
  });
  const onSignal = () => void m.finish(0);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let code: number;
  try {
    code = await m.run();
  } catch (e) {
    if (e instanceof OpenError) {
      process.stderr.write(`piwave monitor: ${e.message}${!v.wait && /no such port/.test(e.message) ? " (--wait waits for it to appear)" : ""}\n`);
      return 1;
    }
    if (e instanceof LogError) {
      process.stderr.write(`piwave monitor: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  process.stderr.write(m.summary() + "\n");
  return code === 0 ? EXIT.ok : m.stats.haltCode !== null ? EXIT.firmware : EXIT.error;
}

async function choose(adapters: PortInfo[]): Promise<PortInfo> {
  adapters.forEach((p, i) => console.log(`${i + 1}) ${describePort(p)}`));
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const a = Number(await rl.question(`which one (1-${adapters.length})? `));
      if (Number.isInteger(a) && a >= 1 && a <= adapters.length) return adapters[a - 1]!;
    }
  } finally {
    rl.close();
  }
}
