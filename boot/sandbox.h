/*
 * sandbox.h — GENERATED from regs/ by host/regs/c-header.ts. Do not edit:
 * change regs/ and run `npx tsx scripts/gen-sandbox-header.ts`
 * (tests/sandbox-header.test.ts fails while this file is stale).
 *
 * The firmware's MMIO allow-list per board (a window per block; bit n of a
 * mask is the word at base + 4n), the read-only registers, where DMA may
 * write, the DMA layout the runtime's DMA service programs, and linear
 * memory's alignment and maximum. The simulator reads the same regs/ files.
 */
#ifndef PIWAVE_SANDBOX_H
#define PIWAVE_SANDBOX_H
#include <stdint.h>

struct sandbox_window {
  uint32_t base;
  uint32_t size;
  uint64_t read_mask;
  uint64_t write_mask;
};
struct sandbox_register {
  uint32_t addr;
  const char* name;
};
struct sandbox_dma_destination {
  uint32_t addr; /* ARM physical, as the firmware names it */
  uint32_t bus;  /* as the DMA engine writes it */
  uint32_t dreq; /* TI.PERMAP */
  const char* name;
};

#define SANDBOX_DMA_CHANNELS 0x00000075u
#define SANDBOX_DMA_FREE_MASK 0x000007F5u
#define SANDBOX_DMA_MAX_BLOCKS 8u
#define DMA_SERVICE_RING 0x00000001u
#define DMA_SERVICE_IDLE 0xFFFFFFFFu
#define DMA_SERVICE_FAILED 0xFFFFFFFEu
#define DMA_OFFSET 0x00007000u
#define DMA_CHANNEL_COUNT 0x0000000Fu
#define DMA_CHANNEL_STRIDE 0x00000100u
#define DMA_CS 0x00000000u
#define DMA_CONBLK_AD 0x00000004u
#define DMA_DEBUG 0x00000020u
#define DMA_ENABLE 0x00000FF0u
#define DMA_CS_ACTIVE 0x00000001u
#define DMA_CS_ERROR 0x00000100u
#define DMA_CS_PRIORITY_SHIFT 16u
#define DMA_CS_PANIC_PRIORITY_SHIFT 20u
#define DMA_CS_WAIT_FOR_OUTSTANDING_WRITES 0x10000000u
#define DMA_CS_ABORT 0x40000000u
#define DMA_CS_RESET 0x80000000u
#define DMA_TI_WAIT_RESP 0x00000008u
#define DMA_TI_DEST_DREQ 0x00000040u
#define DMA_TI_SRC_INC 0x00000100u
#define DMA_TI_PERMAP_SHIFT 16u
#define DMA_TI_NO_WIDE_BURSTS 0x04000000u
#define DMA_DEBUG_ERRORS 0x00000007u
#define DMA_CB_TI 0x00000000u
#define DMA_CB_SOURCE_AD 0x00000004u
#define DMA_CB_DEST_AD 0x00000008u
#define DMA_CB_TXFR_LEN 0x0000000Cu
#define DMA_CB_STRIDE 0x00000010u
#define DMA_CB_NEXTCONBK 0x00000014u
#define DMA_CB_BYTES 32u
#define DMA_CB_ALIGN 32u
#define DMA_BUS_RAM_ALIAS 0xC0000000u
#define DMA_BUS_REACH 0x40000000u
#define LINEAR_MEMORY_ALIGN 0x00010000u
#define LINEAR_MEMORY_MAX_PAGES 256u

#if PIWAVE_BOARD == 4
#define SANDBOX_BOARD_NAME "pi4 (BCM2711)"
static const struct sandbox_window SANDBOX_WINDOWS[] = {
    {0xFE003004u, 0x8u, 0x0000000000000003ull, 0x0000000000000000ull}, /* TIMER */
    {0xFE1010A0u, 0x8u, 0x0000000000000003ull, 0x0000000000000003ull}, /* CM */
    {0xFE200000u, 0xF4u, 0x1E00000000006DBFull, 0x1E00000000000DBFull}, /* GPIO */
    {0xFE201000u, 0x4Cu, 0x000000000007FE43ull, 0x0000000000067E03ull}, /* UART0 */
    {0xFE204E00u, 0x4u, 0x0000000000000001ull, 0x0000000000000001ull}, /* PACTL */
    {0xFE20C800u, 0x28u, 0x0000000000000377ull, 0x0000000000000377ull}, /* PWM */
};
static const struct sandbox_register SANDBOX_READ_ONLY[] = {
    {0xFE003004u, "ST_CLO"},
    {0xFE003008u, "ST_CHI"},
    {0xFE200034u, "GPLEV0"},
    {0xFE200038u, "GPLEV1"},
    {0xFE201018u, "UART_FR"},
    {0xFE20103Cu, "UART_RIS"},
    {0xFE201040u, "UART_MIS"},
};
static const struct sandbox_dma_destination SANDBOX_DMA_DESTINATIONS[] = {
    {0xFE20C818u, 0x7E20C818u, 1u, "PWM1_FIF1"},
};
#elif PIWAVE_BOARD == 3
#define SANDBOX_BOARD_NAME "pi3 (BCM2837)"
static const struct sandbox_window SANDBOX_WINDOWS[] = {
    {0x3F003004u, 0x8u, 0x0000000000000003ull, 0x0000000000000000ull}, /* TIMER */
    {0x3F1010A0u, 0x8u, 0x0000000000000003ull, 0x0000000000000003ull}, /* CM */
    {0x3F200000u, 0xA0u, 0x000000E000006DBFull, 0x000000E000000DBFull}, /* GPIO */
    {0x3F201000u, 0x4Cu, 0x000000000007FE43ull, 0x0000000000067E03ull}, /* UART0 */
    {0x3F20C000u, 0x28u, 0x0000000000000377ull, 0x0000000000000377ull}, /* PWM */
};
static const struct sandbox_register SANDBOX_READ_ONLY[] = {
    {0x3F003004u, "ST_CLO"},
    {0x3F003008u, "ST_CHI"},
    {0x3F200034u, "GPLEV0"},
    {0x3F200038u, "GPLEV1"},
    {0x3F201018u, "UART_FR"},
    {0x3F20103Cu, "UART_RIS"},
    {0x3F201040u, "UART_MIS"},
};
static const struct sandbox_dma_destination SANDBOX_DMA_DESTINATIONS[] = {
    {0x3F20C018u, 0x7E20C018u, 5u, "PWM_FIF1"},
};
#else
#error "PIWAVE_BOARD must be 3 or 4"
#endif

#endif
