// The bare-metal runtime, booted for real under QEMU raspi3b.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BOARDS, frameRateMilliHz } from "../host/boards.js";
import { encodeBundle, resealHeader } from "../host/bundle.js";
import { ROOT, buildFirmware, buildWasm } from "../host/firmware.js";
import { buildKernel } from "../host/kernel.js";
import { type MmioRecord, type QemuResult, runQemu } from "../host/qemu.js";
import { runFirmware } from "../host/testing/index.js";
import { formatAccess } from "../host/sim/trace.js";
import { compileEntry } from "../host/user-firmware.js";
import { chirpTrack, firmwareModule } from "./helpers.js";
import { Block } from "../regs/blocks.js";
import { PwmReg } from "../regs/pwm.js";
import { TimerReg } from "../regs/timer.js";
import { Pl011Reg } from "../regs/uart.js";

const WORK = join(ROOT, "build", "test-qemu");
/** The kernel cache the tests share (content-addressed, so each variant is built once). */
const KCACHE = join(ROOT, "build", "test-kernel-cache");
const board = "pi3" as const;
const base = BOARDS.pi3.peripheralBase;
const inWindow = (addr: number, off: number, size: number) => addr >= base + off && addr < base + off + size;
const isTimer = (a: number) => inWindow(a, Block.TIMER, TimerReg.BLOCK_BYTES);
const isUart = (a: number) => inWindow(a, Block.UART0, Pl011Reg.BLOCK_BYTES);
const isFif1 = (a: number) => a === base + Block.PWM0 + PwmReg.FIF1;

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let bundlePath: string;
let bundle: Uint8Array;

async function testFirmware(name: string): Promise<string> {
  return (await buildWasm(join(ROOT, "tests", "firmware", `${name}.ts`), board, join(WORK, `${name}.wasm`))).path;
}

beforeAll(() => {
  mkdirSync(WORK, { recursive: true });
  bundle = encodeBundle([chirpTrack(board, 0.25, "short chirp"), chirpTrack(board, 0.1, "shorter")]);
  bundlePath = join(WORK, "short.pwb");
  writeFileSync(bundlePath, bundle);
});

describe("QEMU raspi3b boot", () => {
  let res: QemuResult;
  beforeAll(async () => {
    const k = await buildKernel({ board, qemuExit: true, cacheDir: KCACHE });
    res = await runQemu({ image: k.image, music: bundlePath, timeoutSec: 60, untilDone: true, extraArgs: ["-d", "guest_errors,unimp", "-D", join(WORK, "plain.log")] });
  }, 120_000);

  it("prints the runtime banner, the firmware's start-up lines, each track and the summary, then halts with 0", () => {
    const l = res.lines;
    expect(l[0]).toMatch(/^I runtime: piwave kernel8\.img on pi3 \(BCM2837\), entered at EL2, running at EL1, MMU and caches on$/);
    expect(l).toContain("I boot: piwave firmware 0.2.0, board pi3 (BCM2837), peripherals at 0x3f000000");
    expect(l).toContain("I bundle: 2 tracks, 0.350 s, format v2, CRCs ok, pre-compensated for range 5669");
    expect(l).toContain("I clock: PWM clock PLLD 500000000 Hz / 2 = 250000000 Hz");
    expect(l.some((x) => x.startsWith("W pwm: registers behave as plain RAM"))).toBe(true);
    expect(l).toContain('I track: 1/2 start "short chirp", 11025 frames, 0.250 s');
    expect(l).toContain("I track: 1/2 end, 11025 frames, 0.250 s, underruns 0");
    expect(l).toContain('I track: 2/2 start "shorter", 4410 frames, 0.100 s');
    expect(l.some((x) => /^I summary: tracks=2 frames=15435 /.test(x))).toBe(true);
    expect(l.at(-1)).toBe("I runtime: halted with code 0 (done)");
    expect(res.done && !res.failed && !res.timedOut).toBe(true);
    expect(res.exitCode).toBe(0);
    expect(res.msToFirstTrack).toBeGreaterThan(0);
  });

  it("timer pacing plays in real time (QEMU has no PWM to pace it)", () => {
    const summary = res.lines.find((x) => x.startsWith("I summary:"))!;
    const elapsed = Number(summary.match(/elapsed=([\d.]+)s/)![1]);
    expect(elapsed).toBeGreaterThan(0.35);
    expect(elapsed).toBeLessThan(5);
  });

  it("QEMU logged no guest error and no unimplemented-device access", () => {
    expect(readFileSync(join(WORK, "plain.log"), "utf8")).toBe("");
  });

  it("left no QEMU process behind", () => {
    expect(alive(res.pid)).toBe(false);
  });
});

