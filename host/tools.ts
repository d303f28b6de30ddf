/**
 * The external programs piwave runs, found on PATH and checked before use,
 * with a specific message saying how to install what is missing.
 */
import { spawnSync } from "node:child_process";

export interface Tool {
  /** Command names to try, in order (e.g. versioned clang names). */
  names: string[];
  /** Debian package that provides it. */
  pkg: string;
  purpose: string;
}

export const TOOLS = {
  wasm2c: { names: ["wasm2c"], pkg: "wabt", purpose: "translate the firmware to C" },
  clang: { names: ["clang", "clang-14", "clang-15", "clang-16"], pkg: "clang", purpose: "compile the bare-metal runtime" },
  lld: { names: ["ld.lld", "ld.lld-14", "ld.lld-15", "ld.lld-16"], pkg: "lld", purpose: "link kernel8.img" },
  objcopy: { names: ["llvm-objcopy", "llvm-objcopy-14", "llvm-objcopy-15", "llvm-objcopy-16"], pkg: "llvm", purpose: "turn the ELF into a raw image" },
  qemu: { names: ["qemu-system-aarch64"], pkg: "qemu-system-arm", purpose: "boot the image under QEMU raspi3b" },
  timeout: { names: ["timeout"], pkg: "coreutils", purpose: "hard time limits on QEMU" },
} satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

const found = new Map<ToolName, string>();

export class MissingToolError extends Error {}

/** The path-less command to run for `tool`, or a MissingToolError saying how to install it. */
export function requireTool(tool: ToolName): string {
  const cached = found.get(tool);
  if (cached) return cached;
  const t = TOOLS[tool];
  for (const name of t.names) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim()) {
      found.set(tool, name);
      return name;
    }
  }
  throw new MissingToolError(
    `${t.names[0]} not found (needed to ${t.purpose}). Install it with: sudo apt-get install ${t.pkg}  ` +
      `(or run ./scripts/install-deps.sh)`,
  );
}
