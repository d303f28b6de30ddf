/**
 * PWM controller (both BCM2711 controllers and the BCM2837 one): a 0x28-byte
 * block. 0x0C and 0x1C are not registers.
 *
 * The FIFO holds 16 32-bit words shared by both channels, which take words
 * alternately when both use it. Access rules: STA's error flags (WERR1,
 * RERR1, GAPO1–4, BERR) are write-1-to-clear, its FIFO state bits read-only;
 * CTL.CLRF1 is a one-shot that empties the FIFO and reads back 0; FIF1 is
 * write-only. Sources: BCM2835 ARM peripherals 9.6 (registers and fields);
 * Linux drivers/pwm/pwm-bcm2835.c; Circle lib/pwmsoundbasedevice.cpp.
 */
export const enum PwmReg {
  CTL = 0x00,
  STA = 0x04,
  DMAC = 0x08,
  RNG1 = 0x10,
  DAT1 = 0x14,
  /** FIFO input; DMA writes it at PeripheralBase.BUS + block + FIF1. */
  FIF1 = 0x18,
  RNG2 = 0x20,
  DAT2 = 0x24,
  BLOCK_BYTES = 0x28,
}

/** CTL fields (channel 1 in bits 7:0, channel 2 in bits 15:8; CLRF1 is shared). */
export const enum PwmCtl {
  PWEN1 = 1 << 0,
  MODE1 = 1 << 1,
  RPTL1 = 1 << 2,
  SBIT1 = 1 << 3,
  POLA1 = 1 << 4,
  USEF1 = 1 << 5,
  /** One-shot: empties the FIFO, reads back 0. */
  CLRF1 = 1 << 6,
  MSEN1 = 1 << 7,
  PWEN2 = 1 << 8,
  MODE2 = 1 << 9,
  RPTL2 = 1 << 10,
  SBIT2 = 1 << 11,
  POLA2 = 1 << 12,
  USEF2 = 1 << 13,
  MSEN2 = 1 << 15,
  RESET = 0,
}

/** STA fields. */
export const enum PwmSta {
  FULL1 = 1 << 0,
  EMPT1 = 1 << 1,
  WERR1 = 1 << 2,
  RERR1 = 1 << 3,
  GAPO1 = 1 << 4,
  GAPO2 = 1 << 5,
  GAPO3 = 1 << 6,
  GAPO4 = 1 << 7,
  BERR = 1 << 8,
  STA1 = 1 << 9,
  STA2 = 1 << 10,
  STA3 = 1 << 11,
  STA4 = 1 << 12,
  /** Every write-1-to-clear flag: WERR1, RERR1, GAPO1–4, BERR. */
  W1C = 0x1fc,
  /** Reset: the FIFO is empty. */
  RESET = 1 << 1,
}

/** DMAC fields: DREQ/PANIC thresholds in FIFO words, ENAB starts the DMA requests. */
export const enum PwmDmac {
  DREQ_SHIFT = 0,
  DREQ_MASK = 0xff,
  PANIC_SHIFT = 8,
  PANIC_MASK = 0xff,
  ENAB = 1 << 31,
  /** Reset: DREQ 7, PANIC 7, disabled. */
  RESET = 0x0707,
}

export const enum PwmFifo {
  WORDS = 16,
  /** What a CPU read of the write-only FIF1 returns on a Pi ("pwm0" in ASCII), as measured. */
  CPU_READ = 0x70776d30,
}

/** DMA DREQ line (the TI.PERMAP value) of each PWM block: BCM2711 PWM1 is 1, BCM2837 PWM is 5 (Circle bcm2835dma.h DREQSourcePWM1/DREQSourcePWM). */
export const enum PwmDreq {
  PWM1_BCM2711 = 1,
  PWM_BCM2837 = 5,
}