describe("QEMU's clock manager and GPIO accept every write", () => {
  it("no bcm2835_cprman_write_invalid_magic event for the firmware; the event does fire for a password-less write", async () => {
    const k = await buildKernel({ board, qemuExit: true, cacheDir: KCACHE });
    const log = join(WORK, "cprman.log");
    const r = await runQemu({ image: k.image, music: bundlePath, timeoutSec: 60, untilDone: true, extraArgs: ["-trace", "bcm2835_cprman_write_invalid_magic", "-d", "guest_errors", "-D", log] });
    expect(r.haltCode).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("");
    // Control: the same check does see a write without the password.
    const bad = await buildKernel({ board, qemuExit: true, wasmPath: await testFirmware("no-password"), cacheDir: KCACHE });
    const badLog = join(WORK, "cprman-bad.log");
    const r2 = await runQemu({ image: bad.image, music: bundlePath, timeoutSec: 30, untilDone: true, extraArgs: ["-trace", "bcm2835_cprman_write_invalid_magic", "-D", badLog] });
    expect(r2.haltCode).toBe(0);
    expect(readFileSync(badLog, "utf8")).toMatch(/bcm2835_cprman_write_invalid_magic .*0xa4.*0x6000/);
  }, 120_000);
});

describe("same firmware, same trace: QEMU vs the simulator with a RAM-backed PWM", () => {
  it("the init sequence and the first 2000 FIFO writes are identical", async () => {
    const k = await buildKernel({ board, qemuExit: true, mmioTrace: true, cacheDir: KCACHE });
    // A short song: every traced access crosses QEMU's emulated UART, slow on a loaded machine.
    const short = encodeBundle([chirpTrack(board, 0.05, "traced")]);
    const music = join(WORK, "traced.pwb");
    writeFileSync(music, short);
    const q = await runQemu({ image: k.image, music, timeoutSec: 240, untilDone: true });
    expect(q.haltCode).toBe(0);
    // The runtime set GPIO14/15 to ALT0 for its console before the firmware ran (boot/uart.c).
    const sim = await runFirmware({ board, wasm: firmwareModule(board), bundle: short, faults: { pwmIsRam: true }, gpfsel: [0, 0x24000, 0, 0, 0, 0], traceLimit: 2_000_000, ms: 120_000 });
    expect(sim.haltCode).toBe(0);
    // Comparable: everything but the timer (values are wall-clock) and the UART (carries the log).
    const keep = (r: MmioRecord) => !isTimer(r.addr) && !isUart(r.addr);
    const fromQemu = q.trace.filter(keep);
    const fromSim = [...sim.machine.trace!.entries()].filter(keep);
    const cut = (rs: MmioRecord[]) => {
      let fif = 0;
      const out: string[] = [];
      for (const r of rs) {
        out.push(formatAccess(sim.machine.bus, r.write, r.addr, r.value));
        if (isFif1(r.addr) && ++fif === 2000) break;
      }
      return out;
    };
    const a = cut(fromQemu);
    const b = cut(fromSim);
    expect(a.length).toBeGreaterThan(2030);
    expect(a.filter((x) => x.startsWith("CM_PWM")).length).toBeGreaterThanOrEqual(4);
    expect(a).toEqual(b);
  }, 300_000);
});

