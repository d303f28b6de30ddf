/**
 * Clock manager (CPRMAN): the PWM clock generator, CM_PWMCTL / CM_PWMDIV.
 *
 * Rules (docs/hardware.md#clock-manager):
 *   - every write carries the password 0x5A in bits 31:24, or it is ignored;
 *   - SRC, MASH and DIV may only change while BUSY (bit 7) reads 0, so the
 *     generator is first disabled (ENAB cleared, it stops at the end of the
 *     current cycle) and, if it does not stop, KILLed;
 *   - then DIV, then SRC, then SRC | ENAB;
 *   - never wait for BUSY = 1: QEMU 7.2 never sets it (docs/hardware.md#qemu-raspi3b), and it is not
 *     needed — the generator starts on its own.
 * Every wait has a timeout, so a dead clock is reported, never a hang.
 */
import { CM_BASE } from "../board";
import { CmCtl, CmDiv, CmField, CmReg, CmSrc } from "../../regs/cm";
import { read32, write32 } from "./mmio";
import { delayUs, micros } from "./timer";

export const CM_PWMCTL: u32 = CM_BASE + CmReg.PWMCTL;
export const CM_PWMDIV: u32 = CM_BASE + CmReg.PWMDIV;

export const CM_PASSWD: u32 = CmField.PASSWD;
export const CM_SRC_MASK: u32 = CmCtl.SRC_MASK;
export const CM_SRC_OSC: u32 = CmSrc.OSC;
export const CM_SRC_PLLD: u32 = CmSrc.PLLD;
export const CM_ENAB: u32 = CmCtl.ENAB;
export const CM_KILL: u32 = CmCtl.KILL;
export const CM_BUSY: u32 = CmCtl.BUSY;
export const CM_MASH_SHIFT: u32 = CmCtl.MASH_SHIFT;

/** How long the generator may take to stop. A cycle of the slowest source is far shorter. */
const BUSY_TIMEOUT_US: u32 = 10000;

/** Result of `startPwmClock`. */
export enum ClockStatus {
  Ok = 0,
  /** BUSY stayed 1 even after KILL: the generator is stuck. */
  StuckBusy = 1,
}

/** Wait until BUSY reads 0, at most `timeoutUs`. Returns true when it did. */
function waitNotBusy(timeoutUs: u32): bool {
  const start = micros();
  while (read32(CM_PWMCTL) & CM_BUSY) {
    if (micros() - start >= timeoutUs) return false;
  }
  return true;
}

/**
 * Stop the PWM clock generator: clear ENAB (clean stop at the end of the
 * cycle), wait for BUSY = 0, and KILL it if it does not stop in time.
 * Returns false if BUSY is still set after KILL.
 */
export function stopPwmClock(): bool {
  const ctl = read32(CM_PWMCTL);
  write32(CM_PWMCTL, CM_PASSWD | (ctl & CM_SRC_MASK)); // ENAB = 0, keep SRC
  if (waitNotBusy(BUSY_TIMEOUT_US)) return true;
  write32(CM_PWMCTL, CM_PASSWD | CM_KILL);
  const stopped = waitNotBusy(BUSY_TIMEOUT_US);
  write32(CM_PWMCTL, CM_PASSWD); // KILL is not one-shot: release it
  return stopped;
}

/**
 * Run the PWM clock from `src` (CM_SRC_*) divided by the integer `divi`
 * (MASH 0). Follows the order DIV, SRC, ENAB with the generator stopped.
 */
export function startPwmClock(src: u32, divi: u32): ClockStatus {
  if (!stopPwmClock()) return ClockStatus.StuckBusy;
  write32(CM_PWMDIV, CM_PASSWD | ((divi & CmDiv.DIVI_MASK) << CmDiv.DIVI_SHIFT)); // DIVI bits 23:12, DIVF 0
  delayUs(10);
  write32(CM_PWMCTL, CM_PASSWD | (src & CM_SRC_MASK)); // SRC, MASH 0, not yet enabled
  delayUs(10);
  write32(CM_PWMCTL, CM_PASSWD | (src & CM_SRC_MASK) | CM_ENAB);
  return ClockStatus.Ok;
}

/** Current CM_PWMCTL value (for diagnostics). */
@inline export function pwmClockControl(): u32 {
  return read32(CM_PWMCTL);
}
