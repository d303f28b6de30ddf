/** `piwave init [DIR]`: a new firmware project (host/init/scaffold.ts does the work). */
import { relative } from "node:path";
import { JSON_OPTION, UsageError, emitJson, parse, say, ui } from "./common.js";

const USAGE = `Usage: piwave init [DIR] [--force] [--name NAME] [--piwave SPEC]

Makes a new firmware project in DIR (default: the current folder): your own
bare-metal audio firmware in AssemblyScript, tested on piwave's simulated
Raspberry Pi, built into an SD card.

  package.json        depends on piwave, vitest and AssemblyScript
  piwave.config.json  the project file: the board and the firmware's entry
  asconfig.json       extends piwave's compiler settings (piwave/asconfig.base.json)
  src/main.ts         the firmware: a 440 Hz tone through the audio output
  src/tsconfig.json   AssemblyScript's types, so editors check src/
  test/main.test.ts   a vitest test with piwave/testing
  README.md, .gitignore, tsconfig.json

Then: cd DIR && npm install && npm test && npx piwave sim && npx piwave build

  --force        DIR is not empty: add the project's files beside what is there
                 (an existing file is never replaced; it is listed as kept)
  --name NAME    the package name (default: from DIR's name)
  --piwave SPEC  how package.json names piwave: a version range (default
                 ^<this version>), an npm spec, or the path of a packed
                 tarball or a folder (written as file:<path>)
  --json         the result as JSON on stdout
`;

export async function initCommand(args: string[]): Promise<number> {
  const r = parse(args, { force: { type: "boolean" }, name: { type: "string" }, piwave: { type: "string" }, ...JSON_OPTION }, USAGE, { songs: true, project: false });
  if (!r) return 0;
  if (r.positionals.length > 1) throw new UsageError(`give one folder, not ${r.positionals.length} ("${r.positionals.join('", "')}")`);
  const { InitError, initProject } = await import("../init/scaffold.js");
  let res;
  try {
    res = initProject({ dir: r.positionals[0] ?? ".", force: r.values.force === true, name: r.values.name, piwave: r.values.piwave });
  } catch (e) {
    if (e instanceof InitError) throw new UsageError(e.message);
    throw e;
  }
  if (ui.json) {
    emitJson(res);
    return 0;
  }
  const where = relative(process.cwd(), res.dir) || ".";
  say(`${res.created ? "created" : "wrote into"} ${where}/: ${res.written.join(", ") || "nothing"}\n`);
  if (res.kept.length) say(`kept your own ${res.kept.join(", ")} (not replaced: compare with \`piwave init\` in an empty folder)\n`);
  say(`\nNext:\n${where === "." ? "" : `  cd ${where.includes(" ") ? JSON.stringify(where) : where}\n`}  npm install\n  npm test          the firmware on the simulated Pi 4: a 440 Hz tone, checked\n  npx piwave sim    play it on the simulated board (UART log, jack summary)\n  npx piwave build  the SD card's boot files in dist/boot\n`);
  return 0;
}
