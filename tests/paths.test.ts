// Where piwave reads and writes (host/paths.ts) and the project file (host/project.ts).
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheDir, outputPaths, packagePath, packageRoot, packageVersion, resolvePackageDir } from "../host/paths.js";
import { ConfigError, findProjectConfig, nearest } from "../host/project.js";
import { installHint, packageSystem } from "../host/tools.js";
import { tempDir } from "./temp.js";

describe("paths", () => {
  it("the package root holds piwave's package.json, the firmware and runtime sources", () => {
    expect(packagePath("package.json")).toBe(join(packageRoot, "package.json"));
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("npm packages are found the Node way, wherever npm put them", () => {
    expect(resolvePackageDir("assemblyscript")).toMatch(/node_modules[/\\]assemblyscript$/);
  });

  it("the cache: --cache-dir, PIWAVE_CACHE_DIR, XDG_CACHE_HOME, then the platform's user cache folder", () => {
    expect(cacheDir("/x/y", { env: { PIWAVE_CACHE_DIR: "/p" } })).toBe("/x/y");
    expect(cacheDir(undefined, { env: { PIWAVE_CACHE_DIR: "/p", XDG_CACHE_HOME: "/xdg" } })).toBe("/p");
    expect(cacheDir(undefined, { env: { XDG_CACHE_HOME: "/xdg" }, home: "/home/u" })).toBe("/xdg/piwave");
    expect(cacheDir(undefined, { env: { XDG_CACHE_HOME: "relative" }, home: "/home/u", platform: "linux" })).toBe("/home/u/.cache/piwave");
    expect(cacheDir(undefined, { env: {}, home: "/Users/u", platform: "darwin" })).toBe("/Users/u/Library/Caches/piwave");
    expect(cacheDir(undefined, { env: { LOCALAPPDATA: "C:\\L" }, home: "C:\\U", platform: "win32" })).toMatch(/piwave[/\\]Cache$/);
  });

  it("outputs are under the current directory, never inside the package", () => {
    const o = outputPaths();
    expect(o.boot).toBe(join(process.cwd(), "dist", "boot"));
    expect(o.image).toBe(join(process.cwd(), "dist", "piwave.img"));
    expect(outputPaths("/tmp/out").demo).toBe("/tmp/out/demo");
  });
});

describe("the project file", () => {
  const project = (files: Record<string, string>) => {
    const dir = tempDir("piwave-project-");
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };

  it("piwave.config.json is found from a subfolder; paths are relative to it", () => {
    const dir = project({ "piwave.config.json": JSON.stringify({ board: "pi3", quality: "shaped", songs: ["music/a.mp3"], outDir: "out" }), "music/a.mp3": "" });
    const c = findProjectConfig(join(dir, "music"))!;
    expect(c.board).toBe("pi3");
    expect(c.quality).toBe("shaped");
    expect(c.songs).toEqual([join(dir, "music", "a.mp3")]);
    expect(c.outDir).toBe(join(dir, "out"));
  });

  it("or a \"piwave\" key in package.json; a package.json without one ends the search", () => {
    const dir = project({ "package.json": JSON.stringify({ name: "my-card", piwave: { feed: "dma" } }), "sub/package.json": "{}" });
    expect(findProjectConfig(dir)!.feed).toBe("dma");
    expect(findProjectConfig(join(dir, "sub"))).toBeUndefined();
  });

  it("a wrong setting names the file, the key, what it takes, and the nearest real key", () => {
    const dir = project({ "piwave.config.json": JSON.stringify({ bord: "pi4" }) });
    expect(() => findProjectConfig(dir)).toThrow(ConfigError);
    expect(() => findProjectConfig(dir)).toThrow(/piwave\.config\.json: unknown setting "bord" \(did you mean "board"\?\)/);
    const bad = project({ "piwave.config.json": JSON.stringify({ board: "pi5" }) });
    expect(() => findProjectConfig(bad)).toThrow(/"board" takes "pi4" or "pi3", not "pi5"/);
    const broken = project({ "piwave.config.json": "{ board: pi4 }" });
    expect(() => findProjectConfig(broken)).toThrow(/piwave\.config\.json is not valid JSON/);
  });

  it("did-you-mean only for likely typos", () => {
    expect(nearest("--bord", ["--board", "--bundle"])).toBe("--board");
    expect(nearest("--xyzzy", ["--board", "--bundle"])).toBeUndefined();
  });
});

describe("missing-tool hints fit the machine", () => {
  it("the package system from /etc/os-release or the platform", () => {
    expect(packageSystem("linux", 'ID=ubuntu\nID_LIKE=debian\n')).toBe("debian");
    expect(packageSystem("linux", 'ID="fedora"\n')).toBe("fedora");
    expect(packageSystem("linux", 'ID=rocky\nID_LIKE="rhel centos fedora"\n')).toBe("fedora");
    expect(packageSystem("darwin", "")).toBe("brew");
    expect(packageSystem("linux", "ID=arch\n")).toBeUndefined();
  });

  it("names this machine's package and command, or all three when unknown", () => {
    const pkgs = { debian: ["qemu-system-arm"], fedora: ["qemu-system-aarch64"], brew: ["qemu"] };
    expect(installHint(pkgs, "debian")).toBe("install it with: sudo apt-get install qemu-system-arm");
    expect(installHint(pkgs, "fedora")).toBe("install it with: sudo dnf install qemu-system-aarch64");
    expect(installHint(pkgs, "brew")).toBe("install it with: brew install qemu");
    const all = installHint(pkgs, "unknown");
    expect(all).toContain("Debian/Ubuntu: sudo apt-get install qemu-system-arm");
    expect(all).toContain("macOS: brew install qemu");
    expect(all).not.toMatch(/install-deps|scripts\//);
  });
});
