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
 * | bus_address   | (ptr: u32, len: u32) => u32            |
 * | cache_clean   | (ptr: u32, len: u32) => void           |
 * | bundle_size   | () => u32                              |
 * | bundle_read   | (offset: u32, dst: u32, len: u32) => u32 |
 * | halt          | (code: u32) => never returns           |
 */

/**
 * Volatile 32-bit read of the register at ARM physical address `addr`.
 *
 * `addr` must be 4-byte aligned and inside one of the windows the firmware
 * is allowed to touch: GPIO, clock manager, PWM, DMA, system timer, PL011
 * UART of the board the firmware was built for.
 *
 * Bad address (unaligned, outside the allow-list, or in the simulator a
 * register that is not modelled): the access does NOT happen. The host
 * reports the address (the simulator also names the nearest register) and
 * stops the firmware as if `halt(HALT_BAD_MMIO)` had been called; the call
 * never returns.
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
 * Bus address (the address a DMA engine uses) of the linear-memory range
 * [ptr, ptr + len). On the Pi the runtime places linear memory below 1 GiB
 * and answers `phys | 0xC0000000` (docs/hardware.md#addresses: the legacy DMA
 * engines see RAM through the uncached 0xC0000000 alias and reach only the
 * first 1 GiB). The range is also made coherent for DMA (data cache cleaned)
 * The call only translates; making CPU writes visible to DMA is
 * `cache_clean`'s job.
 *
 * Bad range (outside linear memory, or not reachable by DMA): the host
 * reports it and stops the firmware; the call never returns.
 */
@external("env", "bus_address")
export declare function bus_address(ptr: u32, len: u32): u32;

/**
 * Make the CPU's writes to linear memory [ptr, ptr + len) visible to DMA
 * engines (clean the data cache to the point of coherency). Call it after
 * filling a DMA buffer or control block and before the DMA engine may read
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

/** `halt` codes. Shared meaning for the simulator and the runtime. */
export const HALT_DONE: u32 = 0; // played everything, summary printed
export const HALT_BAD_BUNDLE: u32 = 1; // asset bundle missing or malformed
export const HALT_HARDWARE: u32 = 2; // a peripheral did not respond (e.g. clock BUSY stuck)
export const HALT_ABORT: u32 = 3; // AssemblyScript abort (assertion, bounds, OOM)
export const HALT_BAD_MMIO: u32 = 4; // used by hosts when they refuse an access

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

/** `mailbox_call` results. */
export const MAILBOX_OK: u32 = 0;
export const MAILBOX_NO_ANSWER: u32 = 1;
export const MAILBOX_ERROR: u32 = 2;
