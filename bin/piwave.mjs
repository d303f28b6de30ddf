#!/usr/bin/env node
// The piwave command: the compiled host tools in lib/ (`npm run build` makes
// them in a checkout; the published package ships them).
import { existsSync } from "node:fs";

const cli = new URL("../lib/host/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("piwave: the compiled tools (lib/) are missing: in a checkout, run `npm run build` first\n");
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
