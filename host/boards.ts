/**
 * Board facts the host side needs (addresses for the simulator, clocks and
 * rates for converting audio). Every value comes from regs/ (blocks.ts,
 * board.ts, pwm.ts), which the firmware's board support
 * (firmware/board/index.ts) and the runtime (boot/regs.h) read too;
 * tests/boards.test.ts still asks the built firmware (its exported
 * pwm_range, pwm_clock_hz, ...). docs/hardware.md (#addresses,
 * #clocks-and-rates, #dma) explains them.
 */
import { Block, PeripheralBase } from "../regs/blocks.js";
import { BoardCommon, Pi3, Pi4 } from "../regs/board.js";
import { PwmDreq } from "../regs/pwm.js";
import { musicBudgetBytes } from "./memory-map.js";
export type BoardName = "pi4" | "pi3";
export const BOARD_NAMES: readonly BoardName[] = ["pi4", "pi3"];

export interface Board {
  name: BoardName;
  soc: "BCM2711" | "BCM2837";
  /** ARM physical peripheral base. */
  peripheralBase: number;
  /** Offset of the PWM block wired to the jack (PWM1 on BCM2711, PWM0 on BCM2837). */
  pwmOffset: number;
  pwmName: "PWM1" | "PWM0";
  /** DMA DREQ (PERMAP) of that PWM block. */
  pwmDreq: number;
  oscHz: number;
  plldHz: number;
  /** Integer divider applied to PLLD for the PWM clock. */
  pwmClockDivi: number;
  uartClockHz: number;
  /** Top of RAM the firmware + assets may use on the smallest board of the family (bytes). */
  ramBytes: number;
  /**
   * Most bytes of music (music.pwb) a card may carry: the music region of the
   * memory map (host/memory-map.ts, docs/memory-map.md) on the smallest board
   * of the family.
   */
  bundleBudgetBytes: number;
}

export const BOARDS: Record<BoardName, Board> = {
  pi4: {
    name: "pi4",
    soc: "BCM2711",
    peripheralBase: PeripheralBase.PI4 >>> 0,
    pwmOffset: Block.PWM1,
    pwmName: "PWM1",
    pwmDreq: PwmDreq.PWM1_BCM2711,
    oscHz: Pi4.OSC_HZ,
    plldHz: Pi4.PLLD_HZ,
    pwmClockDivi: Pi4.PWM_CLOCK_DIVI,
    uartClockHz: BoardCommon.UART_CLOCK_HZ,
    ramBytes: 1024 * 1024 * 1024,
    bundleBudgetBytes: musicBudgetBytes("pi4"),
  },
  pi3: {
    name: "pi3",
    soc: "BCM2837",
    peripheralBase: PeripheralBase.PI3 >>> 0,
    pwmOffset: Block.PWM0,
    pwmName: "PWM0",
    pwmDreq: PwmDreq.PWM_BCM2837,
    oscHz: Pi3.OSC_HZ,
    plldHz: Pi3.PLLD_HZ,
    pwmClockDivi: Pi3.PWM_CLOCK_DIVI,
    uartClockHz: BoardCommon.UART_CLOCK_HZ,
    ramBytes: 1024 * 1024 * 1024,
    bundleBudgetBytes: musicBudgetBytes("pi3"),
  },
};

export const TARGET_RATE_HZ = 44100;

/**
 * Output quality (firmware build option): "plain" writes one PWM word per
 * sample; "shaped" oversamples ×16 and noise-shapes (firmware/audio/producer.ts).
 */
export type Quality = "plain" | "shaped";
export const QUALITIES: readonly Quality[] = ["plain", "shaped"];

export function oversampling(q: Quality): number {
  return q === "shaped" ? 16 : 1;
}

export function getBoard(name: string): Board {
  if (name === "pi4" || name === "pi3") return BOARDS[name];
  throw new Error(`unknown board "${name}": use pi4 (Raspberry Pi 4, BCM2711) or pi3 (Raspberry Pi 3, BCM2837)`);
}

export function pwmClockHz(b: Board): number {
  return Math.floor(b.plldHz / b.pwmClockDivi);
}

/** PWM range: clocks per PWM period, nearest to clock / (44100 Hz × oversampling). */
export function pwmRange(b: Board, q: Quality = "plain"): number {
  const per = TARGET_RATE_HZ * oversampling(q);
  return Math.floor((pwmClockHz(b) + per / 2) / per);
}

/** The exact audio frame rate, in mHz (rounded), e.g. 44107269 on a Pi 4 (plain), 44138418 (shaped). */
export function frameRateMilliHz(b: Board, q: Quality = "plain"): number {
  const d = pwmRange(b, q) * oversampling(q);
  return Math.floor((pwmClockHz(b) * 1000 + Math.floor(d / 2)) / d);
}

/** The exact audio frame rate in Hz (clock / (range × oversampling), not rounded). */
export function frameRateHz(b: Board, q: Quality = "plain"): number {
  return pwmClockHz(b) / (pwmRange(b, q) * oversampling(q));
}
