/**
 * PWM controller register offsets (both BCM2711 controllers and the BCM2837
 * one): a 0x28-byte block. Sources: BCM2835 ARM peripherals 9.6; Linux
 * drivers/pwm/pwm-bcm2835.c; Circle lib/pwmsoundbasedevice.cpp.
 * 0x0C and 0x1C are not registers.
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

/** DMA DREQ line (the TI.PERMAP value) of each PWM block: BCM2711 PWM1 is 1, BCM2837 PWM is 5 (Circle bcm2835dma.h DREQSourcePWM1/DREQSourcePWM). */
export const enum PwmDreq {
  PWM1_BCM2711 = 1,
  PWM_BCM2837 = 5,
}
