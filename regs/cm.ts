/**
 * Clock manager (CPRMAN): one CTL/DIV pair per clock generator. piwave
 * drives only the PWM clock; the others (GP0–2, PCM, ...) belong to the boot
 * firmware and are outside the sandbox.
 *
 * Access rules: every write must carry the password 0x5A in bits 31:24 or
 * the block ignores it; BUSY is read-only; SRC, MASH and DIV may change only
 * while BUSY reads 0; KILL is not a one-shot (it stays set until written 0).
 * Sources: BCM2835 ARM peripherals 6.3 (general-purpose clocks: CTL/DIV
 * fields, the password, the BUSY rule); Linux drivers/clk/bcm/clk-bcm2835.c
 * (CM_PWMCTL 0x0a0, CM_PWMDIV 0x0a4, CM_GP0CTL 0x070, the source numbers).
 * Reset value: CTL reads 0x200 (MASH 1, stopped) under QEMU 7.2; what a real
 * Pi reads after the boot firmware is unconfirmed.
 */
export const enum CmReg {
  GP0CTL = 0x70,
  GP0DIV = 0x74,
  PWMCTL = 0xa0,
  PWMDIV = 0xa4,
  /** The clock manager's window up to the A2W block. */
  BLOCK_BYTES = 0x2000,
}

/** The write password, bits 31:24 of every CTL/DIV write. */
export const enum CmField {
  PASSWD = 0x5a000000,
  PASSWD_SHIFT = 24,
  PASSWD_KEY = 0x5a,
  /** The bits a CTL/DIV register stores (below the password). */
  VALUE_MASK = 0x00ffffff,
}

/** CTL fields. */
export const enum CmCtl {
  SRC_MASK = 0xf,
  SRC_SHIFT = 0,
  ENAB = 1 << 4,
  KILL = 1 << 5,
  GATE = 1 << 6,
  /** Read-only: the generator is running. */
  BUSY = 1 << 7,
  FLIP = 1 << 8,
  MASH_SHIFT = 9,
  MASH_MASK = 0x3,
  /** Reset value (MASH 1, source GND, stopped), as QEMU 7.2 reads it. */
  RESET = 0x200,
}

/** CTL.SRC: the clock sources (clk-bcm2835.c `bcm2835_clock_per_parents`). */
export const enum CmSrc {
  GND = 0,
  OSC = 1,
  TESTDEBUG0 = 2,
  TESTDEBUG1 = 3,
  PLLA = 4,
  PLLC = 5,
  PLLD = 6,
  HDMIAUX = 7,
}

/** DIV fields: the divider DIVI.DIVF in 12.12 fixed point. */
export const enum CmDiv {
  DIVI_SHIFT = 12,
  DIVI_MASK = 0xfff,
  DIVF_SHIFT = 0,
  DIVF_MASK = 0xfff,
  /** PLLD needs DIVI >= 2 (with MASH 0). */
  PLLD_MIN_DIVI = 2,
  RESET = 0,
}
