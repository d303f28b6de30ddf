// examples/synth booted for real: its kernel8.img (the synth's wasm AOT-compiled and linked with the
// bare-metal runtime) under QEMU raspi3b. QEMU has no PWM model, so the audio output finds plain RAM
// behind the PWM registers and paces frames with the system timer; the UART is QEMU's serial on a
// pseudo-terminal, where this test reads the log and types commands, as a user at a terminal would.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ReadlineParser } from "@serialport/parser-readline";
import { SerialPort } from "serialport";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { buildKernel } from "../host/kernel.js";
import { parseSummary } from "../host/log-line.js";
import { type QemuResult, runQemu } from "../host/qemu.js";
import { compileEntry } from "../host/user-firmware.js";
import { tempDir } from "./temp.js";

const project = tempDir("piwave-synth-qemu-");
mkdirSync(join(project, "node_modules"));
symlinkSync(ROOT, join(project, "node_modules", "piwave"), "dir");
cpSync(join(ROOT, "examples", "synth", "src"), join(project, "src"), { recursive: true });

const bin = join(ROOT, "bin", "piwave.mjs");

/** `piwave ARGS` with `input` piped into its standard input; resolves with its exit code and output. */
function piwavePiped(args: string[], input: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: project, env: { ...process.env, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs); // piwave then kills its QEMU and exits
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe("the synth example under QEMU raspi3b", () => {
  it("piwave qemu --serial stdio: commands piped into it reach the firmware's UART", async () => {
    // Before, QEMU's standard input was /dev/null: the synth never heard a command and played until the timeout.
    const r = await piwavePiped(["qemu", "--entry", join(project, "src", "main.ts"), "--until-done", "--timeout", "90"], "wave sine\nA4\nvol 20\nquit\n", 150_000);
    const lines = r.stdout.split("\n");
    expect(lines.filter((l) => /^I synth: (lead|note|volume|quit)/.test(l)), r.stdout + r.stderr).toEqual([
      "I synth: lead wave sine",
      "I synth: note A4 440.00 Hz, sine",
      "I synth: volume 20 %",
      "I synth: quit: releasing, then the output ramps down",
    ]);
    expect(r.stdout).toMatch(/^I runtime: halted with code 0 \(done\)$/m);
    expect(r.code).toBe(0);
  }, 180_000);


  it("boots, logs, plays a note typed on the serial line, and halts(0) on quit", async () => {
    const wasm = (await compileEntry(join(project, "src", "main.ts"), "pi3")).path;
    // The kernel a card gets (no semihosting exit): after halt it waits in wfe, and QEMU is stopped here once
    // the halt line has been read, so no line is lost to QEMU closing the pty first.
    const k = await buildKernel({ board: "pi3", wasmPath: wasm, cacheDir: join(ROOT, "build", "test-kernel-cache") });
    const stop = new AbortController();
    const lines: string[] = [];
    let port: SerialPort | undefined;
    const sent: string[] = [];
    const send = (text: string) => {
      sent.push(text);
      port!.write(text);
    };
    let res: QemuResult;
    try {
      res = await runQemu({
        image: k.image,
        serial: "pty",
        timeoutSec: 90,
        signal: stop.signal,
        onPty: (path, start) => {
          port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
          const parser = port.pipe(new ReadlineParser({ delimiter: "\n" }));
          parser.on("data", (raw: string) => {
            const line = raw.replace(/\r$/, "");
            if (line !== "") lines.push(line); // the runtime starts with a newline
            // Answer the synth as a player would: once it is ready a note, once the note sounds quit.
            if (line.startsWith("I synth: ready:")) send("wave sine\r\nA4\r\n");
            if (line === "I synth: note A4 440.00 Hz, sine") send("vol 20\nquit\n");
            if (line.startsWith("I runtime: halted")) stop.abort();
          });
          port.open((e) => {
            if (e) throw e;
            start();
          });
        },
      });
    } finally {
      await new Promise<void>((resolve) => (port?.isOpen ? port.close(() => resolve()) : resolve()));
    }
    // Stopped here after the halt line (a kill, as far as runQemu can tell), long before its time limit.
    expect(lines.at(-1), lines.join("\n")).toBe("I runtime: halted with code 0 (done)");
    expect(res.wallMs).toBeLessThan(85_000);
    expect(lines[0]).toMatch(/^I runtime: piwave kernel8\.img on pi3 \(BCM2837\)/);
    expect(lines).toContain("I synth: piwave synth example on pi3, 44099.488 Hz");
    // The output found no PWM: timer pacing (audio/output.ts), the same code path a card never takes.
    expect(lines.some((l) => l.startsWith("W pwm: registers behave as plain RAM"))).toBe(true);
    expect(lines).toContain("I pwm: PWM0 at 0x3f20c000, range 5669 (12.47 bits), sample rate 44099.488 Hz, M/S mode, timer pacing");
    expect(lines).toContain("I arp: step 4 C5");
    expect(sent).toEqual(["wave sine\r\nA4\r\n", "vol 20\nquit\n"]);
    const answers = lines.filter((l) => /^I synth: (lead|note|volume|quit)/.test(l));
    expect(answers).toEqual(["I synth: lead wave sine", "I synth: note A4 440.00 Hz, sine", "I synth: volume 20 %", "I synth: quit: releasing, then the output ramps down"]);
    const summary = lines.map(parseSummary).find((s) => s !== null);
    expect(summary?.tracks, lines.join("\n")).toBe(1);
    // Timer pacing plays in real time: the intro (0.5 s) and the note's release at least.
    expect(summary!.frames).toBeGreaterThan(0.5 * 44099);
    expect(lines.at(-1)).toBe("I runtime: halted with code 0 (done)");
  }, 180_000);
});
