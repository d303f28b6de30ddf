/**
 * The shared host primitives: atomic output, process groups, interrupts.
 * Each test drives the real thing (files on a real filesystem, real child
 * processes, real signals to a real node process).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runChild, spawnGroup } from "../../host/child-process.js";
import { OutputError, isTemporaryName, removeAbandoned, temporaryPathFor, writeFileAtomic, writeFileAtomicSync } from "../../host/fs-atomic.js";
import { tempDir } from "../temp.js";

const made: string[] = [];
function scratch(): string {
  const d = tempDir("piwave-prim-");
  made.push(d);
  return d;
}
const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

afterEach(() => {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync("umount", [m]);
    } catch {
      /* not mounted */
    }
  }
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("atomic output", () => {
  it("replaces a file whole and leaves no temporary file", async () => {
    const d = scratch();
    const p = join(d, "kernel8.img");
    writeFileSync(p, "old");
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    writeFileAtomicSync(p, "new");
    expect(readFileSync(p, "utf8")).toBe("new");
    expect(readdirSync(d)).toEqual(["kernel8.img"]);
  });

  it("names temporaries recognisably, beside the destination", () => {
    const t = temporaryPathFor("/some/dir/config.txt");
    expect(t.startsWith("/some/dir/.config.txt.")).toBe(true);
    expect(isTemporaryName(t.slice("/some/dir/".length))).toBe(true);
    expect(isTemporaryName("config.txt")).toBe(false);
  });

  it("explains a missing directory and writes nothing", async () => {
    const d = scratch();
    const p = join(d, "nope", "x.bin");
    await expect(writeFileAtomic(p, "x")).rejects.toThrow(/directory .*nope does not exist/);
    expect(existsSync(join(d, "nope"))).toBe(false);
  });

  it.skipIf(!isRoot)("on a full disk keeps the previous file and names the directory and the space needed", async () => {
    const d = scratch();
    const mnt = join(d, "small");
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt]);
    mounts.push(mnt);
    const p = join(mnt, "kernel8.img");
    writeFileSync(p, "the previous working kernel");
    const big = new Uint8Array(1024 * 1024).fill(7);
    const err = await writeFileAtomic(p, big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).message).toContain(`no space left in ${mnt}`);
    expect((err as OutputError).message).toContain("kernel8.img needs 1.0 MB");
    expect(readFileSync(p, "utf8")).toBe("the previous working kernel");
    expect(readdirSync(mnt)).toEqual(["kernel8.img"]);
    expect(() => writeFileAtomicSync(p, big)).toThrow(OutputError);
    expect(readdirSync(mnt)).toEqual(["kernel8.img"]);
  });
});

describe("leftovers of processes that are gone (one sweeper for boot files, kernel work directories and conversions)", () => {
  it("removes temporaries and owned entries of dead processes only, directories whole, and leaves everything else", async () => {
    const d = scratch();
    const gone = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ["-e", ""]);
      c.on("exit", () => resolve(c.pid!));
    });
    const sleeper = spawn("sleep", ["30"]);
    try {
      const live = sleeper.pid!;
      const names = {
        deadTmp: `.music.pwb.${gone}.0123abcd.tmp`,
        liveTmp: `.music.pwb.${live}.0123abcd.tmp`,
        ownTmp: `.music.pwb.${process.pid}.0123abcd.tmp`,
        userFile: `notes.${gone}.0123abcd.tmp`, // not hidden: not one of ours
        plain: "kernel8.img",
      };
      for (const n of Object.values(names)) writeFileSync(join(d, n), "x");
      removeAbandoned(d);
      expect(readdirSync(d).sort()).toEqual(Object.values(names).filter((n) => n !== names.deadTmp).sort());

      // With an owner rule: whole work directories of a dead build go, a live one's stay.
      mkdirSync(join(d, `.work-${gone}-aa`, "deep"), { recursive: true });
      writeFileSync(join(d, `.work-${gone}-aa`, "deep", "app.o"), "x");
      mkdirSync(join(d, `.work-${live}-bb`));
      removeAbandoned(d, (n) => Number(n.match(/^\.work-(\d+)-/)?.[1]) || undefined);
      expect(existsSync(join(d, `.work-${gone}-aa`))).toBe(false);
      expect(existsSync(join(d, `.work-${live}-bb`))).toBe(true);
      expect(existsSync(join(d, names.liveTmp))).toBe(true);
      // A folder that is not there is no error.
      expect(() => removeAbandoned(join(d, "missing"))).not.toThrow();
    } finally {
      sleeper.kill();
    }
  });
});

describe("process groups", () => {
  it("runChild collects output and the exit status", async () => {
    const r = await runChild("sh", ["-c", "cat; echo err >&2; exit 3"], { input: "hello" });
    expect(r).toEqual({ code: 3, signal: null, stdout: "hello", stderr: "err\n" });
  });

  it("aborting ends the whole group, grandchildren included", async () => {
    const d = scratch();
    const pidFile = join(d, "grandchild.pid");
    const ac = new AbortController();
    const run = runChild("sh", ["-c", `sleep 60 & echo $! > ${pidFile}; wait`], { signal: ac.signal });
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    expect(alive(grandchild)).toBe(true);
    ac.abort(new Error("stop"));
    await expect(run).rejects.toThrow("stop");
    for (let i = 0; i < 100 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(grandchild)).toBe(false);
  });

  it("starts the child as a group leader", async () => {
    const child = spawnGroup("sh", ["-c", "ps -o pgid= -p $$"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
    await new Promise((r) => child.once("close", r));
    expect(Number(out.trim())).toBe(child.pid);
  });
});

describe("interrupts", () => {
  // A real node process using the module: two SIGINTs a few ms apart must
  // still run the clean-up exactly once and exit 130.
  const script = `
    import { writeFileSync, appendFileSync } from "node:fs";
    import { interruptSignal, onCleanup, exitCodeFor, interruptedBy } from ${JSON.stringify(new URL("../../host/interrupt.ts", import.meta.url).pathname)};
    const log = process.argv[2];
    const signal = interruptSignal();
    onCleanup(() => appendFileSync(log, "cleanup\\n"));
    writeFileSync(log, "ready\\n");
    const keep = setInterval(() => {}, 1000);
    signal.addEventListener("abort", () => {
      appendFileSync(log, "aborted " + signal.reason.signal + "\\n");
      setTimeout(() => { clearInterval(keep); process.exitCode = exitCodeFor(interruptedBy()); }, 200);
    });
  `;

  it("a double SIGINT runs the clean-up exactly once and exits 130", async () => {
    const d = scratch();
    const file = join(d, "child.mts");
    const log = join(d, "log");
    writeFileSync(file, script);
    const child = spawn(process.execPath, ["--import", "tsx", file, log], { stdio: "ignore" });
    for (let i = 0; i < 250 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(log)).toBe(true);
    child.kill("SIGINT");
    child.kill("SIGINT");
    setTimeout(() => child.kill("SIGTERM"), 5);
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(130);
    expect(readFileSync(log, "utf8")).toBe("ready\naborted SIGINT\ncleanup\n");
  });
});
