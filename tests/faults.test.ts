// Hardware that does not answer, and accesses the simulator refuses: reported, never a hang.
import { describe, expect, it } from "vitest";
import { runFirmware } from "../host/testing/index.js";
import { constantTrack, firmwareModule } from "./helpers.js";

describe("faults", () => {
  it("a clock generator stuck BUSY: E clock line, halt(2), the PWM is never enabled", async () => {
    const r = await runFirmware({ wasm: firmwareModule("pi4"), bundle: [constantTrack("pi4", 100, 0, 0)], faults: { clockStuckBusy: true }, ms: 5000 });
    expect(r.ended).toBe("halt");
    expect(r.haltCode).toBe(2);
    expect(r.lines.at(-1)).toMatch(/^E clock: PWM clock generator stuck BUSY after KILL \(CM_PWMCTL 0x00000080\)/);
    expect(r.writes("PWM_CTL")).toEqual([]);
    expect(r.virtualMs).toBeLessThan(1000);
  });

  it("faults are checked: a misspelt or misplaced fault is refused, not ignored", async () => {
    const wasm = firmwareModule("pi4");
    await expect(runFirmware({ wasm, ms: 1, faults: { clockStuckBusey: true } as never })).rejects.toThrow(/faults\.clockStuckBusey is not a fault piwave\/testing knows \(mailbox, clockStuckBusy/);
    await expect(runFirmware({ wasm, ms: 1, faults: { mailbox: "slow" } as never })).rejects.toThrow(/faults\.mailbox must be "silent" or "error", not "slow"/);
    await expect(runFirmware({ board: "pi3", wasm: firmwareModule("pi3"), ms: 1, faults: { dreqMuxStuck: true } })).rejects.toThrow(/for the Pi 4 .* not pi3/);
    await expect(runFirmware({ wasm, ms: 1, faults: { pactlAtBoot: -1 } })).rejects.toThrow(/pactlAtBoot must be a 32-bit register value, not -1/);
  });

  it("the firmware built for one board, run on the other: refused by the sandbox at the first access, halt 4, as the runtime would", async () => {
    const r = await runFirmware({ board: "pi3", wasm: firmwareModule("pi4"), bundle: [constantTrack("pi4", 10, 0, 0)], ms: 1000 });
    expect(r.haltCode).toBe(4);
    expect(r.error).toBe("F mmio: refused read of 0xfe003008: not in the sandbox's allow-list for pi3 (BCM2837)");
    expect(r.ended).toBe("halt");
    expect(r.writes()).toEqual([]); // refused at the first access, a read: nothing was written
  });
});
