/**
 * Board support: which SoC the firmware was built for, and its facts.
 *
 * The board is chosen at build time: asc introduces the integer constant
 * `BOARD` (`--use BOARD=4` or `--use BOARD=3`, see asconfig.json targets),
 * so every `if (IS_PI4)` below is folded by the compiler and the image
 * contains one board's code only.
 *
 * Every address and fact comes from regs/ (blocks.ts, board.ts, pwm.ts), the
 * one description the simulator and the runtime read too; docs/hardware.md
 * (#addresses, #pwm, #dma, #clocks-and-rates) explains them.
 */

import { Block, PeripheralBase } from "../../regs/blocks";
import { BoardCommon, Pi3, Pi4 } from "../../regs/board";
import { PwmDreq } from "../../regs/pwm";

// @ts-ignore: `BOARD` is an integer constant defined by `asc --use BOARD=n`.
export const BOARD_ID: u32 = <u32>BOARD;
export const IS_PI4: bool = BOARD_ID == 4;

/** ARM physical peripheral base (regs/blocks.ts: Pi 4 low-peripheral mode 0xFE000000, Pi 3 0x3F000000). */
export const PERIPHERAL_BASE: u32 = IS_PI4 ? <u32>PeripheralBase.PI4 : <u32>PeripheralBase.PI3;
/** Bus address of the same peripherals, as seen by DMA (docs/hardware.md#addresses). */
export const PERIPHERAL_BUS_BASE: u32 = <u32>PeripheralBase.BUS;

export const SYSTEM_TIMER_BASE: u32 = PERIPHERAL_BASE + Block.TIMER;
export const DMA_BASE: u32 = PERIPHERAL_BASE + Block.DMA;
export const CM_BASE: u32 = PERIPHERAL_BASE + Block.CM; // clock manager (docs/hardware.md#clock-manager)
export const GPIO_BASE: u32 = PERIPHERAL_BASE + Block.GPIO; // (docs/hardware.md#gpio)
export const UART0_BASE: u32 = PERIPHERAL_BASE + Block.UART0; // PL011
/** The PWM block wired to the jack: PWM1 on BCM2711, PWM0 on BCM2837 (docs/hardware.md#pwm). */
export const PWM_BASE: u32 = PERIPHERAL_BASE + (IS_PI4 ? Block.PWM1 : Block.PWM0);
export const PWM_NAME: string = IS_PI4 ? "PWM1" : "PWM0";
/** DMA DREQ (PERMAP) of that PWM block: 1 for PWM1 on Pi 4, 5 on Pi 3 (docs/hardware.md#dma). */
export const PWM_DREQ: u32 = IS_PI4 ? PwmDreq.PWM1_BCM2711 : PwmDreq.PWM_BCM2837;

/** Jack pins, both ALT0 (docs/hardware.md#pwm): GPIO40 = PWM ch1 = right, GPIO41 = PWM ch2 = left. */
export const JACK_RIGHT_PIN: u32 = BoardCommon.JACK_RIGHT_PIN;
export const JACK_LEFT_PIN: u32 = BoardCommon.JACK_LEFT_PIN;
/** PL011 TXD0/RXD0 pins, ALT0. */
export const UART_TX_PIN: u32 = BoardCommon.UART_TX_PIN;
export const UART_RX_PIN: u32 = BoardCommon.UART_RX_PIN;

/** Crystal oscillator (docs/hardware.md#clocks-and-rates): 54 MHz on Pi 4, 19.2 MHz on Pi 3. */
export const OSC_HZ: u32 = IS_PI4 ? Pi4.OSC_HZ : Pi3.OSC_HZ;
/** PLLD_PER (clock manager source 6) (docs/hardware.md#clocks-and-rates): 750 MHz on Pi 4, 500 MHz on Pi 3. */
export const PLLD_HZ: u32 = IS_PI4 ? Pi4.PLLD_HZ : Pi3.PLLD_HZ;
/**
 * Integer divider for the PWM clock (docs/hardware.md#clocks-and-rates): PLLD/6 = 125 MHz on Pi 4
 * (250 MHz is reported not to work with newer Pi 4 firmware), PLLD/2 =
 * 250 MHz on Pi 3. MASH 0: no fractional jitter.
 */
export const PWM_CLOCK_DIVI: u32 = IS_PI4 ? Pi4.PWM_CLOCK_DIVI : Pi3.PWM_CLOCK_DIVI;
export const PWM_CLOCK_HZ: u32 = PLLD_HZ / PWM_CLOCK_DIVI;

/** The UART reference clock the GPU firmware sets up (48 MHz by default on both boards). */
export const UART_CLOCK_HZ: u32 = BoardCommon.UART_CLOCK_HZ;

export const BOARD_NAME: string = IS_PI4 ? "pi4" : "pi3";
export const SOC_NAME: string = IS_PI4 ? "BCM2711" : "BCM2837";
