// DmaChannel's checks (tests/firmware-library.test.ts): channel 5 is idle before anything starts;
// channel 3 (the VideoCore's) is refused by the library itself, before the runtime sees it.
import { DmaChannel, halt, log, uart } from "piwave/firmware";

export function main(): void {
  uart.init();
  const five = new DmaChannel(5);
  log.begin("I", "dma");
  log.str("channel 5 ");
  log.str(five.running() ? "running" : "idle");
  log.end();
  log.flush();
  new DmaChannel(3);
  halt(0);
}
