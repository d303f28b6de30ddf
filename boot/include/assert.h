/* assert.h — a failed assertion reports file and line on the UART and halts. */
#ifndef PIWAVE_ASSERT_H
#define PIWAVE_ASSERT_H
_Noreturn void piwave_assert_fail(const char* expr, const char* file, int line);
#define assert(e) ((e) ? (void)0 : piwave_assert_fail(#e, __FILE__, __LINE__))
#endif
