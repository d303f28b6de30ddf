/**
 * The piwave firmware ABI: every import the firmware may use, and nothing else.
 *
 * The firmware is one WebAssembly module. It never touches hardware or the
 * host directly; it calls these functions, imported from module `env`. Two
 * implementations exist and both implement exactly this list:
 *   - the simulator (`host/sim/abi.ts`), backed by register-level models;
 *   - the bare-metal runtime (`boot/`), backed by real MMIO on the Pi.
 *
 * All values are 32-bit. Addresses given to `mmio_*` are ARM *physical*
 * addresses (e.g. 0xFE20C800 for PWM1 on a Pi 4), never bus addresses.
 * Pointers (`ptr`, `dst`) are byte offsets into the firmware's own linear
 * memory.
 *
 * The module is compiled with `--use abort=firmware/runtime/abort/onAbort`
 * and without `Math.random`, `Date`, `trace` or `console`, so the compiler
 * adds no `env.abort`, `env.seed` or `env.trace` imports of its own
 * (checked by tests/abi.test.ts).
 *
 * | import        | signature                              |
 * |---------------|----------------------------------------|
 * | mmio_read     | (addr: u32) => u32                     |
 * | mmio_write    | (addr: u32, value: u32) => void        |
 * | cache_clean   | (ptr: u32, len: u32) => void           |
 * | bundle_size   | () => u32                              |
 * | bundle_read   | (offset: u32, dst: u32, len: u32) => u32 |
 * | halt          | (code: u32) => never returns           |
 * | dma_start     | (channel: u32, dest: u32, blocks: u32, count: u32, flags: u32) => void |
 * | dma_position  | (channel: u32) => u32                  |
 * | dma_stop      | (channel: u32) => void                 |
 *
 * The sandbox: the firmware reaches hardware only through `mmio_*` on the
 * registers of regs/allow-list.ts, and DMA only through the DMA service
 * below. Whatever it passes, it cannot make the machine read or write
 * outside its linear memory and those registers.
 *
 * Memory: the module declares a maximum of at most 256 pages (16 MiB;
 * asconfig.json `maximumMemory`, regs/memory.ts). The runtime and the
 * simulator refuse a module that declares none or more (halt 4, before
 * `main` runs), and `memory.grow` past the maximum returns -1, as wasm
 * specifies. Linear memory starts on a 64 KiB boundary in physical RAM on
 * both.
 */
import { DmaChannels, DmaService } from "../regs/dma";
import { Halt } from "../regs/halt";
import { MailboxResult } from "../regs/mailbox";

/**
 * Volatile 32-bit read of the register at ARM physical address `addr`.
 *
 * `addr` must be 4-byte aligned and one of the registers of the board's
 * allow-list (regs/allow-list.ts: the system timer's counter, the PWM clock
 * generator, GPIO, the PL011 UART, the jack's PWM and, on a Pi 4,
 * PACTL_CS); some of them are read-only.
 *
 * Refused address (unaligned, not in the allow-list, a write to a read-only
 * register): the access does NOT happen. The host prints
 * `F mmio: refused read of 0x........: <reason>` and stops the firmware
 * with `HALT_BAD_MMIO` (4); the call never returns. The simulator and the
 * runtime read the same list and give the same verdict.
 */
@external("env", "mmio_read")
export declare function mmio_read(addr: u32): u32;

/**
 * Volatile 32-bit write of `value` to the register at ARM physical address
 * `addr`. Same address rules and failure behaviour as `mmio_read`.
 */
@external("env", "mmio_write")
export declare function mmio_write(addr: u32, value: u32): void;

/**
 * Make the CPU's writes to linear memory [ptr, ptr + len) visible to DMA
 * engines (clean the data cache to the point of coherency). Call it after
 * filling a DMA buffer and before the DMA engine may read
 * it. The simulator has no caches: there it only checks the range.
 *
 * Bad range: reported, firmware stopped, never returns.
 */
@external("env", "cache_clean")
export declare function cache_clean(ptr: u32, len: u32): void;

/**
 * Size in bytes of the asset bundle embedded with the firmware (0 when
 * there is none). The bundle is not part of the wasm module: the runtime
 * links it into the kernel image as a blob and the simulator loads it from
 * a file; both serve it through `bundle_size`/`bundle_read`.
 */
@external("env", "bundle_size")
export declare function bundle_size(): u32;

