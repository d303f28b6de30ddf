// Worker-thread entry when the simulator runs from its TypeScript sources (the
// tests): load worker.ts through tsx. The installed package runs worker.js.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
