/* music.h — the music file the GPU firmware loaded (see music.c). */
#ifndef PIWAVE_MUSIC_H
#define PIWAVE_MUSIC_H
#include <stdint.h>

/* The file name, from host/memory-map.ts (MUSIC_FILE) through the build. */
#define MUSIC_FILE PIWAVE_MUSIC_FILE

/* Refuse (an `E bundle:` line and halt 1) a device tree the GPU firmware put
 * inside the music region; called at start-up with x0 at entry. */
void music_check_device_tree(uint64_t device_tree);
/* Size in bytes of the music; the first call checks the header at MUSIC_BASE
 * (an `E bundle:` line and halt 1 when anything is wrong). */
uint32_t music_size(void);
const uint8_t* music_data(void);
#endif
