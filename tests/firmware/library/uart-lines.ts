// Echoes what the library's UART receive functions see (tests/firmware-library.test.ts):
// each line as `line N "text"` (+ ` truncated`), a number parsed from lines starting with `n`,
// and the error counters on `stats`; halts on `end`.
import { halt, log, timer, uart } from "piwave/firmware";

export function main(): void {
  uart.init();
  log.begin("I", "ready");
  log.end();
  log.flush();
  const started = timer.micros();
  while (timer.micros() - started < 1000000) {
    if (!uart.readLine()) continue;
    if (uart.lineIs("end")) break;
    if (uart.lineIs("stats")) {
      log.begin("I", "stats");
      log.str("overruns=");
      log.dec(uart.overruns);
      log.end();
      log.flush();
      continue;
    }
    log.begin("I", "line");
    log.dec(uart.lineLength());
    log.str(" \"");
    log.bytes(uart.linePointer(), uart.lineLength());
    log.str("\"");
    if (uart.lineTruncated()) log.str(" truncated");
    if (uart.lineStartsWith("n")) {
      log.str(" number ");
      const v = uart.lineNumber(1, 12345);
      if (v < 0) log.str("-");
      log.dec(<u64>(v < 0 ? -v : v));
    }
    log.end();
    log.flush();
  }
  log.drain();
  halt(0);
}