/**
 * Copy up to `len` bytes of the asset bundle, starting at byte `offset`,
 * into linear memory at `dst`. Returns the number of bytes copied:
 * `min(len, bundle_size() - offset)`, or 0 when `offset >= bundle_size()`.
 *
 * Bad destination ([dst, dst + len) not inside linear memory): nothing is
 * copied, the host reports it and stops the firmware; never returns.
 */
@external("env", "bundle_read")
export declare function bundle_read(offset: u32, dst: u32, len: u32): u32;

/**
 * Stop the firmware for good. Never returns. The simulator ends the run and
 * reports `code`; the bare-metal runtime reports it on the UART and parks
 * the core in a low-power `wfe` loop. The firmware flushes its UART log
 * before calling this.
 */
@external("env", "halt")
export declare function halt(code: u32): void;

/** `halt` codes (regs/halt.ts, the one table the hosts and the runtime share). */
export const HALT_DONE: u32 = Halt.DONE; // played everything, summary printed
export const HALT_BAD_BUNDLE: u32 = Halt.BAD_BUNDLE; // asset bundle missing or malformed
export const HALT_HARDWARE: u32 = Halt.HARDWARE; // a peripheral did not respond (e.g. clock BUSY stuck)
export const HALT_ABORT: u32 = Halt.ABORT; // AssemblyScript abort (assertion, bounds, OOM)
export const HALT_BAD_MMIO: u32 = Halt.REFUSED; // used by hosts when they refuse an access (MMIO, a range, a DMA request)
// The runtime and the simulator add Halt.WASM_TRAP (5, incl. call stack
// exhausted), Halt.CPU_EXCEPTION (6, runtime only), Halt.RUNTIME (7).

// ---- DMA service -----------------------------------------------------------
//
// The runtime owns the DMA engine. The firmware hands it buffers in its own
// linear memory and names a destination FIFO; the runtime builds the control
// blocks in its own memory (32-byte aligned by construction), checks every
// source lies in linear memory and the destination is a peripheral FIFO of
// the allow-list, and programs the channel. The firmware never sees a bus
// address, a control block or a DMA register, so it cannot point the engine
// anywhere else, nor change a running chain.
//
// Every transfer is memory -> one FIFO register, 32-bit words, source
// incrementing, paced by the destination's DREQ (TI = PERMAP(dreq) |
// DEST_DREQ | SRC_INC | WAIT_RESP | NO_WIDE_BURSTS), channel priority 8,
// panic priority 8 (Circle's defaults). On a Pi 4, PWM1's DREQ reaches the
// engine only while PACTL_CS bit 23 is set (regs/pactl.ts): the firmware sets
// it (it is in the allow-list) before enabling the PWM's DMAC.
//
// When the firmware stops for good (halt, a trap, a refusal), the runtime
// aborts and disables every chain it started: a ring never keeps looping.
//
// Refused requests (reported as `F dma: refused <call> on channel N: <reason>`,
// then halt(HALT_BAD_MMIO), never returning):
//   - a channel outside DMA_CHANNELS (0, 2, 4, 5, 6: the full channels the
//     VideoCore leaves to the ARM, mask 0x07F5; regs/dma.ts);
//   - dma_start on a channel that is running (dma_stop it first);
//   - a destination that is not a DMA destination of the board
//     (regs/allow-list.ts DMA_DESTINATIONS: PWM1 FIF1 0xFE20C818 on a Pi 4,
//     PWM FIF1 0x3F20C018 on a Pi 3), e.g. RAM, another register;
//   - count 0 or above DMA_MAX_BLOCKS, unknown flag bits;
//   - a block list, or a block, not inside linear memory; a block whose
//     offset is not 4-byte aligned or whose length is 0 or not a whole
//     number of words.

/** Channels the DMA service admits (bit n = channel n): 0, 2, 4, 5, 6. */
export const DMA_CHANNELS: u32 = DmaChannels.SERVICE_MASK;
/** Most blocks in one chain. */
export const DMA_MAX_BLOCKS: u32 = DmaService.MAX_BLOCKS;
/** `flags`: after the last block the engine goes back to the first, until dma_stop. */
export const DMA_RING: u32 = DmaService.RING;
/** `dma_position`: the channel is not running (never started, stopped, or the chain ended). */
export const DMA_IDLE: u32 = <u32>DmaService.IDLE;
/** `dma_position`: the engine stopped with an error (CS.ERROR). */
export const DMA_FAILED: u32 = <u32>DmaService.FAILED;

