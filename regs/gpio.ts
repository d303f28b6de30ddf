/**
 * GPIO register offsets. Pulls differ: BCM2837 has GPPUD + GPPUDCLK0/1 (a
 * clocked sequence), BCM2711 has GPIO_PUP_PDN_CNTRL_REG0..3 (2 bits a pin).
 * Sources: BCM2835 ARM peripherals 6.1; BCM2711 ARM peripherals 5.2; Circle
 * bcm2835.h ARM_GPIO_*; Linux pinctrl-bcm2835.c (PUD_2711_REG_OFFSET).
 */
export const enum GpioReg {
  GPFSEL0 = 0x00,
  GPFSEL5 = 0x14,
  GPSET0 = 0x1c,
  GPSET1 = 0x20,
  GPCLR0 = 0x28,
  GPCLR1 = 0x2c,
  GPLEV0 = 0x34,
  GPLEV1 = 0x38,
  /** Event detect status: not used by piwave (outside the sandbox). */
  GPEDS0 = 0x40,
  GPPUD = 0x94,
  GPPUDCLK0 = 0x98,
  GPPUDCLK1 = 0x9c,
  PUP_PDN_CNTRL_REG0 = 0xe4,
  PUP_PDN_CNTRL_REG3 = 0xf0,
}
