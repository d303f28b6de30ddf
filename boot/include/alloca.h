/* alloca.h — stack allocation, straight to the compiler builtin. */
#ifndef PIWAVE_ALLOCA_H
#define PIWAVE_ALLOCA_H
#define alloca __builtin_alloca
#endif
