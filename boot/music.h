/* music.h — the music file the GPU firmware loaded (see music.c). */
#ifndef PIWAVE_MUSIC_H
#define PIWAVE_MUSIC_H
#include <stdint.h>

/* The file name, from host/memory-map.ts (MUSIC_FILE) through the build. */
#define MUSIC_FILE PIWAVE_MUSIC_FILE

/* Check the music's header at MUSIC_BASE (and that the device tree the
 * firmware passed, if any, is not inside it); an `E bundle:` line and halt 1
 * when anything is wrong. */
void music_open(uint64_t device_tree);
/* Size in bytes of the checked music (0 before music_open). */
uint32_t music_size(void);
const uint8_t* music_data(void);
#endif