/**
 * Start `channel` on a chain of `count` blocks. `blocks` is the linear-memory
 * offset of `count` pairs of u32 `{ offset, length }`, each naming a buffer
 * in linear memory; the runtime copies the list, so it may be reused at
 * once. `dest` is the ARM physical address of the destination FIFO register
 * (e.g. PWM_FIF1). Enable the peripheral's DREQ (e.g. PWM DMAC) before, and
 * `cache_clean` the buffers whenever they change.
 *
 * The runtime resets the channel first as the peers do (CS.RESET, waits for
 * it to clear, clears DEBUG's error flags), then loads the first block and
 * sets it active. Refused: see above.
 */
@external("env", "dma_start")
export declare function dma_start(channel: u32, dest: u32, blocks: u32, count: u32, flags: u32): void;

/**
 * Which block (0..count-1) the engine is working on now, or `DMA_IDLE`, or
 * `DMA_FAILED`. A block index changes when the engine has taken the last
 * word of the previous one: that buffer may be refilled.
 */
@external("env", "dma_position")
export declare function dma_position(channel: u32): u32;

/** Abort the transfer, reset the channel and disable it. Stopping an idle channel is fine. */
@external("env", "dma_stop")
export declare function dma_stop(channel: u32): void;


// ---------------------------------------------------------------------------
// Mailbox: the VideoCore firmware's property interface (ARM clock, board
// revision). This block is the mailbox service's alone (boot/abi.c and
// host/sim/abi.ts have matching blocks).
//
// | import        | signature                              |
// |---------------|----------------------------------------|
// | mailbox_call  | (ptr: u32, len: u32) => u32            |
// ---------------------------------------------------------------------------

/**
 * Send one property-interface message to the VideoCore and wait for its
 * answer. [ptr, ptr + len) in linear memory holds the message in the
 * VideoCore's format (all words little-endian u32):
 *
 *     0  total size in bytes (= len)
 *     4  request code: 0
 *     8  tags, each: tag id, value-buffer size in bytes, request size,
 *        then the value buffer (padded to 4 bytes)
 *        ... the end tag 0
 *
 * The firmware never hands the VideoCore an address: the host copies the
 * message into a 16-byte aligned buffer of its own (the VideoCore reads
 * and writes physical memory, unchecked by the MMU), checks every tag
 * against its allow-list, sends that buffer's bus address on channel 8
 * (property tags, ARM to VideoCore), waits at most 250 ms for the answer,
 * and copies the answered message back to [ptr, ptr + len).
 *
 * Allowed tags (value-buffer size in bytes; what is allowed):
 *   0x00000001 get firmware revision      4
 *   0x00010002 get board revision         4
 *   0x00030002 get clock rate             8   any clock id
 *   0x00030004 get max clock rate         8   any clock id
 *   0x00030007 get min clock rate         8   any clock id
 *   0x00030047 get measured clock rate    8   any clock id
 *   0x00038002 set clock rate            12   ARM clock (id 3) only
 * A value buffer may be larger than listed, up to 64 bytes.
 *
 * Returns MAILBOX_OK (the VideoCore answered: response code 0x80000000,
 * the buffer holds the answers), MAILBOX_NO_ANSWER (no answer within the
 * time limit: the buffer is left as it was; go on without) or
 * MAILBOX_ERROR (it answered with an error code).
 *
 * Refused (the call never returns; the host reports it and halts with 4,
 * like a refused MMIO access): the range outside linear memory; `len`
 * not a multiple of 4, under 12 or over 256 bytes; word 0 not `len`; a
 * request code other than 0; a tag not in the list, or its buffer too
 * small or too large or running past `len`; no end tag; `set clock rate`
 * for a clock other than the ARM's.
 */
@external("env", "mailbox_call")
export declare function mailbox_call(ptr: u32, len: u32): u32;

/** `mailbox_call` results (regs/mailbox.ts). */
export const MAILBOX_OK: u32 = MailboxResult.OK;
export const MAILBOX_NO_ANSWER: u32 = MailboxResult.NO_ANSWER;
export const MAILBOX_ERROR: u32 = MailboxResult.ERROR;
