// A firmware on the library that queues a log line and then aborts: the abort handler must write
// through the same log, so the queued line comes out first (tests/firmware-library.test.ts).
import { log, uart } from "piwave/firmware";

export function main(): void {
  uart.init();
  log.begin("I", "before");
  log.str("queued, not flushed");
  log.end();
  abort("boom");
}
