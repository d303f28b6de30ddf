// Worker-thread entry: the simulator is TypeScript, loaded through tsx like the CLI.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
