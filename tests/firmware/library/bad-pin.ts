// A bad argument to a library driver (tests/firmware-library.test.ts, tests/qemu.test.ts): GPIO pin 60
// does not exist. The library refuses it with an F abort line naming the call, the value and the place.
import { halt, log, Pin, PinMode, uart } from "piwave/firmware";

export function main(): void {
  uart.init();
  log.begin("I", "pins");
  log.str("asking for pin 60");
  log.end();
  new Pin(60, PinMode.Output);
  halt(0);
}
