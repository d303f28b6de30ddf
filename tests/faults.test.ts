// Hardware that does not answer, and accesses the simulator refuses: reported, never a hang.
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { simulate } from "../host/sim/machine.js";
import { runFirmware } from "../host/testing/index.js";
import { constantTrack, firmwareModule } from "./helpers.js";

describe("faults", () => {
  it("a clock generator stuck BUSY: E clock line, halt(2), the PWM is never enabled", () => {
    // A fault injected into the clock manager's model: the simulator's own option (piwave/testing has none for it).
    const r = simulate({ board: "pi4", wasm: firmwareModule("pi4"), bundle: encodeBundle([constantTrack("pi4", 100, 0, 0)]), cmStuckBusy: true, maxSeconds: 5 });
    expect(r.haltCode).toBe(2);
    expect(r.lines.at(-1)).toMatch(/^E clock: PWM clock generator stuck BUSY after KILL \(CM_PWMCTL 0x00000080\)/);
    expect(r.machine.pwm.ctlWrites).toEqual([]);
    expect(r.virtualSeconds).toBeLessThan(1);
  });

  it("the firmware built for one board, run on the other: refused by the sandbox at the first access, halt 4, as the runtime would", async () => {
    const r = await runFirmware({ board: "pi3", wasm: firmwareModule("pi4"), bundle: [constantTrack("pi4", 10, 0, 0)], ms: 1000 });
    expect(r.haltCode).toBe(4);
    expect(r.error).toBe("F mmio: refused read of 0xfe003008: not in the sandbox's allow-list for pi3 (BCM2837)");
    expect(r.ended).toBe("halt");
    expect(r.writes()).toEqual([]); // refused at the first access, a read: nothing was written
  });
});
