/**
 * The memory limits a WebAssembly module declares for the memory it
 * defines (memory section, id 5), read from the binary: the simulator
 * needs the maximum to apply the sandbox's memory rule (regs/memory.ts)
 * before instantiating, as the runtime does after wasm2c's instantiate.
 * Binary format: WebAssembly core spec 5.5.8 (memory section), 5.3.7
 * (limits: 0x00 min | 0x01 min max, u32 LEB128).
 */
export interface MemoryLimits {
  /** Initial size in 64 KiB pages. */
  initial: number;
  /** Declared maximum in pages, or null when the module declares none. */
  maximum: number | null;
}

/** The limits of the module's own memory, or null when it defines none. */
export function memoryLimits(wasm: Uint8Array): MemoryLimits | null {
  let at = 8; // magic + version
  const u32 = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (at >= wasm.length) throw new Error("truncated LEB128 in the wasm module");
      const b = wasm[at++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
      shift += 7;
      if (shift > 35) throw new Error("LEB128 too long in the wasm module");
    }
  };
  while (at < wasm.length) {
    const id = wasm[at++]!;
    const size = u32();
    const end = at + size;
    if (id === 5) {
      if (u32() === 0) return null;
      const flags = wasm[at++]!;
      const initial = u32();
      const maximum = flags & 1 ? u32() : null;
      return { initial, maximum };
    }
    at = end;
  }
  return null;
}
