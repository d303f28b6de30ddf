/** Drive the peripheral models directly through the real bus, without firmware. */
import { BOARDS, type BoardName } from "../../host/boards.js";
import { Machine } from "../../host/sim/machine.js";
import { PS_PER_US } from "../../host/sim/time.js";
import { Block } from "../../regs/blocks.js";
import { CmCtl, CmDiv, CmField, CmReg, CmSrc } from "../../regs/cm.js";

export function machine(board: BoardName = "pi4", opts: { gpfsel?: number[]; trace?: number } = {}) {
  const m = new Machine({ board, wasm: new Uint8Array(0), bundle: new Uint8Array(0), trace: opts.trace ?? 10_000, gpfsel: opts.gpfsel });
  const b = BOARDS[board];
  const base = b.peripheralBase;
  return {
    m,
    b,
    pwm: base + b.pwmOffset,
    cm: base + Block.CM,
    gpio: base + Block.GPIO,
    uart: base + Block.UART0,
    timer: base + Block.TIMER,
    read: (addr: number) => m.bus.read(addr),
    write: (addr: number, v: number) => m.bus.write(addr, v),
    /** Let `us` microseconds pass without any access (the PWM catches up, as its outputs would). */
    wait: (us: number) => {
      m.clock.stall(us * PS_PER_US);
      m.pwm.sync(m.clock.now);
    },
    /** Start the PWM clock properly: DIV, SRC, SRC|ENAB, wait for BUSY. */
    startClock() {
      const cm = base + Block.CM;
      m.bus.write(cm + CmReg.PWMDIV, CmField.PASSWD | (b.pwmClockDivi << CmDiv.DIVI_SHIFT));
      m.bus.write(cm + CmReg.PWMCTL, CmField.PASSWD | CmSrc.PLLD);
      m.bus.write(cm + CmReg.PWMCTL, CmField.PASSWD | CmSrc.PLLD | CmCtl.ENAB);
      m.clock.stall(PS_PER_US);
    },
  };
}