describe("faults are reported over the UART, then the core halts", () => {
  const cases: [string, () => Promise<string | undefined>, boolean, RegExp, number][] = [
    ["a wasm out-of-bounds read", () => testFirmware("oob"), false, /^F trap: wasm trap: out-of-bounds access in linear memory or a table/, 5],
    ["an access outside the MMIO allow-list", () => testFirmware("bad-mmio"), false, /^F mmio: refused read of 0x3f00b880: not in the sandbox's allow-list for pi3 \(BCM2837\)$/, 4],
    ["an AssemblyScript abort (a thrown Error)", () => testFirmware("abort"), false, /^F abort: deliberate failure for the test at tests\/firmware\/abort\.ts:\d+:\d+$/, 3],
    // A bad argument to a firmware-library driver, built as a user's entry: the same line as on the simulator (tests/firmware-library.test.ts).
    ["a library driver's abort (new Pin(60))", async () => (await compileEntry(join(ROOT, "tests", "firmware", "library", "bad-pin.ts"), board)).path, false, /^F abort: new Pin\(60\): GPIO pin out of range \(0-57\) at ~lib\/piwave\/firmware\/hal\/pin\.ts:\d+:\d+$/, 3],
    ["a CPU exception (data abort on an unmapped address)", async () => undefined, true, /^F exception: synchronous from current EL with SP_ELx: data abort \(translation fault, read\) ESR=0x96000005 ELR=0x[0-9a-f]{16} FAR=0x0000000080000000/, 6],
  ];
  for (const [name, wasm, selftest, message, code] of cases) {
    it(`${name}: specific report, halt code ${code}`, async () => {
      const wasmPath = await wasm();
      const k = await buildKernel({ board, qemuExit: true, wasmPath, selftestException: selftest, cacheDir: KCACHE });
      const r = await runQemu({ image: k.image, music: bundlePath, timeoutSec: 30, untilDone: true });
      expect(r.lines.some((l) => message.test(l))).toBe(true);
      expect(r.haltCode).toBe(code);
      expect(r.exitCode).toBe(code);
      expect(r.timedOut).toBe(false);
      expect(alive(r.pid)).toBe(false);
    }, 60_000);
  }
});

describe("the DMA + noise-shaped build under QEMU", () => {
  it("does not hang (QEMU's DMA ignores DREQ and loops on CB rings): it says so, paces by timer and finishes", async () => {
    const v = { quality: "shaped" as const, feed: "dma" as const };
    const wasm = (await buildFirmware(board, { variant: v })).path;
    const rate = frameRateMilliHz(BOARDS.pi3, "shaped");
    const short = join(WORK, "shaped.pwb");
    writeFileSync(short, encodeBundle([{ name: "shaped", rateMilliHz: rate, pcm: new Int16Array(Math.round(rate / 1000 * 0.05) * 2) }]));
    const k = await buildKernel({ board, qemuExit: true, wasmPath: wasm, cacheDir: KCACHE });
    const r = await runQemu({ image: k.image, music: short, timeoutSec: 60, untilDone: true });
    expect(r.lines.find((l) => l.startsWith("W pwm:"))).toMatch(/DMA not used \(QEMU's DMA ignores DREQ and hangs on circular control-block rings\)/);
    expect(r.lines.find((l) => l.startsWith("I pwm:"))).toMatch(/range 354 .* x16 = .* 3rd-order noise shaping, M\/S mode, timer pacing/);
    expect(r.lines.some((l) => l.startsWith("I summary: tracks=1"))).toBe(true);
    expect(r.haltCode).toBe(0);
    expect(r.timedOut).toBe(false);
  }, 90_000);
});

describe("time limits", () => {
  it("a run longer than its timeout is killed (timeout -s KILL), and nothing is left running", async () => {
    const long = join(WORK, "long.pwb");
    if (!existsSync(long)) writeFileSync(long, encodeBundle([chirpTrack(board, 30, "thirty seconds")]));
    const k = await buildKernel({ board, qemuExit: true, cacheDir: KCACHE });
    const t0 = performance.now();
    const r = await runQemu({ image: k.image, music: long, timeoutSec: 2, untilDone: true });
    expect(r.timedOut).toBe(true);
    expect(r.done).toBe(false);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(alive(r.pid)).toBe(false);
  }, 60_000);
});

describe("the music is a separate file, loaded at the memory map's address (issue 11.7)", () => {
  const variants: [string, (b: Uint8Array) => Uint8Array | undefined, RegExp][] = [
    ["no music loaded (file or config.txt line missing)", () => undefined, /^E bundle: no music at 0x06000000 \(found 0x00000000 instead of the "PWAV" header\): the card needs music\.pwb and the line `initramfs music\.pwb 0x06000000` in config\.txt, both written by piwave build$/],
    ["a damaged header", (b) => { const c = b.slice(); c[8]! ^= 0x40; return c; }, /^E bundle: music\.pwb at 0x06000000 is damaged: header CRC mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): copy the file to the card again$/],
    ["a size larger than the music region", (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(12, 0x7fff_ffff, true); resealHeader(c); return c; }, /^E bundle: music\.pwb at 0x06000000 says it is 2147483647 bytes; the memory map leaves 352321536 for music/],
    ["damaged audio (the firmware's own check)", (b) => { const c = b.slice(); c[c.length - 100]! ^= 1; return c; }, /^E bundle: track 2 "shorter".*CRC/],
  ];
  for (const [name, mutate, line] of variants) {
    it(`${name}: one specific E bundle: line, halt 1, no trap, no exception`, async () => {
      const k = await buildKernel({ board, qemuExit: true, cacheDir: KCACHE });
      const data = mutate(bundle);
      let music: string | undefined;
      if (data) {
        music = join(WORK, `music-${name.replace(/\W+/g, "-")}.pwb`);
        writeFileSync(music, data);
      }
      const r = await runQemu({ image: k.image, music, timeoutSec: 30, untilDone: true });
      expect(r.lines.filter((l) => l.startsWith("E bundle:"))).toHaveLength(1);
      expect(r.lines.some((l) => line.test(l))).toBe(true);
      expect(r.lines.some((l) => l.startsWith("F "))).toBe(false);
      expect(r.haltCode).toBe(1);
      expect(r.exitCode).toBe(1);
    }, 60_000);
  }

  it("the same kernel8.img plays different music: only the file changes (a comma in its path too)", async () => {
    const k = await buildKernel({ board, qemuExit: true, cacheDir: KCACHE });
    const other = join(WORK, "other, with a comma.pwb");
    writeFileSync(other, encodeBundle([chirpTrack(board, 0.1, "another song")]));
    const r = await runQemu({ image: k.image, music: other, timeoutSec: 30, untilDone: true });
    expect(r.lines).toContain(`I runtime: music at 0x06000000, ${readFileSync(other).length} bytes`);
    expect(r.lines).toContain('I track: 1/1 start "another song", 4410 frames, 0.100 s');
    expect(r.haltCode).toBe(0);
  }, 60_000);
});

describe("piwave qemu --serial pty, watched by piwave monitor; one TCG thread", () => {
  /** Every process below `pid` (children listed by /proc/PID/task/TID/children). */
  function descendants(pid: number): number[] {
    const out: number[] = [];
    const walk = (p: number) => {
      let tasks: string[] = [];
      try {
        tasks = readdirSync(`/proc/${p}/task`);
      } catch {
        return;
      }
      for (const t of tasks) {
        let kids = "";
        try {
          kids = readFileSync(`/proc/${p}/task/${t}/children`, "utf8");
        } catch {
          continue;
        }
        for (const k of kids.trim().split(/\s+/).filter(Boolean).map(Number)) {
          out.push(k);
          walk(k);
        }
      }
    };
    walk(pid);
    return out;
  }
  const threadNames = (pid: number) => readdirSync(`/proc/${pid}/task`).map((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8").trim());

  it("prints the pty path, starts the Pi on a line of input, the monitor shows the run and exits 0", async () => {
    const bin = join(ROOT, "bin", "piwave.mjs");
    const env = { ...process.env, NO_COLOR: "1" };
    const q = spawn(process.execPath, [bin, "qemu", "--serial", "pty", "--bundle", bundlePath, "--timeout", "60"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let mon: ReturnType<typeof spawn> | undefined;
    try {
      let qout = "";
      q.stdout!.on("data", (c) => (qout += c));
      q.stderr!.on("data", (c) => (qout += c));
      const qExit = new Promise<number | null>((r) => q.on("close", (c) => r(c)));
      const t0 = Date.now();
      while (!/UART on (\/dev\/pts\/\d+)/.test(qout)) {
        if (Date.now() - t0 > 90_000) throw new Error(`no pty path printed: ${qout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const pty = qout.match(/UART on (\/dev\/pts\/\d+)/)![1]!;
      expect(qout).toContain(`piwave monitor --port ${pty}`);
      // -accel tcg,thread=single: one "ALL CPUs/TCG" thread instead of one per core of the raspi3b's four.
      const qemuPid = descendants(q.pid!).find((p) => readFileSync(`/proc/${p}/comm`, "utf8").startsWith("qemu-system"));
      expect(qemuPid).toBeDefined();
      // A thread names itself once it runs: wait until the TCG thread has.
      let threads = threadNames(qemuPid!);
      for (let i = 0; i < 100 && !threads.some((n) => n.endsWith("/TCG")); i++) {
        await new Promise((r) => setTimeout(r, 50));
        threads = threadNames(qemuPid!);
      }
      expect(threads.filter((n) => n === "ALL CPUs/TCG")).toHaveLength(1);
      expect(threads.filter((n) => /^CPU \d+\/TCG$/.test(n))).toEqual([]);
      mon = spawn(process.execPath, [bin, "monitor", "--port", pty, "--until-done", "--timestamps", "off"], { env, stdio: ["ignore", "pipe", "pipe"] });
      let mout = "";
      let merr = "";
      mon.stdout!.on("data", (c) => (mout += c));
      mon.stderr!.on("data", (c) => (merr += c));
      const monExit = new Promise<number | null>((r) => mon!.on("close", (c) => r(c)));
      while (!merr.includes("connected to")) {
        if (Date.now() - t0 > 90_000) throw new Error(`monitor did not connect: ${merr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      q.stdin!.write("\n");
      const code = await Promise.race([monExit, new Promise((r) => setTimeout(() => r("timeout"), 60_000))]);
      expect(code, `monitor: ${mout}\n${merr}\npiwave qemu: ${qout}`).toBe(0);
      expect(mout).toMatch(/^I runtime: piwave kernel8\.img on pi3/m);
      expect(mout).toContain('I track: 1/2 start "short chirp"');
      expect(mout).toMatch(/^I summary: tracks=2 /m);
      // piwave qemu ends with QEMU, although its standard input is still open.
      expect(await qExit).toBe(0);
      expect(qout).toContain("QEMU exited with 0");
      expect(alive(qemuPid)).toBe(false);
    } finally {
      mon?.kill("SIGKILL");
      q.kill("SIGKILL");
    }
  }, 150_000);
  it("Ctrl-C during a run: piwave qemu exits 130 at once and QEMU is gone", async () => {
    const long = join(WORK, "long.pwb");
    writeFileSync(long, encodeBundle([chirpTrack(board, 20, "twenty seconds")]));
    const q = spawn(process.execPath, [join(ROOT, "bin", "piwave.mjs"), "qemu", "--bundle", long, "--timeout", "90"], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      q.stdout!.on("data", (c) => (out += c));
      const exit = new Promise<number | null>((r) => q.on("close", (c) => r(c)));
      const t0 = Date.now();
      while (!out.includes('I track: 1/1 start "twenty seconds"')) {
        if (Date.now() - t0 > 90_000) throw new Error(`the track did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const qemuPid = descendants(q.pid!).find((p) => readFileSync(`/proc/${p}/comm`, "utf8").startsWith("qemu-system"));
      expect(qemuPid).toBeDefined();
      q.kill("SIGINT");
      expect(await exit).toBe(130);
      expect(out).not.toContain("I summary:");
      // Killed: gone, or a zombie waiting for its new parent to reap it (SIGKILL'd processes cannot run).
      const running = () => {
        try {
          return alive(qemuPid) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${qemuPid}/stat`, "utf8"));
        } catch {
          return false; // gone between the two looks
        }
      };
      for (let i = 0; i < 40 && running(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(running()).toBe(false);
    } finally {
      q.kill("SIGKILL");
    }
  }, 150_000);
});
