/**
 * PACTL_CS (BCM2711 only), the peripheral-access control register at
 * Block.PACTL. Bit 23 chooses what drives DMA DREQ 1, which DSI0 and PWM1
 * share: 0 = DSI0, 1 = PWM1. The datasheet gives a reset value of 1, but a
 * Pi 4 after the boot firmware has been seen reading 0, so a DMA feed of
 * PWM1 must set the bit (read-modify-write) before it enables the PWM's
 * DMAC. Sources: BCM2711 ARM peripherals (PACTL_CS); a bare-metal Rust Pi 4
 * audio driver that sets it ("must have a bit set in order to enable DMA
 * DREQs for the PWM"); the QNX bcm2711 PWM driver's reference to the
 * "DMA_CNTRL_MUX bits in PACTL_CS". The BCM2837 has no such mux: its PWM
 * has DREQ 5 to itself.
 */

export const enum PactlReg {
  CS = 0x00,
}

export const enum PactlCs {
  /** 1: DREQ 1 comes from PWM1; 0: from DSI0. */
  DREQ1_PWM1 = 1 << 23,
}
