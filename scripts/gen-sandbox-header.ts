// Rewrites the headers the runtime reads from regs/: boot/sandbox.h (host/regs/c-header.ts)
// and boot/regs.h (host/regs/board-header.ts).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../host/firmware.js";
import { boardHeader } from "../host/regs/board-header.js";
import { sandboxHeader } from "../host/regs/c-header.js";

writeFileSync(join(ROOT, "boot", "sandbox.h"), sandboxHeader());
console.log("wrote boot/sandbox.h");
writeFileSync(join(ROOT, "boot", "regs.h"), boardHeader());
console.log("wrote boot/regs.h");
