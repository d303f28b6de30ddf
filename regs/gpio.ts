/**
 * GPIO registers and fields. GPFSELn holds the function of pins 10n..10n+9,
 * 3 bits a pin; GPSETn/GPCLRn are write-only (1 sets/clears that output);
 * GPLEVn is read-only. Pulls differ: BCM2837 has GPPUD + GPPUDCLK0/1 (a
 * clocked sequence: write the mode, wait 150 core cycles, clock it into the
 * pins, wait, clear both), BCM2711 has GPIO_PUP_PDN_CNTRL_REG0..3 (2 bits a
 * pin, 16 pins a register). Reset pulls: GPIO0–8 up, the rest down.
 * Sources: BCM2835 ARM peripherals 6.1 (GPFSEL, GPPUD sequence); BCM2711
 * ARM peripherals 5.2 (GPIO_PUP_PDN_CNTRL); Circle bcm2835.h ARM_GPIO_*;
 * Linux pinctrl-bcm2835.c (PUD_2711_REG_OFFSET, BCM2711_PULL_*).
 */
export const enum GpioReg {
  GPFSEL0 = 0x00,
  GPFSEL1 = 0x04,
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
  /** The window piwave's model covers (up to the BCM2711 pull registers). */
  BLOCK_BYTES = 0x100,
}

/** GPFSEL: 3 bits a pin, 10 pins a register. */
export const enum GpioFsel {
  INPUT = 0b000,
  OUTPUT = 0b001,
  ALT0 = 0b100,
  ALT1 = 0b101,
  ALT2 = 0b110,
  ALT3 = 0b111,
  ALT4 = 0b011,
  ALT5 = 0b010,
  MASK = 0b111,
  BITS = 3,
  PINS_PER_REG = 10,
  /** The bits GPFSEL0..5 store (10 pins × 3 bits). */
  VALUE_MASK = 0x3fffffff,
}

/** BCM2711 GPIO_PUP_PDN_CNTRL_REGn: 2 bits a pin, 16 pins a register. */
export const enum GpioPupPdn {
  NONE = 0,
  UP = 1,
  DOWN = 2,
  MASK = 0b11,
  BITS = 2,
  PINS_PER_REG = 16,
}

/** BCM2837 GPPUD (the mode GPPUDCLK clocks into the pins). */
export const enum GpioPud {
  OFF = 0,
  DOWN = 1,
  UP = 2,
  MASK = 0b11,
}

export const enum GpioPins {
  /** GPIO0..57. */
  COUNT = 58,
  /** Pins per GPSET/GPCLR/GPLEV/GPPUDCLK register. */
  PER_BANK = 32,
  /** Pins that reset with a pull-up (GPIO0..8); the others pull down. */
  LAST_PULL_UP = 8,
  /** GPPUD's setup and hold: 150 cycles of the core clock. */
  PUD_SETUP_CYCLES = 150,
}
