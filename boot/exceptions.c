/*
 * exceptions.c — a CPU exception is never silent: the vector (vectors.S)
 * lands here with ESR/ELR/FAR/SPSR, and this prints an `F exception:` line
 * with the exception class and, for aborts, the fault status decoded, then
 * halts.
 *
 * One exception is expected: the firmware's out-of-bounds load or store.
 * wasm2c's code has no bounds checks of its own (mmu.c: guard pages); the
 * access lands in the unmapped range after linear memory and faults. A
 * synchronous data abort from EL1 whose fault address (valid: ISS.FnV
 * clear) lies in that range and whose fault status is a translation fault
 * becomes the wasm trap "out of bounds" (wasm_rt_trap: back to kmain's
 * wasm_rt_impl_try, an `F trap:` line, halt 5), exactly what the explicit
 * check did. Any other fault, there or elsewhere, is reported here.
 */
#include <stdint.h>

#include "runtime.h"
#include "uart.h"
#include "wasm-rt.h"

#define EC_DATA_ABORT_SAME_EL 0x25
#define ISS_FNV (1u << 10) /* FAR not valid */

static const char* const KIND[4] = {"synchronous", "IRQ", "FIQ", "SError"};
static const char* const FROM[4] = {"current EL with SP_EL0", "current EL with SP_ELx", "lower EL (AArch64)",
                                    "lower EL (AArch32)"};

static const char* ec_name(uint32_t ec) {
  switch (ec) {
    case 0x00: return "unknown reason";
    case 0x01: return "WFI/WFE";
    case 0x07: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x18: return "MSR/MRS trapped";
    case 0x20: return "instruction abort from a lower EL";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from a lower EL";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2c: return "floating-point exception";
    case 0x2f: return "SError";
    case 0x3c: return "BRK instruction";
    default: return "other";
  }
}

static const char* fsc_name(uint32_t fsc) {
  if (fsc >= 0x04 && fsc <= 0x07) return "translation fault";
  if (fsc >= 0x08 && fsc <= 0x0b) return "access flag fault";
  if (fsc >= 0x0c && fsc <= 0x0f) return "permission fault";
  if (fsc == 0x10) return "synchronous external abort";
  if (fsc == 0x21) return "alignment fault";
  return "other fault";
}

static int is_translation_fault(uint32_t fsc) {
  return fsc >= 0x04 && fsc <= 0x07;
}

_Noreturn void exception_report(uint64_t index, uint64_t esr, uint64_t elr, uint64_t far, uint64_t spsr) {
  uint32_t ec = (uint32_t)(esr >> 26) & 0x3f;
  if ((index & 3) == 0 && ec == EC_DATA_ABORT_SAME_EL && !(esr & ISS_FNV) && is_translation_fault((uint32_t)esr & 0x3f) && mmu_in_linear_guard(far)) {
    /* Same stack, same EL: longjmp back to the trap handler as the explicit check's trap did. */
    wasm_rt_trap(WASM_RT_TRAP_OOB);
  }
  uart_puts("\nF exception: ");
  uart_puts(KIND[index & 3]);
  uart_puts(" from ");
  uart_puts(FROM[(index >> 2) & 3]);
  uart_puts(": ");
  uart_puts(ec_name(ec));
  if (ec == 0x24 || ec == 0x25 || ec == 0x20 || ec == 0x21) {
    uart_puts(" (");
    uart_puts(fsc_name((uint32_t)esr & 0x3f));
    if (ec == 0x24 || ec == 0x25) uart_puts(esr & (1u << 6) ? ", write" : ", read");
    uart_puts(")");
  }
  uart_puts(" ESR=");
  uart_hex(esr, 8);
  uart_puts(" ELR=");
  uart_hex(elr, 16);
  uart_puts(" FAR=");
  uart_hex(far, 16);
  uart_puts(" SPSR=");
  uart_hex(spsr, 8);
  uart_puts("\n");
  runtime_halt(HALT_CPU_EXCEPTION);
}
