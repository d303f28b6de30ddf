/** The PWM controller as a register table (regs/pwm.ts has the rules and sources). */
import { PwmCtl, PwmDmac, PwmFifo, PwmReg, PwmSta } from "../pwm.js";
import { type BlockDesc, flag } from "./describe.js";

export const PWM_BLOCK: BlockDesc = {
  name: "PWM",
  bytes: PwmReg.BLOCK_BYTES,
  registers: [
    {
      name: "PWM_CTL",
      offset: PwmReg.CTL,
      access: "rw",
      reset: PwmCtl.RESET,
      fields: [
        flag("PWEN1", PwmCtl.PWEN1),
        flag("MODE1", PwmCtl.MODE1),
        flag("RPTL1", PwmCtl.RPTL1),
        flag("SBIT1", PwmCtl.SBIT1),
        flag("POLA1", PwmCtl.POLA1),
        flag("USEF1", PwmCtl.USEF1),
        flag("CLRF1", PwmCtl.CLRF1, "oneshot"),
        flag("MSEN1", PwmCtl.MSEN1),
        flag("PWEN2", PwmCtl.PWEN2),
        flag("MODE2", PwmCtl.MODE2),
        flag("RPTL2", PwmCtl.RPTL2),
        flag("SBIT2", PwmCtl.SBIT2),
        flag("POLA2", PwmCtl.POLA2),
        flag("USEF2", PwmCtl.USEF2),
        flag("MSEN2", PwmCtl.MSEN2),
      ],
    },
    {
      name: "PWM_STA",
      offset: PwmReg.STA,
      access: "rw",
      reset: PwmSta.RESET,
      fields: [
        flag("FULL1", PwmSta.FULL1, "ro"),
        flag("EMPT1", PwmSta.EMPT1, "ro"),
        flag("WERR1", PwmSta.WERR1, "w1c"),
        flag("RERR1", PwmSta.RERR1, "w1c"),
        flag("GAPO1", PwmSta.GAPO1, "w1c"),
        flag("GAPO2", PwmSta.GAPO2, "w1c"),
        flag("GAPO3", PwmSta.GAPO3, "w1c"),
        flag("GAPO4", PwmSta.GAPO4, "w1c"),
        flag("BERR", PwmSta.BERR, "w1c"),
        flag("STA1", PwmSta.STA1, "ro"),
        flag("STA2", PwmSta.STA2, "ro"),
        flag("STA3", PwmSta.STA3, "ro"),
        flag("STA4", PwmSta.STA4, "ro"),
      ],
    },
    {
      name: "PWM_DMAC",
      offset: PwmReg.DMAC,
      access: "rw",
      reset: PwmDmac.RESET,
      // In the order the trace prints them.
      fields: [flag("ENAB", PwmDmac.ENAB), { name: "PANIC", lsb: PwmDmac.PANIC_SHIFT, width: 8 }, { name: "DREQ", lsb: PwmDmac.DREQ_SHIFT, width: 8 }],
    },
    { name: "PWM_RNG1", offset: PwmReg.RNG1, access: "rw", reset: 0x20 },
    { name: "PWM_DAT1", offset: PwmReg.DAT1, access: "rw", reset: 0 },
    { name: "PWM_FIF1", offset: PwmReg.FIF1, access: "wo", reset: 0, readsAs: PwmFifo.CPU_READ },
    { name: "PWM_RNG2", offset: PwmReg.RNG2, access: "rw", reset: 0x20 },
    { name: "PWM_DAT2", offset: PwmReg.DAT2, access: "rw", reset: 0 },
  ],
};
