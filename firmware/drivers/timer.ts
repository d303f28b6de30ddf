/**
 * System timer: a free-running 64-bit counter at 1 MHz (CLO/CHI), the one
 * time base that both the Pi and QEMU raspi3b implement (docs/hardware.md#system-timer).
 * Used for delays, timeouts and timestamps; the compare channels are unused.
 */
import { SYSTEM_TIMER_BASE } from "../board";
import { TimerReg } from "../../regs/timer";
import { read32 } from "./mmio";

const CLO: u32 = SYSTEM_TIMER_BASE + TimerReg.CLO;
const CHI: u32 = SYSTEM_TIMER_BASE + TimerReg.CHI;

/** Low 32 bits of the microsecond counter (wraps every ~71 minutes; use differences). */
@inline export function micros(): u32 {
  return read32(CLO);
}

/** The full 64-bit microsecond counter, read consistently (CHI, CLO, CHI again). */
export function micros64(): u64 {
  let hi = read32(CHI);
  let lo = read32(CLO);
  const hi2 = read32(CHI);
  if (hi2 != hi) {
    hi = hi2;
    lo = read32(CLO);
  }
  return (<u64>hi << 32) | <u64>lo;
}

/** Busy-wait at least `us` microseconds. */
export function delayUs(us: u32): void {
  const start = micros();
  while (micros() - start < us) {}
}
