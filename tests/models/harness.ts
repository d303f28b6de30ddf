/** Drive the peripheral models directly through the real bus, without firmware. */
import { BOARDS, type BoardName } from "../../host/boards.js";
import { Machine } from "../../host/sim/machine.js";
import { PS_PER_US } from "../../host/sim/time.js";

export function machine(board: BoardName = "pi4", opts: { gpfsel?: number[]; trace?: number } = {}) {
  const m = new Machine({ board, wasm: new Uint8Array(0), bundle: new Uint8Array(0), trace: opts.trace ?? 10_000, gpfsel: opts.gpfsel });
  const b = BOARDS[board];
  const base = b.peripheralBase;
  return {
    m,
    b,
    pwm: base + b.pwmOffset,
    cm: base + 0x101000,
    gpio: base + 0x200000,
    uart: base + 0x201000,
    timer: base + 0x3000,
    read: (addr: number) => m.bus.read(addr),
    write: (addr: number, v: number) => m.bus.write(addr, v),
    /** Let `us` microseconds pass without any access (the PWM catches up, as its outputs would). */
    wait: (us: number) => {
      m.clock.stall(us * PS_PER_US);
      m.pwm.sync(m.clock.now);
    },
    /** Start the PWM clock properly: DIV, SRC, SRC|ENAB, wait for BUSY. */
    startClock() {
      const cm = base + 0x101000;
      m.bus.write(cm + 0xa4, 0x5a000000 | (b.pwmClockDivi << 12));
      m.bus.write(cm + 0xa0, 0x5a000006);
      m.bus.write(cm + 0xa0, 0x5a000016);
      m.clock.stall(PS_PER_US);
    },
  };
}
