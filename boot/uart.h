/* uart.h — the runtime's own console on the PL011 (see uart.c). */
#ifndef PIWAVE_UART_H
#define PIWAVE_UART_H
#include <stdint.h>
void uart_init(void);
void uart_putc(char c);
void uart_puts(const char* s);
void uart_hex(uint64_t v, int digits);
void uart_dec(uint64_t v);
void uart_drain(void);
#endif
