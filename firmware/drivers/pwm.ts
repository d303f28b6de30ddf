/**
 * PWM controller in FIFO mode, both channels fed from the one shared FIFO.
 *
 * Hardware (docs/hardware.md#pwm): the FIFO holds 16 32-bit words shared by both
 * channels, which take words alternately (ch1, ch2, ch1, ...): one word per
 * channel per period of RNG PWM-clock cycles. So a stereo frame is two
 * words, right first (ch1 = GPIO40 = right). Error flags in STA are
 * write-1-to-clear. CLRF is a one-shot write that empties the FIFO and must
 * follow any change of which channels use the FIFO. M/S mode (MSEN) gives a
 * fixed-period pulse; it is the mode Circle chose to suppress hum.
 */
import { IS_PI4, PERIPHERAL_BASE, PWM_BASE } from "../board";
import { Block } from "../../regs/blocks";
import { PactlCs, PactlReg } from "../../regs/pactl";
import { PwmCtl, PwmDmac, PwmFifo, PwmReg, PwmSta } from "../../regs/pwm";
import { read32, write32 } from "./mmio";
import { delayUs } from "./timer";

export const PWM_CTL: u32 = PWM_BASE + PwmReg.CTL;
export const PWM_STA: u32 = PWM_BASE + PwmReg.STA;
export const PWM_DMAC: u32 = PWM_BASE + PwmReg.DMAC;
export const PWM_RNG1: u32 = PWM_BASE + PwmReg.RNG1;
export const PWM_DAT1: u32 = PWM_BASE + PwmReg.DAT1;
export const PWM_FIF1: u32 = PWM_BASE + PwmReg.FIF1;
export const PWM_RNG2: u32 = PWM_BASE + PwmReg.RNG2;
export const PWM_DAT2: u32 = PWM_BASE + PwmReg.DAT2;

// CTL
export const CTL_PWEN1: u32 = PwmCtl.PWEN1;
export const CTL_USEF1: u32 = PwmCtl.USEF1;
export const CTL_CLRF1: u32 = PwmCtl.CLRF1;
export const CTL_MSEN1: u32 = PwmCtl.MSEN1;
export const CTL_PWEN2: u32 = PwmCtl.PWEN2;
export const CTL_USEF2: u32 = PwmCtl.USEF2;
export const CTL_MSEN2: u32 = PwmCtl.MSEN2;

// STA
export const STA_FULL1: u32 = PwmSta.FULL1;
export const STA_EMPT1: u32 = PwmSta.EMPT1;
export const STA_WERR1: u32 = PwmSta.WERR1;
export const STA_RERR1: u32 = PwmSta.RERR1;
export const STA_GAPO1: u32 = PwmSta.GAPO1;
export const STA_GAPO2: u32 = PwmSta.GAPO2;
export const STA_BERR: u32 = PwmSta.BERR;
/** Every write-1-to-clear flag: WERR1, RERR1, GAPO1..4, BERR. */
export const STA_ERRORS: u32 = PwmSta.W1C;
export const STA_GAPS: u32 = STA_GAPO1 | STA_GAPO2;

/** Stereo FIFO streaming, M/S mode on both channels. */
export const CTL_STREAM: u32 = CTL_PWEN1 | CTL_USEF1 | CTL_MSEN1 | CTL_PWEN2 | CTL_USEF2 | CTL_MSEN2;

export const FIFO_WORDS: u32 = PwmFifo.WORDS;

/** Largest usable range: the FIFO words are compared with RNG as 32-bit values, but the
 * sample conversion (s16 * range >> 16) needs range < 65536. */
export const MAX_RANGE: u32 = 0xffff;

/**
 * Stop the controller and prepare it for streaming at `range` clocks per
 * sample: DMA off, channels off, errors cleared, RNG1 = RNG2 = range, FIFO
 * cleared. The clock must already be running (writes to a PWM without its
 * clock are not reliable).
 */
export function init(range: u32): void {
  write32(PWM_DMAC, 0);
  write32(PWM_CTL, 0);
  delayUs(10); // let the stop reach the PWM clock domain; back-to-back CTL writes raise BERR (docs/hardware.md#pwm)
  write32(PWM_STA, STA_ERRORS);
  write32(PWM_RNG1, range);
  write32(PWM_RNG2, range);
  write32(PWM_CTL, CTL_CLRF1);
  delayUs(10);
  write32(PWM_STA, STA_ERRORS); // a BERR from the CTL writes above, if any
}

/**
 * True when the PWM registers behave as plain RAM: CTL.CLRF1 is a one-shot
 * that reads back 0 on the real controller, but it persists where nothing
 * models the PWM — QEMU 7.2 raspi3b (docs/hardware.md#qemu-raspi3b). Call after `init`.
 */
export function isPlainRam(): bool {
  return (read32(PWM_CTL) & CTL_CLRF1) != 0;
}

/** Enable both channels on the FIFO in M/S mode. Pre-fill the FIFO first. */
export function start(): void {
  write32(PWM_CTL, CTL_STREAM);
}

/** BCM2711 PACTL_CS: bit 23 routes DMA DREQ 1 to PWM1 instead of DSI0 (regs/pactl.ts). */
export const PACTL_CS: u32 = PERIPHERAL_BASE + Block.PACTL + PactlReg.CS;

/**
 * Let the PWM raise DREQ when the FIFO holds `dreq` words or fewer (and
 * PANIC at `panic`). On a BCM2711 PWM1 shares DREQ 1 with DSI0 and the boot
 * firmware has been seen to leave PACTL_CS bit 23 at 0 (DSI0): select PWM1
 * first, read-modify-write, before DMAC is enabled.
 */
export function enableDma(dreq: u32, panic: u32): void {
  if (IS_PI4) write32(PACTL_CS, read32(PACTL_CS) | PactlCs.DREQ1_PWM1);
  write32(PWM_DMAC, <u32>PwmDmac.ENAB | ((panic & PwmDmac.PANIC_MASK) << PwmDmac.PANIC_SHIFT) | ((dreq & PwmDmac.DREQ_MASK) << PwmDmac.DREQ_SHIFT));
}

export function disableDma(): void {
  write32(PWM_DMAC, 0);
}

/** Disable both channels; the outputs go to their idle level. */
export function stop(): void {
  write32(PWM_CTL, 0);
}

@inline export function status(): u32 {
  return read32(PWM_STA);
}

/** Write-1-to-clear the given STA flags. */
@inline export function clearStatus(bits: u32): void {
  write32(PWM_STA, bits);
}

/** Push one word into the FIFO. The caller checks FULL1 first. */
@inline export function push(word: u32): void {
  write32(PWM_FIF1, word);
}
