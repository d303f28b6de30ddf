/* setjmp.h — see setjmp.S: x19-x30, sp, d8-d15 = 21 slots. */
#ifndef PIWAVE_SETJMP_H
#define PIWAVE_SETJMP_H
typedef unsigned long jmp_buf[22];
int setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int val);
/* wasm2c's runtime uses the sig* forms when memory is checked by guard pages
 * (mmu.c); there are no signal masks to save on bare metal. */
#define sigsetjmp(env, savemask) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)
#endif
