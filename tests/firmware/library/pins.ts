// Pin and ClockGenerator on the simulator (tests/firmware-library.test.ts): GPIO17 an input with a
// pull-up, GPIO27 an output following it; the PWM clock started through the generic generator,
// then (if `gp0` arrives) the GP0 clock, which the sandbox refuses.
import { Clock, ClockGenerator, ClockSource, halt, log, Pin, PinMode, Pull, timer, uart } from "piwave/firmware";

export function main(): void {
  uart.init();
  const input = new Pin(17, PinMode.Input, Pull.Up);
  const output = new Pin(27, PinMode.Output);
  const pwmClock = new ClockGenerator(Clock.PWM);
  const ok = pwmClock.start(ClockSource.Oscillator, 5);
  log.begin("I", "clock");
  log.str(ok ? "started" : "stuck");
  log.end();
  let last = !input.read();
  const started = timer.micros();
  while (timer.micros() - started < 20000) {
    const level = input.read();
    if (level != last) {
      output.write(level);
      log.begin("I", "pin");
      log.str(level ? "17 high" : "17 low");
      log.end();
      log.flush();
      last = level;
    }
    if (uart.readLine() && uart.lineIs("gp0")) new ClockGenerator(Clock.GP0).start(ClockSource.Oscillator, 10);
  }
  pwmClock.stop();
  log.drain();
  halt(0);
}
