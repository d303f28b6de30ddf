/**
 * Checking a firmware module before anything runs it: a user's `.wasm` (or
 * one compiled from their entry point) is accepted only if it is valid
 * WebAssembly, imports nothing but the piwave ABI — module `env`, the names
 * and signatures of `ABI_IMPORTS` (host/sim/abi.ts, the one list the
 * simulator, the bare-metal runtime and tests/abi.test.ts agree on) — and
 * exports `main` and its `memory`. Anything else is refused here, naming
 * the import, instead of failing later as a LinkError in the simulator or an
 * undefined symbol when kernel8.img is linked.
 *
 * The JS WebAssembly API lists imports without their types, so the import
 * and type sections are read from the binary (WebAssembly core spec 1.0,
 * sections 5.5.2 (sections), 5.5.4 (type section) and 5.5.5 (import section)).
 */
import { ABI_IMPORTS, type AbiImport } from "./sim/abi.js";

/** The module is not a firmware piwave can run: says which file, what is wrong and what to do. */
export class FirmwareModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FirmwareModuleError";
  }
}

export interface ModuleImport {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global";
  /** For functions: "(i32, i32) -> nil", in ABI_IMPORTS's notation. */
  signature?: string;
}

const VALTYPES: Record<number, string> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

/** What AssemblyScript adds when a module is not compiled with piwave's settings, and what to do instead. */
const HINTS: Record<string, string> = {
  "env.abort": "AssemblyScript imports it unless abort is routed to the firmware's own handler: build the entry with piwave (`--entry`), which passes `--use abort=…` as asconfig.json does",
  "env.seed": "Math.random needs a seed from the host; the firmware has no random source in the ABI: use your own PRNG with a fixed seed",
  "env.trace": "trace() prints through the host; print over the UART instead",
  "env.Date.now": "Date needs a host clock; read the system timer (ST_CLO/ST_CHI) instead",
  "env.console.log": "console.log needs a host; print over the UART instead",
};

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly end: number,
  ) {}
  byte(): number {
    if (this.pos >= this.end) throw new RangeError("unexpected end of section");
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) throw new RangeError("LEB128 number too long");
    }
  }
  name(): string {
    const n = this.u32();
    if (this.pos + n > this.end) throw new RangeError("name runs past the section");
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  limits(): void {
    const flag = this.byte();
    this.u32();
    if (flag & 1) this.u32();
  }
}

/** The imports of a (valid) module, with function signatures. */
export function moduleImports(bytes: Uint8Array): ModuleImport[] {
  const types: string[] = [];
  const out: ModuleImport[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    const head = new Reader(bytes, bytes.length);
    head.pos = pos + 1;
    const size = head.u32();
    const r = new Reader(bytes, head.pos + size);
    r.pos = head.pos;
    if (id === 1) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        if (r.byte() !== 0x60) throw new RangeError("type section: not a function type");
        const params = Array.from({ length: r.u32() }, () => VALTYPES[r.byte()] ?? "?");
        const results = Array.from({ length: r.u32() }, () => VALTYPES[r.byte()] ?? "?");
        types.push(`(${params.join(", ")}) -> ${results.length ? results.join(", ") : "nil"}`);
      }
    } else if (id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) out.push({ module, name, kind: "function", signature: types[r.u32()] ?? "?" });
        else if (kind === 1) {
          r.byte();
          r.limits();
          out.push({ module, name, kind: "table" });
        } else if (kind === 2) {
          r.limits();
          out.push({ module, name, kind: "memory" });
        } else {
          r.byte();
          r.byte();
          out.push({ module, name, kind: "global" });
        }
      }
      return out;
    }
    pos = head.pos + size;
  }
  return out;
}

/**
 * Does the firmware read the asset bundle at all? Only through the ABI's
 * `env.bundle_size` and `env.bundle_read`; AssemblyScript imports only the
 * external functions a program calls, so a firmware that never opens the
 * bundle (a synthesiser) imports neither, and the host gives it none
 * (`piwave build`/`sim` write and load an empty bundle instead of the demo
 * music).
 */
export function readsBundle(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.module === "env" && (i.name === "bundle_size" || i.name === "bundle_read"));
}

/**
 * The import and export checks for an already compiled module, by name
 * only (the JS API does not give the imports' types; `checkFirmwareModule`
 * checks them from the bytes).
 */
export function checkModuleImports(module: WebAssembly.Module, name: string): void {
  const allowed = Object.keys(ABI_IMPORTS).map((n) => `env.${n}`).join(", ");
  for (const imp of WebAssembly.Module.imports(module)) {
    const full = `${imp.module}.${imp.name}`;
    if (imp.module !== "env" || !(imp.name in ABI_IMPORTS) || imp.kind !== "function") {
      const hint = HINTS[full];
      throw new FirmwareModuleError(`${name} imports ${full} (a ${imp.kind}), which is not in piwave's ABI; a firmware may import only ${allowed}` + (hint ? `. ${hint}` : `: remove the import (firmware/abi.ts documents the ABI)`));
    }
  }
  checkExports(module, name);
}

function checkExports(module: WebAssembly.Module, name: string): void {
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exports.get("main") !== "function") throw new FirmwareModuleError(`${name} does not export a function \`main\`: the runtime calls main() to start the firmware (export function main(): void)`);
  if (exports.get("memory") !== "memory") throw new FirmwareModuleError(`${name} does not export its memory: build it without --importMemory and without --noExportMemory`);
}

/**
 * Check that `bytes` is a firmware piwave can run and compile it. `name`
 * (the file, for messages) says where it came from. Throws
 * FirmwareModuleError naming the first import outside the ABI.
 */
export function checkFirmwareModule(bytes: Uint8Array<ArrayBuffer>, name: string): WebAssembly.Module {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    throw new FirmwareModuleError(`${name} is not a valid WebAssembly module (${(e as Error).message}): give a .wasm built by asc or \`piwave build --entry\``);
  }
  const allowed = Object.keys(ABI_IMPORTS).map((n) => `env.${n}`).join(", ");
  for (const imp of moduleImports(bytes)) {
    const full = `${imp.module}.${imp.name}`;
    const abi = imp.module === "env" ? ABI_IMPORTS[imp.name as AbiImport] : undefined;
    if (abi === undefined || imp.kind !== "function") {
      const hint = HINTS[full];
      throw new FirmwareModuleError(
        `${name} imports ${full} (a ${imp.kind}), which is not in piwave's ABI; a firmware may import only ${allowed}` +
          (hint ? `. ${hint}` : `: remove the import (firmware/abi.ts documents the ABI)`),
      );
    }
    if (imp.signature !== abi) {
      throw new FirmwareModuleError(`${name} imports ${full} as ${imp.signature}, but the ABI's ${full} is ${abi}: declare it as firmware/abi.ts does`);
    }
  }
  checkExports(module, name);
  return module;
}
