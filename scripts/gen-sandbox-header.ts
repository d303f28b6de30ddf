// Rewrites boot/sandbox.h from regs/ (see host/regs/c-header.ts).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../host/firmware.js";
import { sandboxHeader } from "../host/regs/c-header.js";

writeFileSync(join(ROOT, "boot", "sandbox.h"), sandboxHeader());
console.log("wrote boot/sandbox.h");
