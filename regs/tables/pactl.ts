/** BCM2711 PACTL_CS as a register table (regs/pactl.ts has the rule and sources). */
import { PactlCs, PactlReg } from "../pactl.js";
import { type BlockDesc, flag } from "./describe.js";

export const PACTL_BLOCK: BlockDesc = {
  name: "PACTL",
  bytes: 4,
  registers: [{ name: "PACTL_CS", offset: PactlReg.CS, access: "rw", reset: 0, fields: [flag("DREQ1_PWM1", PactlCs.DREQ1_PWM1)] }],
};
