// piwave sim --uart / --uart-file: timed UART input from the command line (host/uart-input.ts), received
// by the simulated PL011 at the firmware's baud rate; every malformed spec is a specific usage error.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { UNTIMED_GAP_MS, decodeEscapes, parseTime, parseUartFile, parseUartSpec, scheduleUartInputs } from "../host/uart-input.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = join(ROOT, "bin", "piwave.mjs");
const dir = tempDir("piwave-uart-");
const SYNTH = join(ROOT, "examples", "synth", "src", "main.ts");
const IO_ECHO = join(ROOT, "tests", "firmware", "io-echo.ts");

async function piwave(args: string[]) {
  try {
    const r = await exec(process.execPath, [bin, ...args], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

describe("parsing", () => {
  it("times, escapes and the default spacing of untimed inputs", () => {
    expect([parseTime("0.5s"), parseTime("500ms"), parseTime("2"), parseTime(".25s"), parseTime("5x"), parseTime("")]).toEqual([500, 500, 2000, 250, undefined, undefined]);
    expect(text(decodeEscapes("a\\n\\r\\t\\\\\\:\\x07é", "x"))).toBe("a\n\r\t\\:\x07\xc3\xa9"); // é as UTF-8
    expect(parseUartSpec("1.5s:A4\\n")).toEqual({ atMs: 1500, data: new TextEncoder().encode("A4\n") });
    expect(parseUartSpec("quit\\n")).toEqual({ atMs: undefined, data: new TextEncoder().encode("quit\n") });
    expect(text(parseUartSpec("12\\:30").data)).toBe("12:30");
    expect(text(parseUartSpec("note:A4").data)).toBe("note:A4"); // not a time: text
    const s = scheduleUartInputs([
      { data: Uint8Array.of(1), what: "a" },
      { atMs: 1000, data: Uint8Array.of(2), what: "b" },
      { data: Uint8Array.of(3), what: "c" },
    ]);
    expect(s.map((x) => x.atMs)).toEqual([UNTIMED_GAP_MS, 1000, 1000 + UNTIMED_GAP_MS]);
  });

  it("refuses what it cannot read, saying what is wrong", () => {
    expect(() => parseUartSpec("5x:A4")).toThrow(`--uart "5x:A4": "5x" is not a time: give seconds or milliseconds such as 0.5s, 500ms or 2 (or write \\: for a colon in the text)`);
    expect(() => parseUartSpec("1 s:A4")).toThrow(/"1 s" is not a time/);
    expect(() => parseUartSpec("A4\\q")).toThrow(`--uart "A4\\\\q": unknown escape \\q: use \\n, \\r, \\t, \\\\, \\: or \\xHH`);
    expect(() => parseUartSpec("\\x4")).toThrow(/\\x takes two hex digits \(\\x0d\), not "\\x4"/);
    expect(() => parseUartSpec("A4\\")).toThrow(/a lone \\ at the end/);
    expect(() => parseUartSpec("1s:")).toThrow(/no text to send/);
    expect(() => parseUartFile("0.5s:" + join(dir, "missing.txt"))).toThrow(/--uart-file ".*missing\.txt": cannot read .*missing\.txt: no such file/);
    expect(() => parseUartFile(dir)).toThrow(/it is a directory/);
    expect(() => scheduleUartInputs([{ atMs: 3000, data: Uint8Array.of(1), what: `--uart "3s:x"` }], 2000)).toThrow(`--uart "3s:x" would arrive at 3.000 s, after the run's bound of 2.000 s (--seconds): it would never be sent`);
  });
});

describe("piwave sim", () => {
  it("the synth example takes a note and quit typed at given times, and halts 0", async () => {
    // The synth with its real, thump-free ramps: A4 during the ramp-up, then quit; it answers both and ramps down.
    const r = await piwave(["sim", "--entry", SYNTH, "--uart", "0.5s:wave sine\\nA4\\n", "--uart", "1s:quit\\n", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { haltCode: number; uartInput: { received: number; overruns: number; ignored: number } };
    expect(j.haltCode).toBe(0);
    expect(j.uartInput).toEqual({ received: 18, overruns: 0, ignored: 0 });
    expect(r.stderr).toMatch(/uart\| I synth: lead wave sine\n/);
    expect(r.stderr).toMatch(/uart\| I synth: note A4 440\.00 Hz, sine\n/);
    expect(r.stderr).toMatch(/uart\| I synth: quit: releasing, then the output ramps down\n/);
    expect(r.stderr.indexOf("note A4")).toBeLessThan(r.stderr.indexOf("quit: releasing"));
  }, 240_000);

  it("--uart-file sends a file's bytes; the summary says what was received", async () => {
    const f = join(dir, "typed.txt");
    writeFileSync(f, "hi\nq");
    const r = await piwave(["sim", "--entry", IO_ECHO, "--uart-file", `2ms:${f}`, "--seconds", "0.05"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/uart\| HI\n/);
    expect(r.stdout).toMatch(/^uart input {2}4 bytes sent, 4 received$/m);
  }, 240_000);

  it("a bad spec is a usage error (exit 2) naming it, before anything runs", async () => {
    const r = await piwave(["sim", "--entry", IO_ECHO, "--uart", "5x:A4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--uart "5x:A4": "5x" is not a time/);
    expect(r.stderr).not.toMatch(/uart\|/);
    const late = await piwave(["sim", "--entry", IO_ECHO, "--seconds", "1", "--uart", "2s:q"]);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/would arrive at 2\.000 s, after the run's bound of 1\.000 s/);
  }, 240_000);
});
