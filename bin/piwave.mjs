#!/usr/bin/env node
// The piwave command. The host tools are TypeScript, run through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../host/cli.ts");
process.exitCode = await main(process.argv.slice(2));
