/*
 * uart.c — the runtime's console: PL011 UART0 at 115200 8N1 on GPIO14/15,
 * polled, for the runtime's own lines (boot banner, traps, faults, the
 * MMIO trace). The firmware sets the same UART up again through the ABI
 * for its log; uart_drain() runs before it does, so nothing is lost.
 */
#include "uart.h"
#include "board.h"

#define REG(a) (*(volatile uint32_t*)(uintptr_t)(a))
#define DR (UART0_BASE + 0x00)
#define FR (UART0_BASE + 0x18)
#define IBRD (UART0_BASE + 0x24)
#define FBRD (UART0_BASE + 0x28)
#define LCRH (UART0_BASE + 0x2c)
#define CR (UART0_BASE + 0x30)
#define ICR (UART0_BASE + 0x44)
#define GPFSEL1 (GPIO_BASE + 0x04)
#define FR_BUSY (1u << 3)
#define FR_TXFF (1u << 5)

void uart_init(void) {
  REG(CR) = 0;
  /* GPIO14/15 to ALT0 (TXD0/RXD0), other pins untouched. */
  uint32_t sel = REG(GPFSEL1);
  sel &= ~((7u << 12) | (7u << 15));
  sel |= (4u << 12) | (4u << 15);
  REG(GPFSEL1) = sel;
  REG(ICR) = 0x7ff;
  /* UARTCLK / (16 * 115200) = 26.04: IBRD 26, FBRD round(0.04 * 64) = 3. */
  uint32_t div64 = (4 * UART_CLOCK_HZ + 115200 / 2) / 115200;
  REG(IBRD) = div64 >> 6;
  REG(FBRD) = div64 & 63;
  REG(LCRH) = (3u << 5) | (1u << 4); /* 8 bits, FIFO on */
  REG(CR) = (1u << 0) | (1u << 8) | (1u << 9);
}

void uart_putc(char c) {
  while (REG(FR) & FR_TXFF) {
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
  while (REG(FR) & FR_BUSY) {
  }
}
