// The ARM clock through the VideoCore mailbox (issue 11 item 6): the ABI's mailbox_call, its allow-list, the simulator's model, and QEMU.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, buildWasm } from "../host/firmware.js";
import { buildKernel } from "../host/kernel.js";
import { runQemu } from "../host/qemu.js";
import { MAILBOX_TAGS } from "../host/sim/mailbox.js";
import { simulate } from "../host/sim/machine.js";
import { runFirmware } from "../host/testing/index.js";
import { constantTrack, firmwareModule, payloadMusic } from "./helpers.js";

const WORK = join(ROOT, "build", "test-mailbox");
const KCACHE = join(ROOT, "build", "test-kernel-cache");
let probeWasm: Record<"pi4" | "pi3", string>;
beforeAll(async () => {
  mkdirSync(WORK, { recursive: true });
  const entry = join(ROOT, "tests", "firmware", "mailbox-probe.ts");
  probeWasm = {
    pi4: (await buildWasm(entry, "pi4", join(WORK, "probe-pi4.wasm"))).path,
    pi3: (await buildWasm(entry, "pi3", join(WORK, "probe-pi3.wasm"))).path,
  };
}, 120_000);
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

/** piwave's player on a tiny song, with the faults given. */
const play = (board: "pi4" | "pi3", faults?: { mailbox: "silent" | "error" }) =>
  runFirmware({ board, wasm: firmwareModule(board), bundle: [constantTrack(board, 100, 0, 0)], ms: 120_000, traceLimit: 0, faults });

const ARM = 0x00030002, ARM_MAX = 0x00030004, SET = 0x00038002;

describe("ARM clock on the simulator", () => {
  it("pi4: logs 600 MHz raised to 1500 MHz, after get, get max, set, get", async () => {
    const r = await play("pi4");
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("I cpu: ARM clock 600.000 MHz, raised to 1500.000 MHz (the maximum)");
    expect(r.machine.mailbox.armHz).toBe(1_500_000_000);
    expect(r.machine.mailbox.calls.map((c) => c.tags)).toEqual([[ARM], [ARM_MAX], [SET], [ARM]]);
    // Before the bundle is read and long before the PWM starts.
    expect(r.lines.findIndex((l) => l.startsWith("I cpu:"))).toBeLessThan(r.lines.findIndex((l) => l.startsWith("I bundle:")));
  });

  it("pi3: 600 MHz raised to 1200 MHz", async () => {
    const r = await play("pi3");
    expect(r.lines).toContain("I cpu: ARM clock 600.000 MHz, raised to 1200.000 MHz (the maximum)");
  });

  it("a mailbox that never answers: a W line, the clock untouched, the music plays", async () => {
    const r = await play("pi4", { mailbox: "silent" });
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("W cpu: the VideoCore mailbox did not answer (get ARM clock rate): ARM clock left as the boot firmware set it");
    expect(r.machine.mailbox.armHz).toBe(600_000_000);
    expect(r.machine.mailbox.calls).toHaveLength(1);
    expect(r.jack.frames).toBeGreaterThan(0);
  });

  it("a mailbox that answers with an error: a W line naming the code, the music plays", async () => {
    const r = await play("pi4", { mailbox: "error" });
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("W cpu: the VideoCore refused get ARM clock rate (response 0x80000001): ARM clock left as the boot firmware set it");
  });
});

const REFUSALS: [number, string, RegExp][] = [
  [1, "a tag outside the allow-list", /refused: tag not in the allow-list: 0x00038003/i],
  [2, "set clock rate for the core clock", /refused: set clock rate is allowed for the ARM clock \(id 3\) only, not id 0x00000004/i],
  [3, "word 0 not len", /refused: word 0 \(the message size\) differs from len 0x0000001c/i],
  [4, "a message outside linear memory", /mailbox_call: range 0xfffffff0\+32 is outside linear memory/i],
  [5, "no end tag", /refused: no end tag within len, at byte 0x0000001c/i],
  [6, "a value buffer past len", /refused: value buffer (runs past len|size not allowed for this tag)/i],
];

describe("mailbox_call refusals on the simulator", () => {
  for (const [probe, name, message] of REFUSALS) {
    it(`${name}: refused, the call never returns`, () => {
      const r = simulate({ board: "pi4", wasm: new Uint8Array(readFileSync(probeWasm.pi4)), bundle: payloadMusic([probe]), maxSeconds: 5 });
      expect(r.lines).toContain("I probe: calling");
      expect(r.lines.some((l) => l.startsWith("E probe:"))).toBe(false);
      expect(`${r.error ?? ""} ${r.lines.join("\n")}`).toMatch(message);
      expect(r.haltCode === null || r.haltCode === 4).toBe(true);
      expect(r.machine.mailbox.calls).toHaveLength(0);
    });
  }
});

describe("one allow-list", () => {
  it("boot/abi.c takes MBOX_TAGS from the generated boot/regs.h, which holds the simulator's tags and sizes (regs/mailbox-tags.ts)", () => {
    const c = readFileSync(join(ROOT, "boot", "abi.c"), "utf8");
    expect(c).toMatch(/MBOX_TAGS\[\] = \{MBOX_TAG_LIST\};/);
    const h = readFileSync(join(ROOT, "boot", "regs.h"), "utf8");
    const table = h.slice(h.indexOf("#define MBOX_TAG_LIST"), h.indexOf("\n\n", h.indexOf("#define MBOX_TAG_LIST")));
    const rows = [...table.matchAll(/\{0x([0-9a-fA-F]{8})u, (\d+), "([^"]+)"\}/g)].map((m) => [parseInt(m[1]!, 16), Number(m[2]), m[3]]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual([...MAILBOX_TAGS].map(([id, t]) => [id, t.minBytes, t.name]));
  });
});

describe("the mailbox under QEMU raspi3b", () => {
  it("QEMU's property mailbox answers: what it returns, and the firmware's cpu line for it", async () => {
    const bundlePath = join(WORK, "probe0.pwb");
    writeFileSync(bundlePath, payloadMusic([0]));
    const k = await buildKernel({ board: "pi3", qemuExit: true, wasmPath: probeWasm.pi3, cacheDir: KCACHE });
    const r = await runQemu({ image: k.image, music: bundlePath, timeoutSec: 30, untilDone: true });
    console.log(r.lines.filter((l) => l.startsWith("I probe")).join("\n"));
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("I probe: arm: status 0, code 0x80000000, value 700000000");
    expect(r.lines).toContain("I probe: arm max: status 0, code 0x80000000, value 700000000");
  }, 120_000);

  for (const [probe, name, message] of REFUSALS.filter(([p]) => p === 1 || p === 2 || p === 4)) {
    it(`${name}: F line and halt 4 under QEMU`, async () => {
      const bundlePath = join(WORK, `probe${probe}.pwb`);
      writeFileSync(bundlePath, payloadMusic([probe]));
      const k = await buildKernel({ board: "pi3", qemuExit: true, wasmPath: probeWasm.pi3, cacheDir: KCACHE });
      const r = await runQemu({ image: k.image, music: bundlePath, timeoutSec: 30, untilDone: true });
      expect(r.lines.some((l) => /^F (mailbox|abi): /.test(l) && message.test(l)), r.lines.join("\n")).toBe(true);
      expect(r.haltCode).toBe(4);
      expect(r.lines.some((l) => l.startsWith("E probe:"))).toBe(false);
    }, 120_000);
  }
});
