/* setjmp.h — see setjmp.S: x19-x30, sp, d8-d15 = 21 slots. */
#ifndef PIWAVE_SETJMP_H
#define PIWAVE_SETJMP_H
typedef unsigned long jmp_buf[22];
int setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int val);
#endif
