/** The clock manager's PWM clock generator as a register table (regs/cm.ts has the rules and sources). */
import { CmCtl, CmDiv, CmField, CmReg } from "../cm.js";
import { type BlockDesc, flag } from "./describe.js";

/** CTL.SRC's value names (regs/cm.ts CmSrc). */
export const CM_SOURCES: readonly string[] = ["GND", "OSC", "TESTDEBUG0", "TESTDEBUG1", "PLLA", "PLLC", "PLLD", "HDMIAUX"];

export const CM_BLOCK: BlockDesc = {
  name: "CM",
  bytes: CmReg.BLOCK_BYTES,
  registers: [
    {
      name: "CM_PWMCTL",
      offset: CmReg.PWMCTL,
      access: "rw",
      reset: CmCtl.RESET,
      password: CmField.PASSWD_KEY,
      fields: [
        { name: "SRC", lsb: CmCtl.SRC_SHIFT, width: 4, values: CM_SOURCES },
        flag("ENAB", CmCtl.ENAB),
        flag("KILL", CmCtl.KILL),
        flag("GATE", CmCtl.GATE),
        flag("BUSY", CmCtl.BUSY, "ro"),
        flag("FLIP", CmCtl.FLIP),
        { name: "MASH", lsb: CmCtl.MASH_SHIFT, width: 2 },
      ],
    },
    {
      name: "CM_PWMDIV",
      offset: CmReg.PWMDIV,
      access: "rw",
      reset: CmDiv.RESET,
      password: CmField.PASSWD_KEY,
      fields: [
        { name: "DIVI", lsb: CmDiv.DIVI_SHIFT, width: 12 },
        { name: "DIVF", lsb: CmDiv.DIVF_SHIFT, width: 12 },
      ],
    },
  ],
};
