/** The system timer as a register table (regs/timer.ts has the rules and sources). */
import { TimerCs, TimerReg } from "../timer.js";
import type { BlockDesc, RegisterDesc } from "./describe.js";

const compare = (n: number, offset: number): RegisterDesc => ({ name: `ST_C${n}`, offset, access: "rw", reset: 0 });

export const TIMER_BLOCK: BlockDesc = {
  name: "TIMER",
  bytes: TimerReg.BLOCK_BYTES,
  registers: [
    { name: "ST_CS", offset: TimerReg.CS, access: "rw", reset: 0, fields: [{ name: "M", lsb: 0, width: 4, access: "w1c" }] },
    { name: "ST_CLO", offset: TimerReg.CLO, access: "ro", reset: 0 },
    { name: "ST_CHI", offset: TimerReg.CHI, access: "ro", reset: 0 },
    compare(0, TimerReg.C0),
    compare(1, TimerReg.C1),
    compare(2, TimerReg.C2),
    compare(3, TimerReg.C3),
  ],
};

/** ST_CS's write-1-to-clear match flags. */
export const TIMER_CS_W1C: number = TimerCs.MATCH_W1C;
