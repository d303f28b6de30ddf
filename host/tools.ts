/**
 * The external programs piwave runs, found on PATH and checked before use,
 * with a specific message saying how to install what is missing: the package
 * name and command for this machine's package system (Debian/Ubuntu, Fedora,
 * Homebrew on macOS), or all three when it cannot tell.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Tool {
  /** Command names to try, in order (e.g. versioned clang names). */
  names: string[];
  /** The package that provides it: Debian/Ubuntu, Fedora, Homebrew (macOS). */
  pkg: { debian: string; fedora: string; brew: string };
  purpose: string;
}

export const TOOLS = {
  wasm2c: { names: ["wasm2c"], pkg: { debian: "wabt", fedora: "wabt", brew: "wabt" }, purpose: "translate the firmware to C" },
  clang: { names: ["clang", "clang-14", "clang-15", "clang-16", "clang-17", "clang-18", "clang-19"], pkg: { debian: "clang", fedora: "clang", brew: "llvm" }, purpose: "compile the bare-metal runtime" },
  lld: { names: ["ld.lld", "ld.lld-14", "ld.lld-15", "ld.lld-16", "ld.lld-17", "ld.lld-18", "ld.lld-19"], pkg: { debian: "lld", fedora: "lld", brew: "lld" }, purpose: "link kernel8.img" },
  objcopy: { names: ["llvm-objcopy", "llvm-objcopy-14", "llvm-objcopy-15", "llvm-objcopy-16", "llvm-objcopy-17", "llvm-objcopy-18", "llvm-objcopy-19"], pkg: { debian: "llvm", fedora: "llvm", brew: "llvm" }, purpose: "turn the ELF into a raw image" },
  qemu: { names: ["qemu-system-aarch64"], pkg: { debian: "qemu-system-arm", fedora: "qemu-system-aarch64", brew: "qemu" }, purpose: "boot the image under QEMU raspi3b" },
  timeout: { names: ["timeout", "gtimeout"], pkg: { debian: "coreutils", fedora: "coreutils", brew: "coreutils" }, purpose: "hard time limits on QEMU" },
} satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

const found = new Map<ToolName, string>();

export class MissingToolError extends Error {}

export type PackageSystem = "debian" | "fedora" | "brew";

/** The package system of this machine: from the platform and /etc/os-release (ID, ID_LIKE); undefined when unknown. */
export function packageSystem(platform: NodeJS.Platform = process.platform, osRelease?: string): PackageSystem | undefined {
  if (platform === "darwin") return "brew";
  if (platform !== "linux") return undefined;
  let text = osRelease;
  if (text === undefined) {
    try {
      text = readFileSync("/etc/os-release", "utf8");
    } catch {
      return undefined;
    }
  }
  const ids = [...text.matchAll(/^(?:ID|ID_LIKE)=("?)([^"\n]*)\1$/gm)].flatMap((m) => m[2]!.split(/\s+/));
  if (ids.some((id) => ["debian", "ubuntu"].includes(id))) return "debian";
  if (ids.some((id) => ["fedora", "rhel", "centos"].includes(id))) return "fedora";
  return undefined;
}

const INSTALL: Record<PackageSystem, (pkgs: string) => string> = {
  debian: (p) => `sudo apt-get install ${p}`,
  fedora: (p) => `sudo dnf install ${p}`,
  brew: (p) => `brew install ${p}`,
};

/** How to install `pkgs` (one entry per package system): this machine's command, or all three when it is not known. */
export function installHint(pkgs: Record<PackageSystem, string[]>, system: PackageSystem | "unknown" = packageSystem() ?? "unknown"): string {
  const cmd = (s: PackageSystem) => INSTALL[s]([...new Set(pkgs[s])].join(" "));
  if (system !== "unknown") return `install it with: ${cmd(system)}`;
  return `install it with your package manager (Debian/Ubuntu: ${cmd("debian")}; Fedora: ${cmd("fedora")}; macOS: ${cmd("brew")})`;
}

/** The path-less command to run for `tool`, or a MissingToolError saying how to install it on this machine. */
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
  const hint = installHint({ debian: [t.pkg.debian], fedora: [t.pkg.fedora], brew: [t.pkg.brew] });
  throw new MissingToolError(`${t.names[0]} not found (needed to ${t.purpose}); ${hint}`);
}
