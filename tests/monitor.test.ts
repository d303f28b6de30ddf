// piwave monitor on real pseudo-terminals: socat pty pairs, writers in child processes.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PortChoiceError, listFromSysfs, pickPort } from "../host/serial/ports.js";
import { ROOT } from "../host/firmware.js";
import { LineAssembler, type LineEvent } from "../host/serial/lines.js";
import { printable } from "../host/serial/monitor.js";
import { buildKernel } from "../host/kernel.js";
import { musicLoaderArgs } from "../host/qemu.js";
import { encodeBundle } from "../host/bundle.js";
import { chirpTrack } from "./helpers.js";
import { cleanup, tempDir } from "./pipeline/disks.js";

const bin = new URL("../bin/piwave.mjs", import.meta.url).pathname;
const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});
// Temporary directories (tempDir) are removed after the last test, also when tests failed.
afterAll(cleanup);

const SUMMARY = "I summary: tracks=1 frames=10 ramp_frames=2 underruns=3 fifo_empty=0 late_refills=0 fifo_overflow=0 log_dropped=0 elapsed=0.250s";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A pty pair: the monitor opens `b`, writers write to `a`. */
async function socat(dir: string): Promise<{ proc: ChildProcess; a: string; b: string }> {
  const a = join(dir, "a");
  const b = join(dir, "b");
  const proc = spawn("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
  started.push(proc);
  await waitFor(() => existsSync(a) && existsSync(b), "socat's ptys");
  return { proc, a, b };
}

/** Write to the pty from another process (a writer in the same process can deadlock). */
function writeFrom(path: string, data: string | Buffer): void {
  const r = spawnSync(process.execPath, ["-e", `require("fs").writeFileSync(process.argv[1], require("fs").readFileSync(0))`, path], { input: Buffer.from(data) });
  if (r.status !== 0) throw new Error(`writer failed: ${r.error?.message ?? r.stderr}`);
}

interface Mon {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function monitor(args: string[], opts: { uid?: number; gid?: number } = {}): Mon {
  const proc = spawn(process.execPath, [bin, "monitor", ...args], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], ...opts });
  started.push(proc);
  let out = "";
  let err = "";
  proc.stdout!.on("data", (c) => (out += c));
  proc.stderr!.on("data", (c) => (err += c));
  const exit = new Promise<number | null>((r) => proc.on("close", (code) => r(code)));
  return { proc, out: () => out, err: () => err, exit };
}

