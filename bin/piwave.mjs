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
const code = await main(process.argv.slice(2));
// After Ctrl-C (130), SIGTERM (143) or SIGHUP (129) the work has stopped, the
// children are reaped (cli.ts) and the clean-ups run on exit: exit at once. Left to wind down by itself, node
// restores the default signal handlers while it tears down, and a second
// Ctrl-C arriving then (a double press, timeout(1) signalling the group)
// would kill it with no exit status at all.
if (code === 129 || code === 130 || code === 143) process.exit(code);
process.exitCode = code;
