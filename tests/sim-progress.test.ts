// Progress checkpoints of a long simulation (Bus.onLimit, used by the worker
// for `piwave sim`'s "simulated 1:23.0 of 3:00.0" lines): they see virtual
// time advance, they change nothing in the output, and the time limit still
// stops a run.
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { Machine } from "../host/sim/machine.js";
import { chirpTrack, firmwareModule } from "./helpers.js";

const bundle = encodeBundle([chirpTrack("pi4", 2, "two seconds")]);

describe("simulation progress checkpoints", () => {
  it("are called as virtual time passes each checkpoint, and leave the output bit-exact", () => {
    const plain = new Machine({ board: "pi4", wasm: firmwareModule("pi4"), bundle }).run();
    const m = new Machine({ board: "pi4", wasm: firmwareModule("pi4"), bundle });
    const seen: number[] = [];
    const limit = m.bus.limitPs;
    m.bus.limitPs = 0.25e12;
    m.bus.onLimit = (now) => {
      seen.push(now / 1e12);
      m.bus.limitPs = Math.min(limit, now + 0.25e12);
      return true;
    };
    const r = m.run();
    expect(r.haltCode).toBe(0);
    expect(seen.length).toBeGreaterThanOrEqual(7); // > 2 s of music in 0.25 s steps
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBeGreaterThanOrEqual(0.25);
    expect(Buffer.from(r.jack.right.view()).equals(Buffer.from(plain.jack.right.view()))).toBe(true);
    expect(Buffer.from(r.jack.left.view()).equals(Buffer.from(plain.jack.left.view()))).toBe(true);
  });

  it("a checkpoint that returns false stops the run as the time limit does", () => {
    const m = new Machine({ board: "pi4", wasm: firmwareModule("pi4"), bundle });
    m.bus.limitPs = 0.5e12;
    m.bus.onLimit = () => false;
    const r = m.run();
    expect(r.haltCode).toBeNull();
    expect(r.error).toMatch(/virtual time limit of 0\.500 s reached/);
  });
});
