/*
 * uart.c — the runtime's console: PL011 UART0 at 115200 8N1 on GPIO14/15,
 * polled, for the runtime's own lines (boot banner, traps, faults, the
 * MMIO trace). The firmware sets the same UART up again through the ABI
 * for its log; uart_drain() runs before it does, so nothing is lost.
 */
#include "uart.h"
#include "board.h"

#define REG(a) (*(volatile uint32_t*)(uintptr_t)(a))
#define DR (UART0_BASE + PL011_DR)
#define FR (UART0_BASE + PL011_FR)
#define IBRD (UART0_BASE + PL011_IBRD)
#define FBRD (UART0_BASE + PL011_FBRD)
#define LCRH (UART0_BASE + PL011_LCRH)
#define CR (UART0_BASE + PL011_CR)
#define ICR (UART0_BASE + PL011_ICR)
/* GPFSELn of a pin, and the shift of its 3 bits. */
#define GPFSEL(pin) (GPIO_BASE + GPIO_GPFSEL0 + ((pin) / GPIO_FSEL_PINS_PER_REG) * 4u)
#define FSEL_SHIFT(pin) (((pin) % GPIO_FSEL_PINS_PER_REG) * GPIO_FSEL_BITS)

void uart_init(void) {
  REG(CR) = 0;
  /* GPIO14/15 to ALT0 (TXD0/RXD0), other pins untouched (both in GPFSEL1). */
  _Static_assert(UART_TX_PIN / GPIO_FSEL_PINS_PER_REG == UART_RX_PIN / GPIO_FSEL_PINS_PER_REG, "TX and RX share a GPFSEL register");
  uint32_t sel = REG(GPFSEL(UART_TX_PIN));
  sel &= ~((GPIO_FSEL_MASK << FSEL_SHIFT(UART_TX_PIN)) | (GPIO_FSEL_MASK << FSEL_SHIFT(UART_RX_PIN)));
  sel |= (GPIO_FSEL_ALT0 << FSEL_SHIFT(UART_TX_PIN)) | (GPIO_FSEL_ALT0 << FSEL_SHIFT(UART_RX_PIN));
  REG(GPFSEL(UART_TX_PIN)) = sel;
  REG(ICR) = PL011_INT_ALL;
  /* UARTCLK / (16 * 115200) = 26.04: IBRD 26, FBRD round(0.04 * 64) = 3. */
  uint32_t div64 = (4 * UART_CLOCK_HZ + UART_BAUD / 2) / UART_BAUD;
  REG(IBRD) = div64 / PL011_FBRD_SCALE;
  REG(FBRD) = div64 % PL011_FBRD_SCALE;
  REG(LCRH) = PL011_LCRH_WLEN8 | PL011_LCRH_FEN; /* 8 bits, FIFO on */
  REG(CR) = PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE;
}

void uart_putc(char c) {
  while (REG(FR) & PL011_FR_TXFF) {
  }
  REG(DR) = (uint8_t)c;
}

void uart_puts(const char* s) {
  while (*s) {
    if (*s == '\n') uart_putc('\r');
    uart_putc(*s++);
  }
}

void uart_hex(uint64_t v, int digits) {
  uart_puts("0x");
  for (int i = digits - 1; i >= 0; i--) uart_putc("0123456789abcdef"[(v >> (i * 4)) & 0xf]);
}

void uart_dec(uint64_t v) {
  char buf[21];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) uart_putc(buf[--n]);
}

void uart_drain(void) {
  while (REG(FR) & PL011_FR_BUSY) {
  }
}
