/* stdio.h — only what the wasm2c runtime names; output goes to the UART (libc.c). */
#ifndef PIWAVE_STDIO_H
#define PIWAVE_STDIO_H
int printf(const char* fmt, ...);
void perror(const char* msg);
#endif