describe("piwave monitor over a pty", () => {
  it("splits lines across chunk boundaries, strips CR, stamps each line, logs exactly what was received, flushes stale input", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    writeFrom(a, "STALE: written before anyone listened\n");
    const log = join(dir, "uart.log");
    const m = monitor(["--port", b, "--log", log, "--timestamps", "time"]);
    await waitFor(() => m.err().includes("connected to"), "the monitor to connect");
    const chunks = ["I boot: piwave firmware 0.1.0, board pi4\r\nI bund", "le: 2 tracks, 2", "3.285 s, format v1, CRCs ok\r", "\nW pwm: no", " PWM\nI track: 1/2 start \"Ünïcödé ✓\"\n"];
    for (const c of chunks) {
      writeFrom(a, c);
      await sleep(60);
    }
    await waitFor(() => m.out().includes("Ünïcödé"), "the last line");
    m.proc.kill("SIGINT");
    expect(await m.exit).toBe(0);
    const lines = m.out().trim().split("\n");
    expect(lines.map((l) => l.replace(/^\[\d\d:\d\d:\d\d\.\d{3}\] /, ""))).toEqual([
      "I boot: piwave firmware 0.1.0, board pi4",
      "I bundle: 2 tracks, 23.285 s, format v1, CRCs ok",
      "W pwm: no PWM",
      'I track: 1/2 start "Ünïcödé ✓"',
    ]);
    for (const l of lines) expect(l).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] /);
    expect(m.out()).not.toContain("STALE");
    expect(readFileSync(log)).toEqual(Buffer.from(chunks.join("")));
    expect(m.err()).toMatch(/monitor: 4 lines, \d+ bytes, 0 reconnects, 0 errors seen/);
  }, 30_000);

  it("delta time stamps count from the previous line", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const m = monitor(["--port", b, "--timestamps", "delta"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    writeFrom(a, "I one\n");
    await sleep(400);
    writeFrom(a, "I two\n");
    await waitFor(() => m.out().includes("I two"), "line two");
    m.proc.kill("SIGINT");
    await m.exit;
    const [one, two] = m.out().trim().split("\n");
    expect(one).toBe("[+0.000s] I one");
    const d = Number(two!.match(/^\[\+(\d+\.\d{3})s\] I two$/)![1]);
    expect(d).toBeGreaterThan(0.3);
    expect(d).toBeLessThan(2);
  }, 30_000);

  it("survives an unplug (socat killed) and a replug on the same link, losing no line", async () => {
    const dir = tempDir("piwave-mon-");
    const first = await socat(dir);
    const m = monitor(["--port", first.b, "--timestamps", "off"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    writeFrom(first.a, "I before the unplug\nI half a li");
    await waitFor(() => m.out().includes("before the unplug"), "the first line");
    first.proc.kill("SIGKILL");
    await waitFor(() => m.err().includes("disconnected from"), "the disconnect");
    await sleep(500);
    const second = await socat(dir);
    await waitFor(() => m.err().includes("reconnected to"), "the reconnect");
    writeFrom(second.a, "I after the replug\n");
    await waitFor(() => m.out().includes("after the replug"), "the line after");
    m.proc.kill("SIGINT");
    expect(await m.exit).toBe(0);
    expect(m.out().split("\n")).toEqual(["I before the unplug", "I half a li", "I after the replug", ""]);
    expect(m.err()).toMatch(/reconnected to .*\/b after \d+\.\d s/);
    expect(m.err()).toMatch(/monitor: 3 lines, \d+ bytes, 1 reconnect, 0 errors seen/);
  }, 30_000);

  it("--until-done: exit 0 after the summary and a clean halt", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const m = monitor(["--port", b, "--until-done"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    writeFrom(a, `${SUMMARY}\nI runtime: halted with code 0 (done)\n`);
    expect(await m.exit).toBe(0);
    expect(m.err()).toMatch(/monitor: 2 lines, \d+ bytes, 0 reconnects, 0 errors seen, firmware underruns 3, halted with code 0/);
  }, 30_000);

  it("--until-done: a merged or forged summary/halt line does not end the run; the real ones do", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const m = monitor(["--port", b, "--until-done", "--timestamps", "off"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    // A summary merged behind a track line, a halt line with trailing text, one with a control character.
    writeFrom(a, `I track: 1/2 end, 10 frames${SUMMARY}\nxI runtime: halted with code 0 (done)\nI runtime: halted with code 0 (done) and more\nI runtime: halted with code 0 (done)\u0085\n`);
    await waitFor(() => m.out().includes("and more"), "the forged lines");
    await sleep(2000); // longer than the 1.5 s a real summary waits for its halt line
    expect(m.proc.exitCode).toBeNull();
    writeFrom(a, `${SUMMARY}\nI runtime: halted with code 0 (done)\n`);
    expect(await m.exit).toBe(0);
    expect(m.err()).toMatch(/firmware underruns 3, halted with code 0/);
  }, 30_000);

  it("--until-done: non-zero on a trap, with the halt code", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const m = monitor(["--port", b, "--until-done", "--timestamps", "off"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    writeFrom(a, "I boot: piwave\nF trap: wasm trap: out-of-bounds access in linear memory or a table\nI runtime: halted with code 5 (wasm trap)\n");
    expect(await m.exit).toBe(4); // the firmware failed; its halt code is in the summary
    expect(m.out()).toContain("F trap: wasm trap");
    expect(m.err()).toMatch(/1 error seen, halted with code 5/);
  }, 30_000);

  it("garbage from a wrong baud rate: a hint to check it", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const m = monitor(["--port", b]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    writeFrom(a, Buffer.from(Array.from({ length: 300 }, (_, i) => [0xfe, 0x80, 0x01, 0xe0, 0x7f, 0x9c][i % 6]!)));
    await waitFor(() => m.err().includes("baud rate"), "the baud hint");
    m.proc.kill("SIGINT");
    await m.exit;
    expect(m.err()).toMatch(/\d+ of \d+ characters received are not text: is the baud rate right\? piwave firmware talks 115200 8N1/);
  }, 30_000);

  it("a port another program holds: 'port busy'", async () => {
    const dir = tempDir("piwave-mon-");
    const { b } = await socat(dir);
    const first = monitor(["--port", b]);
    await waitFor(() => first.err().includes("connected to"), "connect");
    const second = monitor(["--port", b]);
    expect(await second.exit).toBe(1);
    expect(second.err()).toMatch(/port busy: another program has it open/);
    first.proc.kill("SIGINT");
    await first.exit;
  }, 30_000);

  it("a port that does not exist", async () => {
    const m = monitor(["--port", "/dev/ttyUSB-piwave-none"]);
    expect(await m.exit).toBe(1);
    expect(m.err()).toMatch(/\/dev\/ttyUSB-piwave-none: no such port/);
  }, 30_000);

  it.skipIf(process.getuid?.() !== 0)("permission denied: says which group to join", async () => {
    const dir = tempDir("piwave-mon-");
    spawnSync("chmod", ["755", dir]);
    const { b } = await socat(dir);
    const m = monitor(["--port", b], { uid: 65534, gid: 65534 });
    expect(await m.exit).toBe(1);
    expect(m.err()).toMatch(/permission denied\. Add yourself to the group that owns it \(usually dialout\): sudo usermod -aG dialout \$USER/);
  }, 30_000);
});

describe("piwave monitor: hardening (issue 10 items 10-12, issue 12 item 20)", () => {
  it("--until-done ends when the summary was merged into another line: the halt line alone ends it", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const m = monitor(["--port", b, "--until-done", "--timestamps", "off"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    writeFrom(a, 'I track: 9/9 end "x"I summary: tracks=9 frames=10 ramp_frames=2 underruns=0 fifo_empty=0\r\nI runtime: halted with code 0 (done)\r\n');
    expect(await m.exit).toBe(0);
    expect(m.out()).toContain("I runtime: halted with code 0 (done)");
    expect(m.err()).toMatch(/halted with code 0/);
  }, 30_000);

  it("a line without end: shown cut at 4096 bytes with a marker, the next line intact, the log byte-exact", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const log = join(dir, "uart.log");
    const m = monitor(["--port", b, "--timestamps", "off", "--log", log]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    const long = Buffer.alloc(300_000, "A");
    const sent = Buffer.concat([long, Buffer.from("\r\nI after the long line\r\n")]);
    writeFrom(a, sent);
    await waitFor(() => m.out().includes("I after the long line"), "the line after");
    m.proc.kill("SIGINT");
    expect(await m.exit).toBe(0);
    const shown = m.out().split("\n");
    expect(shown[0]).toBe("A".repeat(4096) + " … [line cut: longer than 4096 bytes; all of it is in the log]");
    expect(shown[1]).toBe("I after the long line");
    expect(readFileSync(log)).toEqual(sent);
    expect(m.err()).toMatch(new RegExp(`monitor: 2 lines, ${sent.length} bytes, .*1 over-long line cut for display`));
  }, 30_000);

  it("control characters from the wire are shown escaped, not sent to the terminal", async () => {
    const dir = tempDir("piwave-mon-");
    const { a, b } = await socat(dir);
    const m = monitor(["--port", b, "--timestamps", "off"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    writeFrom(a, "I evil \x1b]0;owned\x07\x1b[2J\tend\n");
    await waitFor(() => m.out().includes("end"), "the line");
    m.proc.kill("SIGINT");
    await m.exit;
    expect(m.out()).toBe("I evil \\x1b]0;owned\\x07\\x1b[2J\tend\n");
  }, 30_000);

  it("--log in a directory that does not exist: a clear message before connecting, no stack trace", async () => {
    const dir = tempDir("piwave-mon-");
    const { b } = await socat(dir);
    const m = monitor(["--port", b, "--log", join(dir, "nope", "uart.log")]);
    expect(await m.exit).toBe(2);
    expect(m.err()).toContain(`piwave monitor: --log: cannot write ${join(dir, "nope", "uart.log")}: the directory ${join(dir, "nope")} does not exist.`);
    expect(m.err()).not.toMatch(/at .*\.ts:\d+|Unhandled|node:events/);
  }, 30_000);

  it.skipIf(process.getuid?.() !== 0)("--log on a read-only file system: a clear message (root: a read-only tmpfs)", async () => {
    const dir = tempDir("piwave-mon-");
    const ro = join(dir, "ro");
    mkdirSync(ro);
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", ro]).status).toBe(0);
    try {
      const { b } = await socat(dir);
      const m = monitor(["--port", b, "--log", join(ro, "uart.log")]);
      expect(await m.exit).toBe(2);
      expect(m.err()).toContain(`--log: cannot write ${join(ro, "uart.log")}: ${ro} is on a read-only filesystem`);
    } finally {
      spawnSync("umount", [ro]);
    }
  }, 30_000);

  it.skipIf(process.getuid?.() !== 0)("--log on a disk that fills mid-session (a 64 KiB tmpfs): lines keep showing, one warning, the bytes not logged reported", async () => {
    const dir = tempDir("piwave-mon-");
    const small = join(dir, "small");
    mkdirSync(small);
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", small]).status).toBe(0);
    try {
      const { a, b } = await socat(dir);
      const log = join(small, "uart.log");
      const m = monitor(["--port", b, "--timestamps", "off", "--log", log]);
      await waitFor(() => m.err().includes("connected to"), "connect");
      const lines = Array.from({ length: 3000 }, (_, i) => `I line ${String(i).padStart(4, "0")} ${"x".repeat(40)}\r\n`);
      const total = Buffer.byteLength(lines.join(""));
      for (let i = 0; i < lines.length; i += 500) writeFrom(a, lines.slice(i, i + 500).join(""));
      await waitFor(() => m.out().includes("I line 2999"), "the last line", 20_000);
      m.proc.kill("SIGINT");
      expect(await m.exit).toBe(0);
      expect(m.out().trim().split("\n")).toHaveLength(3000);
      const warnings = m.err().split("\n").filter((l) => l.includes("the disk is full"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/--log .*uart\.log: the disk is full after \d+ bytes; the log stops there, lines keep showing/);
      const logged = readFileSync(log);
      expect(logged.length).toBeGreaterThan(0);
      expect(logged).toEqual(Buffer.from(lines.join("")).subarray(0, logged.length));
      expect(m.err()).toContain(`; ${total - logged.length} bytes received were not logged (the log failed)`);
    } finally {
      spawnSync("umount", [small]);
    }
  }, 60_000);

  it("--wait: waits for a port that does not exist yet, then connects; says how to quit", async () => {
    const dir = tempDir("piwave-mon-");
    const m = monitor(["--port", join(dir, "b"), "--wait", "--timestamps", "off"]);
    await waitFor(() => m.err().includes("waiting for"), "the waiting note");
    expect(m.err()).toContain(`waiting for ${join(dir, "b")} to appear (plug the adapter in; Ctrl-C to stop)`);
    const { a } = await socat(dir);
    await waitFor(() => m.err().includes("connected to"), "connect");
    expect(m.err()).toMatch(/connected to .* at 115200 8N1 \(Ctrl-C to quit\)/);
    writeFrom(a, "I hello after the wait\n");
    await waitFor(() => m.out().includes("hello after the wait"), "the line");
    m.proc.kill("SIGINT");
    expect(await m.exit).toBe(0);
  }, 30_000);

  it("without --wait, a missing port says that --wait exists", async () => {
    const m = monitor(["--port", "/dev/ttyUSB-piwave-none"]);
    expect(await m.exit).toBe(1);
    expect(m.err()).toContain("(--wait waits for it to appear)");
  }, 30_000);
});

describe("line assembly", () => {
  const collect = (max?: number) => {
    const got: LineEvent[] = [];
    return { got, la: new LineAssembler((e) => got.push(e), max) };
  };

  it("splits at LF across chunks, drops one CR before it, keeps UTF-8 split across chunks whole", () => {
    const { got, la } = collect();
    const bytes = Buffer.from("I one\r\nI twö ✓\n\nI three");
    for (let i = 0; i < bytes.length; i += 3) la.push(bytes.subarray(i, i + 3));
    la.flush();
    expect(got).toEqual([
      { text: "I one", cut: false, complete: true },
      { text: "I twö ✓", cut: false, complete: true },
      { text: "", cut: false, complete: true },
      { text: "I three", cut: false, complete: false }, // flushed without its newline: shown, never a whole line
    ]);
  });

  it("never holds more than maxLine bytes, whatever arrives without a newline (the old parser held it all)", () => {
    const { got, la } = collect(100);
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      la.push(Buffer.alloc(64, 0x41));
      most = Math.max(most, la.buffered);
    }
    la.push(Buffer.from("tail\nnext\n"));
    expect(most).toBeLessThanOrEqual(100);
    expect(got).toEqual([
      { text: "A".repeat(100), cut: true, complete: false },
      { text: "next", cut: false, complete: true },
    ]);
    expect(la.cutLines).toBe(1);
  });

  it("printable escapes C0/C1 controls and DEL, keeps tab and text", () => {
    expect(printable("a\x1b[0m\tb\x7f\u009bc ✓")).toBe("a\\x1b[0m\tb\\x7f\\x9bc ✓");
  });
});

describe("finding the adapter", () => {
  /** A sysfs tree as a CP2102 and a CH340 would make it (no USB adapter exists on this machine). */
  function fakeSysfs(): string {
    const root = tempDir("piwave-sys-");
    const usb = (dev: string, vid: string, pid: string, serial: string, product: string) => {
      const d = join(root, "devices", "pci0000:00", "usb1", dev);
      mkdirSync(join(d, `${dev}:1.0`, "ttyUSB"), { recursive: true });
      writeFileSync(join(d, "idVendor"), vid + "\n");
      writeFileSync(join(d, "idProduct"), pid + "\n");
      writeFileSync(join(d, "serial"), serial + "\n");
      writeFileSync(join(d, "product"), product + "\n");
      return join(d, `${dev}:1.0`);
    };
    mkdirSync(join(root, "class", "tty", "ttyUSB0"), { recursive: true });
    symlinkSync(usb("1-1", "10c4", "ea60", "0001", "CP2102 USB to UART"), join(root, "class", "tty", "ttyUSB0", "device"));
    mkdirSync(join(root, "class", "tty", "ttyUSB1"), { recursive: true });
    symlinkSync(usb("1-2", "1a86", "7523", "", "USB Serial"), join(root, "class", "tty", "ttyUSB1", "device"));
    mkdirSync(join(root, "class", "tty", "tty0"), { recursive: true }); // a console: no device link
    return root;
  }

  it("reads VID/PID/serial from sysfs when udevadm is missing", () => {
    const ports = listFromSysfs(fakeSysfs());
    expect(ports).toEqual([
      { path: "/dev/ttyUSB0", vendorId: "10c4", productId: "ea60", serialNumber: "0001", manufacturer: undefined, product: "CP2102 USB to UART" },
      { path: "/dev/ttyUSB1", vendorId: "1a86", productId: "7523", serialNumber: "", manufacturer: undefined, product: "USB Serial" },
    ]);
  });

  it("one adapter is taken; several need --port (listed); none lists every port", async () => {
    const cp = { path: "/dev/ttyUSB0", vendorId: "10c4", adapter: "Silicon Labs CP210x" };
    const ch = { path: "/dev/ttyUSB1", vendorId: "1a86", adapter: "WCH CH340" };
    const plain = { path: "/dev/ttyS0" };
    expect(await pickPort([plain, cp])).toBe(cp);
    await expect(pickPort([cp, ch])).rejects.toThrow(/several USB-serial adapters are plugged in; choose one with --port:\n {2}\/dev\/ttyUSB0 {2}Silicon Labs CP210x/);
    await expect(pickPort([plain])).rejects.toThrow(PortChoiceError);
    await expect(pickPort([plain])).rejects.toThrow(/no USB-serial adapter found .*\n {2}\/dev\/ttyS0\nGive one with --port/);
  });
});

describe("end to end: QEMU's UART on a pty, watched by piwave monitor", () => {
  it("shows the firmware's boot and track lines and exits 0 when it is done", async () => {
    const dir = tempDir("piwave-qmon-");
    const bundlePath = join(dir, "b.pwb");
    writeFileSync(bundlePath, encodeBundle([chirpTrack("pi3", 0.2, "over the wire")]));
    // The kernel cache the QEMU tests share: the kernel is compiled once, not per test.
    const k = await buildKernel({ board: "pi3", qemuExit: true, cacheDir: join(ROOT, "build", "test-kernel-cache") });
    // -S: QEMU starts paused, so nothing is written before the monitor listens; `cont` on its monitor starts it.
    const qemu = spawn("timeout", ["-s", "KILL", "60", "qemu-system-aarch64", "-M", "raspi3b", "-kernel", k.image, ...musicLoaderArgs(bundlePath), "-serial", "pty", "-display", "none", "-semihosting", "-nodefaults", "-S", "-monitor", "stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    started.push(qemu);
    let qout = "";
    qemu.stdout!.on("data", (c) => (qout += c));
    qemu.stderr!.on("data", (c) => (qout += c));
    await waitFor(() => /char device redirected to (\/dev\/pts\/\d+)/.test(qout), "QEMU's pty");
    const pty = qout.match(/char device redirected to (\/dev\/pts\/\d+)/)![1]!;
    const m = monitor(["--port", pty, "--until-done", "--timestamps", "off"]);
    await waitFor(() => m.err().includes("connected to"), "connect");
    qemu.stdin!.write("cont\n");
    const code = await m.exit;
    expect(m.out()).toMatch(/^I runtime: piwave kernel8\.img on pi3/m);
    expect(m.out()).toContain('I track: 1/1 start "over the wire", 8820 frames, 0.200 s');
    expect(m.out()).toMatch(/^I summary: tracks=1 frames=8820 /m);
    expect(code).toBe(0);
    qemu.kill("SIGKILL");
  }, 60_000);
});
