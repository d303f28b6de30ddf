// The conventions of the piwave command as users meet them: help, version,
// mistakes, exit codes, --json, --quiet, colours, the project file, songs
// for sim. Real processes of bin/piwave.mjs (the compiled JavaScript).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { chirpTrack } from "./helpers.js";
import { ff } from "./pipeline/media.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = new URL("../bin/piwave.mjs", import.meta.url).pathname;
const dir = tempDir("piwave-conv-");
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

async function piwave(args: string[], o: { env?: Record<string, string>; cwd?: string } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...o.env };
  try {
    const r = await exec(process.execPath, [bin, ...args], { timeout: 90_000, env: env as NodeJS.ProcessEnv, cwd: o.cwd ?? dir });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const pi4Bundle = join(dir, "chirp-pi4.pwb");
writeFileSync(pi4Bundle, encodeBundle([chirpTrack("pi4", 0.3, "chirp")]));
const pi3Bundle = join(dir, "chirp-pi3.pwb");
writeFileSync(pi3Bundle, encodeBundle([chirpTrack("pi3", 0.3, "chirp")]));

describe("help, version and mistakes", () => {
  it("--help and -h exit 0 with the usage on stdout; no command at all is a usage error (2)", async () => {
    for (const h of ["--help", "-h", "help"]) {
      const r = await piwave([h]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: piwave <command> \[options\]$/m);
    }
    const none = await piwave([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: piwave <command>/);
  });

  it("--version prints the package's version", async () => {
    const r = await piwave(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("`piwave help <command>` is `piwave <command> --help`; -h works on every command", async () => {
    const a = await piwave(["help", "build"]);
    const b = await piwave(["build", "-h"]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/^Usage: piwave build/);
    expect(a.stdout).not.toMatch(/lock\.json|host\//); // no internal paths in user text
    for (const c of ["image", "flash", "sim", "qemu", "monitor", "demo", "firmware", "bench"]) {
      const r = await piwave([c, "--help"]);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^Usage: piwave ${c}`));
    }
  });

  it("an unknown option names itself and the nearest real one (exit 2)", async () => {
    const r = await piwave(["firmware", "--forse"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("piwave firmware: unknown option --forse (did you mean --force?); `piwave firmware --help` lists the options\n");
    const v = await piwave(["sim", "--board"]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/--board needs a value/);
  });

  it("an unknown command suggests the nearest; a stray argument is refused", async () => {
    const r = await piwave(["biuld"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "biuld" \(did you mean "build"\?\)/);
    const s = await piwave(["image", "dist/boot"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/piwave image: unexpected argument "dist\/boot"/);
  });
});

describe("output: --json, --quiet, colours", () => {
  it("sim --json: stdout is one JSON document; what people read goes to stderr", async () => {
    const r = await piwave(["sim", "--bundle", pi4Bundle, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; haltCode: number; board: string; jack: { gaps: { right: number; left: number }; frames: number } };
    expect(j).toMatchObject({ ok: true, haltCode: 0, board: "pi4", jack: { gaps: { right: 0, left: 0 } } });
    expect(j.jack.frames).toBeGreaterThan(0.3 * 44_000);
    expect(r.stderr).toMatch(/uart\| I summary:/);
  });

  it("--quiet prints nothing on success; errors still reach stderr", async () => {
    const r = await piwave(["sim", "--bundle", pi4Bundle, "--quiet"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const bad = await piwave(["sim", "--bundle", join(dir, "none.pwb"), "-q"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot read the asset bundle .*none\.pwb: ENOENT/);
  });

  it("flash --list --json: the candidate disks as a JSON array", async () => {
    const r = await piwave(["flash", "--list", "--json"]);
    expect(r.code).toBe(0);
    const disks = JSON.parse(r.stdout) as { path: string; description: string }[];
    expect(Array.isArray(disks)).toBe(true);
    for (const d of disks) expect(d.path).toMatch(/^\/dev\//);
  });

  it("the firmware failing is exit 4, the same code in sim as elsewhere", async () => {
    const r = await piwave(["sim", "--board", "pi3", "--bundle", pi4Bundle]);
    expect(r.code).toBe(4);
  });

  it("FORCE_COLOR colours a pipe; NO_COLOR and no terminal do not", async () => {
    const forced = await piwave(["sim", "--bundle", pi4Bundle], { env: { FORCE_COLOR: "1" } });
    expect(forced.stdout).toContain("\x1b[");
    const plain = await piwave(["sim", "--bundle", pi4Bundle]);
    expect(plain.stdout).not.toContain("\x1b[");
    const no = await piwave(["sim", "--bundle", pi4Bundle], { env: { FORCE_COLOR: "0" } });
    expect(no.stdout).not.toContain("\x1b[");
  });

  it("a long simulation says what it is doing before it starts", async () => {
    const long = join(dir, "long.pwb");
    writeFileSync(long, encodeBundle([chirpTrack("pi4", 6, "six seconds")]));
    const r = await piwave(["sim", "--bundle", long]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^… simulating 0:06\.0 of music and the start and stop ramps on the pi4 \(roughly \d+ s\)$/m);
  });
});

describe("the project file and songs", () => {
  it("piwave.config.json supplies the board; the command line wins", async () => {
    const proj = tempDir("piwave-proj-");
    writeFileSync(join(proj, "piwave.config.json"), JSON.stringify({ board: "pi3" }));
    const r = await piwave(["sim", "--bundle", pi3Bundle, "--json"], { cwd: proj });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { board: string }).board).toBe("pi3");
    const over = await piwave(["sim", "--bundle", pi4Bundle, "--board", "pi4", "--json"], { cwd: proj });
    expect((JSON.parse(over.stdout) as { board: string }).board).toBe("pi4");
  });

  it("the project's songs and outDir: sim plays the songs from a subfolder, image looks in outDir", async () => {
    const proj = tempDir("piwave-proj-");
    ff(["-f", "lavfi", "-i", "sine=frequency=550:sample_rate=44100:duration=0.5", "-ac", "2", join(proj, "theme.wav")]);
    writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "my-card", piwave: { songs: ["theme.wav"], outDir: "out" } }));
    mkdirSync(join(proj, "src"));
    const r = await piwave(["sim", "--json"], { cwd: join(proj, "src") });
    expect(r.stderr).toMatch(/uart\| I track: 1\/1 start "theme"/);
    expect(r.code).toBe(0);
    const i = await piwave(["image"], { cwd: join(proj, "src") });
    expect(i.code).toBe(2);
    expect(i.stderr).toContain(`${join(proj, "out", "boot")} is not a directory: run \`piwave build\` first`);
  });

  it("an unusable cache directory is named, with the ways to choose another", async () => {
    const env = { HOME: "/etc/passwd", XDG_CACHE_HOME: "", PIWAVE_CACHE_DIR: "" }; // a file: nothing can be created below it
    const r = await piwave(["sim", "--bundle", pi4Bundle], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^piwave sim: error: cannot write piwave's cache directory \/etc\/passwd\/\.cache\/piwave \(ENOTDIR at \/etc\/passwd\/\.cache\/piwave\S*\): set PIWAVE_CACHE_DIR or XDG_CACHE_HOME to a writable folder, or pass --cache-dir DIR$/m);
  });

  it("a wrong project file is a usage error naming the file and the setting", async () => {
    const proj = tempDir("piwave-proj-");
    writeFileSync(join(proj, "piwave.config.json"), JSON.stringify({ quality: "best" }));
    const r = await piwave(["sim", "--bundle", pi4Bundle], { cwd: proj });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/piwave sim: .*piwave\.config\.json: "quality" takes "plain" or "shaped", not "best"/);
  });

  it("qemu SONG boots the Pi 3 image with the user's own music", async () => {
    const song = join(dir, "short.wav");
    ff(["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100:duration=0.3", "-ac", "2", song]);
    const r = await piwave(["qemu", song, "--until-done", "--timeout", "60"]);
    expect(r.stdout).toMatch(/I track: 1\/1 start "short"/);
    expect(r.stdout).toMatch(/I summary: tracks=1 /);
    expect(r.stderr).toMatch(/… starting QEMU raspi3b/);
    expect(r.code).toBe(0);
  }, 120_000);

  it("sim SONG plays the user's own music, converted as build converts it", async () => {
    const song = join(dir, "Tone ♪.wav");
    ff(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1", "-ac", "2", song]);
    const r = await piwave(["sim", song, "--json"]);
    expect(r.stderr).toMatch(/1 +Tone ♪ +0:01\.0/);
    expect(r.stderr).toMatch(/uart\| I track: 1\/1 start "Tone ♪"/);
    const j = JSON.parse(r.stdout) as { ok: boolean; jack: { seconds: number } };
    expect(j.ok).toBe(true);
    expect(j.jack.seconds).toBeGreaterThan(0.99);
    expect(r.code).toBe(0);
  });
});
