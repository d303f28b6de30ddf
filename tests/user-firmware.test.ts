// The user's firmware: a module that imports anything outside the ABI is refused when it is
// loaded, naming the import (library and CLI); --entry and the project file's "entry" build and
// run the user's own AssemblyScript with piwave's settings.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { ROOT, loadFirmware } from "../host/firmware.js";
import { FirmwareModuleError, checkFirmwareModule, moduleImports } from "../host/firmware-module.js";
import { ABI_IMPORTS } from "../host/sim/abi.js";
import { compileEntry } from "../host/user-firmware.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = join(ROOT, "bin", "piwave.mjs");
const dir = tempDir("piwave-userfw-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Assemble WebAssembly text with wabt's wat2wasm (a real tool piwave already needs). */
function wat(name: string, text: string): string {
  const src = join(dir, `${name}.wat`);
  const out = join(dir, `${name}.wasm`);
  writeFileSync(src, text);
  execFileSync("wat2wasm", [src, "-o", out]);
  return out;
}

const bytes = (p: string) => new Uint8Array(readFileSync(p));
const MAIN = `(memory (export "memory") 1) (func (export "main"))`;

async function piwave(args: string[], cwd = dir) {
  try {
    const r = await exec(process.execPath, [bin, ...args], { cwd, timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("checking a module against the ABI", () => {
  const foo = wat("imports-foo", readFileSync(join(ROOT, "tests", "firmware", "imports-foo.wat"), "utf8"));

  it("refuses a module that imports env.foo, naming it and the ABI", () => {
    expect(() => checkFirmwareModule(bytes(foo), "app.wasm")).toThrow(FirmwareModuleError);
    expect(() => checkFirmwareModule(bytes(foo), "app.wasm")).toThrow(/^app\.wasm imports env\.foo \(a function\), which is not in piwave's ABI; a firmware may import only env\.mmio_read, env\.mmio_write, /);
  });

  it("reads every import with its signature, in ABI_IMPORTS's notation", () => {
    expect(moduleImports(bytes(foo))).toEqual([
      { module: "env", name: "mmio_read", kind: "function", signature: ABI_IMPORTS.mmio_read },
      { module: "env", name: "foo", kind: "function", signature: "(i32) -> nil" },
    ]);
  });

  it("refuses an ABI name with the wrong signature, another module, a memory import, and says why", () => {
    const sig = wat("bad-sig", `(module (import "env" "mmio_write" (func (param i32))) ${MAIN})`);
    expect(() => checkFirmwareModule(bytes(sig), "sig.wasm")).toThrow("sig.wasm imports env.mmio_write as (i32) -> nil, but the ABI's env.mmio_write is (i32, i32) -> nil");
    const wasi = wat("wasi", `(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) ${MAIN})`);
    expect(() => checkFirmwareModule(bytes(wasi), "w.wasm")).toThrow(/imports wasi_snapshot_preview1\.fd_write/);
    const mem = wat("mem", `(module (import "env" "memory" (memory 1)) (func (export "main")))`);
    expect(() => checkFirmwareModule(bytes(mem), "m.wasm")).toThrow(/imports env\.memory \(a memory\)/);
    const abort = wat("abort", `(module (import "env" "abort" (func (param i32 i32 i32 i32))) ${MAIN})`);
    expect(() => checkFirmwareModule(bytes(abort), "a.wasm")).toThrow(/env\.abort .*--use abort=/);
  });

  it("refuses a module without main or without its memory, and bytes that are not WebAssembly", () => {
    expect(() => checkFirmwareModule(bytes(wat("no-main", `(module (memory (export "memory") 1))`)), "x.wasm")).toThrow(/does not export a function `main`/);
    expect(() => checkFirmwareModule(bytes(wat("no-mem", `(module (memory 1) (func (export "main")))`)), "x.wasm")).toThrow(/does not export its memory/);
    expect(() => checkFirmwareModule(new TextEncoder().encode("not wasm"), "song.mp3")).toThrow(/^song\.mp3 is not a valid WebAssembly module/);
  });

  it("accepts piwave's own player for both boards", () => {
    for (const board of ["pi4", "pi3"] as const) expect(checkFirmwareModule(loadFirmware(board), `player-${board}.wasm`)).toBeInstanceOf(WebAssembly.Module);
  });

  it("accepts a module that uses only the ABI", () => {
    const ok = wat("ok", `(module (import "env" "halt" (func (param i32))) ${MAIN})`);
    expect(checkFirmwareModule(bytes(ok), "ok.wasm")).toBeInstanceOf(WebAssembly.Module);
  });
});

describe("the commands take the user's firmware", () => {
  const foo = join(dir, "imports-foo.wasm");

  it("sim, build, qemu and selftest refuse a .wasm importing env.foo before doing anything (exit 1, one line)", async () => {
    for (const args of [["sim", "--wasm", foo], ["build", "--wasm", foo, "--kernel-only"], ["qemu", "--wasm", foo], ["selftest", "--sim", "--wasm", foo]]) {
      const r = await piwave(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(/imports-foo\.wasm imports env\.foo \(a function\), which is not in piwave's ABI/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("--entry and --wasm together are a usage error; a missing .wasm is named", async () => {
    expect((await piwave(["sim", "--entry", "a.ts", "--wasm", "b.wasm"])).code).toBe(2);
    const r = await piwave(["sim", "--wasm", "nothing-here.wasm"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read the firmware nothing-here\.wasm: no such file/);
  });

  it("sim --entry builds the user's AssemblyScript with piwave's settings and reports its violations (exit 4)", async () => {
    const r = await piwave(["sim", "--board", "pi3", "--entry", join(ROOT, "tests", "firmware", "no-password.ts"), "--quiet"]);
    expect(r.code).toBe(4);
  });

  it("sim --seconds stops a firmware that never halts there, and that is not a failure", async () => {
    const r = await piwave(["sim", "--entry", join(ROOT, "tests", "firmware", "io-echo.ts"), "--seconds", "0.01", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { haltCode: number | null; halt: string; virtualSeconds: number; ok: boolean };
    expect(j).toMatchObject({ haltCode: null, halt: "running at the --seconds bound", ok: true });
    expect(j.virtualSeconds).toBeCloseTo(0.01, 4);
    expect(r.stderr).toMatch(/uart\| ready/);
  });

  it("a firmware that never reads the bundle gets none: sim says it runs until it halts, build writes an empty music.pwb", async () => {
    // Before, both bundled the 4.1 MB demo music and sim said "simulating 0:23.3 of music".
    const hello = join(ROOT, "tests", "firmware", "hello.ts");
    const sim = await piwave(["sim", "--entry", hello, "--json"]);
    expect(sim.code, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout)).toMatchObject({ haltCode: 0, bundle: "none (the firmware reads no asset bundle)" });
    expect(sim.stderr).toMatch(/simulating .*hello\.ts on the pi4 until it halts, at most 3600 s of virtual time \(--seconds S to bound it\)\n/);
    expect(sim.stderr).not.toMatch(/of music/);
    const bounded = await piwave(["sim", "--entry", hello, "--seconds", "2"]);
    expect(bounded.stderr).toMatch(/until it halts, at most 2 s of virtual time\n/);
    const out = join(dir, "boot-no-music");
    const build = await piwave(["build", "--entry", hello, "--kernel-only", "--out-dir", out, "--json", "--quiet"]);
    expect(build.code, build.stderr).toBe(0);
    expect(JSON.parse(build.stdout).music).toMatchObject({ file: "music.pwb", bytes: 32 });
    expect(readFileSync(join(out, "music.pwb"))).toEqual(Buffer.from(encodeBundle([]))); // a valid header, no tracks
    // Songs given to it anyway: said, not silently ignored.
    const given = await piwave(["sim", "--entry", hello, "--bundle", join(out, "music.pwb"), "--quiet"]);
    expect(given.stderr).toMatch(/hello\.ts never reads the asset bundle \(it imports neither env\.bundle_size nor env\.bundle_read\): the music is not played/);
  }, 240_000);

  it("the project file's entry is used by sim; a change in an imported file rebuilds it", async () => {
    const project = join(dir, "synth");
    mkdirSync(join(project, "src"), { recursive: true });
    writeFileSync(join(project, "piwave.config.json"), JSON.stringify({ board: "pi4", entry: "src/main.ts" }));
    writeFileSync(join(project, "src", "code.ts"), "export const CODE: u32 = 0;\n");
    writeFileSync(
      join(project, "src", "main.ts"),
      `import { CODE } from "./code";\n@external("env", "halt") declare function halt(code: u32): void;\nexport function main(): void { halt(CODE); }\n`,
    );
    const ok = await piwave(["sim", "--json"], project);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ haltCode: 0, ok: true });
    expect(ok.stderr).toMatch(/firmware src\/main\.ts/);
    writeFileSync(join(project, "src", "code.ts"), "export const CODE: u32 = 1;\n");
    const changed = await piwave(["sim", "--json"], project);
    expect(changed.code).toBe(4);
    expect(JSON.parse(changed.stdout)).toMatchObject({ haltCode: 1, ok: false });
  });

  it("qemu --entry boots the user's firmware under QEMU raspi3b and exits 0 when it halts with 0", async () => {
    const r = await piwave(["qemu", "--entry", join(ROOT, "tests", "firmware", "hello.ts"), "--until-done", "--timeout", "60"]);
    expect(r.stdout).toMatch(/^hello from the user's firmware$/m);
    expect(r.stdout).toMatch(/halted with code 0/);
    expect(r.code).toBe(0);
  }, 240_000);

  it("build --wasm puts the user's module into kernel8.img (built with --kernel-only)", async () => {
    const wasm = (await compileEntry(join(ROOT, "tests", "firmware", "hello.ts"), "pi4")).path;
    const out = join(dir, "boot");
    const r = await piwave(["build", "--wasm", wasm, "--kernel-only", "--out-dir", out, "--json", "--quiet"]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, "kernel8.img")).includes(Buffer.from("hello from the user's firmware", "utf16le"))).toBe(true); // AssemblyScript strings are UTF-16
  }, 240_000);

  it("selftest --sim --entry gives the user's firmware the announced test sequence as its music", async () => {
    const r = await piwave(["selftest", "--sim", "--entry", join(ROOT, "firmware", "main.ts")]); // piwave's player, as a user's entry
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^I track: 1\/6 start "left channel only: 440 Hz tone, 3 s"/m);
    expect(r.stdout).toMatch(/^I track: 6\/6 end, /m);
    expect(r.stdout).not.toMatch(/I selftest:/); // not the selftest firmware
  }, 240_000);

  it("selftest without --entry is the selftest, whatever the project file names", async () => {
    const project = join(dir, "with-entry");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "piwave.config.json"), JSON.stringify({ entry: "does-not-exist.ts" }));
    const r = await piwave(["selftest", "--sim", "--board", "pi3"], project);
    expect(r.stdout).toMatch(/I selftest: ---- piwave selftest 1: paste from here/);
  }, 240_000);

  it("an entry on piwave/firmware that aborts: one log (the half-written line ends, then F abort:), halt 3, installed or not", async () => {
    const { runFirmware } = await import("../host/testing/index.js");
    const source = `import { log, uart } from "piwave/firmware";
export function main(): void {
  uart.init();
  log.begin("I", "test");
  log.str("half a line");
  throw new Error("deliberate");
}
`;
    // With node_modules/piwave (a project that installed it) and without (asc finds the running piwave through piwave's package path).
    for (const installed of [true, false]) {
      const project = join(dir, installed ? "aborts-installed" : "aborts-bare");
      mkdirSync(join(project, "src"), { recursive: true });
      writeFileSync(join(project, "src", "main.ts"), source);
      if (installed) {
        mkdirSync(join(project, "node_modules"));
        symlinkSync(ROOT, join(project, "node_modules", "piwave"), "dir");
      }
      const run = await runFirmware({ entry: join(project, "src", "main.ts"), ms: 100 });
      expect(run.haltCode, installed ? "installed" : "bare").toBe(3);
      // The handler and the program share one log: the line the abort interrupted is ended and sent first.
      expect(run.lines).toEqual(["I test: half a line", expect.stringMatching(/^F abort: deliberate at main\.ts:6:\d+$/)]);
    }
  }, 120_000);

  it("an entry that does not compile names the file and asc's error", async () => {
    const bad = join(dir, "bad.ts");
    writeFileSync(bad, "export function main(): void { nope(); }\n");
    await expect(compileEntry(bad, "pi4")).rejects.toThrow(/the AssemblyScript build of .*bad\.ts for pi4 failed[\s\S]*nope/);
  });
});
