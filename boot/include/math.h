/* math.h — the functions wasm2c emits, as compiler builtins: with -fno-math-errno
 * each is one AArch64 instruction (frintm/frintp/frintz/frintn/fabs/fsqrt). */
#ifndef PIWAVE_MATH_H
#define PIWAVE_MATH_H
#define floor __builtin_floor
#define floorf __builtin_floorf
#define ceil __builtin_ceil
#define ceilf __builtin_ceilf
#define trunc __builtin_trunc
#define truncf __builtin_truncf
#define nearbyint __builtin_nearbyint
#define nearbyintf __builtin_nearbyintf
#define fabs __builtin_fabs
#define fabsf __builtin_fabsf
#define sqrt __builtin_sqrt
#define sqrtf __builtin_sqrtf
#define copysign __builtin_copysign
#define copysignf __builtin_copysignf
#define fmin __builtin_fmin
#define fminf __builtin_fminf
#define fmax __builtin_fmax
#define fmaxf __builtin_fmaxf
#define signbit __builtin_signbit
#define isnan __builtin_isnan
#define INFINITY __builtin_inff()
#define NAN __builtin_nanf("")
#endif
