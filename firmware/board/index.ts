/**
 * Board support: which SoC the firmware was built for, and its facts.
 *
 * The board is chosen at build time: asc introduces the integer constant
 * `BOARD` (`--use BOARD=4` or `--use BOARD=3`, see asconfig.json targets),
 * so every `if (IS_PI4)` below is folded by the compiler and the image
 * contains one board's code only.
 *
 * Facts and their sources: docs/hardware.md (#addresses, #pwm, #dma,
 * #clocks-and-rates); each value cites its section.
 */

// @ts-ignore: `BOARD` is an integer constant defined by `asc --use BOARD=n`.
export const BOARD_ID: u32 = <u32>BOARD;
export const IS_PI4: bool = BOARD_ID == 4;

/** ARM physical peripheral base (docs/hardware.md#addresses: Pi 4 low-peripheral mode 0xFE000000, Pi 3 0x3F000000). */
export const PERIPHERAL_BASE: u32 = IS_PI4 ? 0xFE000000 : 0x3F000000;
/** Bus address of the same peripherals, as seen by DMA (docs/hardware.md#addresses). */
export const PERIPHERAL_BUS_BASE: u32 = 0x7E000000;

export const SYSTEM_TIMER_BASE: u32 = PERIPHERAL_BASE + 0x003000;
export const DMA_BASE: u32 = PERIPHERAL_BASE + 0x007000;
export const CM_BASE: u32 = PERIPHERAL_BASE + 0x101000; // clock manager (docs/hardware.md#clock-manager)
export const GPIO_BASE: u32 = PERIPHERAL_BASE + 0x200000; // (docs/hardware.md#gpio)
export const UART0_BASE: u32 = PERIPHERAL_BASE + 0x201000; // PL011
/** The PWM block wired to the jack: PWM1 (+0x20C800) on BCM2711, PWM (+0x20C000) on BCM2837 (docs/hardware.md#pwm). */
export const PWM_BASE: u32 = PERIPHERAL_BASE + (IS_PI4 ? 0x20C800 : 0x20C000);
export const PWM_NAME: string = IS_PI4 ? "PWM1" : "PWM0";
/** DMA DREQ (PERMAP) of that PWM block: 1 for PWM1 on Pi 4, 5 on Pi 3 (docs/hardware.md#dma). */
export const PWM_DREQ: u32 = IS_PI4 ? 1 : 5;

/** Jack pins, both ALT0 (docs/hardware.md#pwm): GPIO40 = PWM ch1 = right, GPIO41 = PWM ch2 = left. */
export const JACK_RIGHT_PIN: u32 = 40;
export const JACK_LEFT_PIN: u32 = 41;
/** PL011 TXD0/RXD0 pins, ALT0. */
export const UART_TX_PIN: u32 = 14;
export const UART_RX_PIN: u32 = 15;

/** Crystal oscillator (docs/hardware.md#clocks-and-rates): 54 MHz on Pi 4, 19.2 MHz on Pi 3. */
export const OSC_HZ: u32 = IS_PI4 ? 54000000 : 19200000;
/** PLLD_PER (clock manager source 6) (docs/hardware.md#clocks-and-rates): 750 MHz on Pi 4, 500 MHz on Pi 3. */
export const PLLD_HZ: u32 = IS_PI4 ? 750000000 : 500000000;
/**
 * Integer divider for the PWM clock (docs/hardware.md#clocks-and-rates): PLLD/6 = 125 MHz on Pi 4
 * (250 MHz is reported not to work with newer Pi 4 firmware), PLLD/2 =
 * 250 MHz on Pi 3. MASH 0: no fractional jitter.
 */
export const PWM_CLOCK_DIVI: u32 = IS_PI4 ? 6 : 2;
export const PWM_CLOCK_HZ: u32 = PLLD_HZ / PWM_CLOCK_DIVI;

/** The UART reference clock the GPU firmware sets up (48 MHz by default on both boards). */
export const UART_CLOCK_HZ: u32 = 48000000;

export const BOARD_NAME: string = IS_PI4 ? "pi4" : "pi3";
export const SOC_NAME: string = IS_PI4 ? "BCM2711" : "BCM2837";
