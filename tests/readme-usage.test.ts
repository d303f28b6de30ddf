// The README's Usage block against each command's own --help (the real command run): every option a
// command takes is in its README synopsis, and the synopsis names no option the command lacks.
// (A newcomer found `flash --allow-loop` in `piwave flash --help` but not in the README.)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = `${root}bin/piwave.mjs`;
const readme = readFileSync(`${root}README.md`, "utf8");
const usage = readme.slice(readme.indexOf("## Usage")).match(/```\n([\s\S]*?)```/)![1]!;

/** The README synopsis of `cmd`: its lines and their indented continuations. */
function synopsis(cmd: string): string {
  const lines = usage.split("\n");
  const out: string[] = [];
  let inside = false;
  for (const l of lines) {
    if (l.startsWith("piwave ")) inside = l.startsWith(`piwave ${cmd} `) || l === `piwave ${cmd}`;
    else if (!l.startsWith(" ")) inside = false;
    if (inside) out.push(l);
  }
  return out.join("\n");
}

const options = (text: string) => new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!));

/** The options a --help text declares: its Usage lines, and the option list (lines that start with an option), not its prose. */
function declared(help: string): Set<string> {
  const lines = help.split("\n");
  const synopsisEnd = lines.findIndex((l) => l.trim() === "");
  const list = lines.filter((l) => /^\s+--[a-z]/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
  return options([...lines.slice(0, synopsisEnd < 0 ? 1 : synopsisEnd), ...list].join("\n"));
}
/** Options every command takes (README: "Every command takes -h/--help and -q/--quiet"). */
const COMMON = new Set(["help", "quiet"]);

describe("README usage matches each command's --help", () => {
  for (const cmd of ["build", "image", "flash"]) {
    it(`piwave ${cmd}`, () => {
      const help = execFileSync(process.execPath, [bin, cmd, "--help"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      const documented = options(synopsis(cmd));
      expect(documented.size, `no synopsis of ${cmd} in the README`).toBeGreaterThan(0);
      const taken = [...declared(help)].filter((o) => !COMMON.has(o));
      expect(taken.filter((o) => !documented.has(o)), `in \`piwave ${cmd} --help\` but not in the README's usage`).toEqual([]);
      expect([...documented].filter((o) => !declared(help).has(o)), `in the README's usage but not in \`piwave ${cmd} --help\``).toEqual([]);
    });
  }
});
