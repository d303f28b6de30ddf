/**
 * Clock manager (CPRMAN) register offsets: one CTL/DIV pair per clock
 * generator. piwave drives only the PWM clock; the others (GP0–2, PCM, ...)
 * belong to the boot firmware and are outside the sandbox. Sources: BCM2835
 * ARM peripherals 6.3 (GP clocks); Linux drivers/clk/bcm/clk-bcm2835.c
 * (CM_PWMCTL 0x0a0, CM_PWMDIV 0x0a4, CM_GP0CTL 0x070).
 */
export const enum CmReg {
  GP0CTL = 0x70,
  GP0DIV = 0x74,
  PWMCTL = 0xa0,
  PWMDIV = 0xa4,
}

export const enum CmField {
  PASSWD = 0x5a000000,
}
