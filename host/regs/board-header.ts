/**
 * Generates boot/regs.h, the runtime's copy of the register description in
 * regs/: each board's peripheral base and end, the block offsets, the PL011,
 * GPIO, system-timer and mailbox registers and fields the runtime's own code
 * touches (boot/uart.c, boot/abi.c), the board facts, the mailbox tags the
 * runtime allows, and the halt codes with their names (boot/runtime.h,
 * boot/main.c). boot/board.h includes it. tests/generated-headers.test.ts
 * regenerates it and compares; `npx tsx scripts/gen-sandbox-header.ts`
 * rewrites it with boot/sandbox.h.
 */
import { Block, PeripheralBase, PeripheralEnd } from "../../regs/blocks.js";
import { BoardCommon, Pi3, Pi4 } from "../../regs/board.js";
import { GpioFsel, GpioReg } from "../../regs/gpio.js";
import { Halt } from "../../regs/halt.js";
import { HALT_NAMES } from "../../regs/halt-names.js";
import { MailboxResult, MboxClock, MboxMessage, MboxReg, MboxStatus, MboxTag } from "../../regs/mailbox.js";
import { MAILBOX_TAG_RULES } from "../../regs/mailbox-tags.js";
import { SANDBOX_BOARD_NAME } from "../../regs/allow-list.js";
import { PwmDreq } from "../../regs/pwm.js";
import { TimerReg } from "../../regs/timer.js";
import { Pl011Cr, Pl011Field, Pl011Fr, Pl011Lcrh, Pl011Reg } from "../../regs/uart.js";

const hex = (v: number) => "0x" + (v >>> 0).toString(16).toUpperCase().padStart(8, "0") + "u";
const dec = (v: number) => `${v >>> 0}u`;
const define = (name: string, value: string) => `#define ${name} ${value}`;

function cString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s) || /["\\]/.test(s)) throw new Error(`not a plain C string: ${JSON.stringify(s)}`);
  return `"${s}"`;
}

export function boardHeader(): string {
  const haltNames: string[] = [];
  for (let code = 0; code < Halt.COUNT; code++) {
    const name = HALT_NAMES[code];
    if (name === undefined) throw new Error(`regs/halt-names.ts names no halt code ${code}`);
    haltNames.push(cString(name));
  }
  const board = (n: 4 | 3) => {
    const pi4 = n === 4;
    return [
      define("PERIPHERAL_BASE", hex(pi4 ? PeripheralBase.PI4 : PeripheralBase.PI3)),
      define("PERIPHERAL_END", hex(pi4 ? PeripheralEnd.PI4 : PeripheralEnd.PI3) + " /* incl. the ARM local peripherals */"),
      define("PWM_OFFSET", hex(pi4 ? Block.PWM1 : Block.PWM0) + ` /* ${pi4 ? "PWM1" : "PWM0"} drives the jack */`),
      define("PWM_DREQ", dec(pi4 ? PwmDreq.PWM1_BCM2711 : PwmDreq.PWM_BCM2837)),
      define("BOARD_NAME", cString(SANDBOX_BOARD_NAME[pi4 ? "pi4" : "pi3"])),
      define("OSC_HZ", dec(pi4 ? Pi4.OSC_HZ : Pi3.OSC_HZ)),
      define("PLLD_HZ", dec(pi4 ? Pi4.PLLD_HZ : Pi3.PLLD_HZ)),
    ];
  };
  const common: [string, string][] = [
    ["TIMER_OFFSET", hex(Block.TIMER)],
    ["MBOX_OFFSET", hex(Block.MAILBOX)],
    ["CM_OFFSET", hex(Block.CM)],
    ["GPIO_OFFSET", hex(Block.GPIO)],
    ["UART0_OFFSET", hex(Block.UART0)],
    ["UART_CLOCK_HZ", dec(BoardCommon.UART_CLOCK_HZ)],
    ["UART_BAUD", dec(BoardCommon.BAUD)],
    ["UART_TX_PIN", dec(BoardCommon.UART_TX_PIN)],
    ["UART_RX_PIN", dec(BoardCommon.UART_RX_PIN)],
    ["TIMER_CLO", hex(TimerReg.CLO)],
    ["GPIO_GPFSEL0", hex(GpioReg.GPFSEL0)],
    ["GPIO_FSEL_ALT0", dec(GpioFsel.ALT0)],
    ["GPIO_FSEL_MASK", dec(GpioFsel.MASK)],
    ["GPIO_FSEL_BITS", dec(GpioFsel.BITS)],
    ["GPIO_FSEL_PINS_PER_REG", dec(GpioFsel.PINS_PER_REG)],
    ["PL011_DR", hex(Pl011Reg.DR)],
    ["PL011_FR", hex(Pl011Reg.FR)],
    ["PL011_IBRD", hex(Pl011Reg.IBRD)],
    ["PL011_FBRD", hex(Pl011Reg.FBRD)],
    ["PL011_LCRH", hex(Pl011Reg.LCRH)],
    ["PL011_CR", hex(Pl011Reg.CR)],
    ["PL011_ICR", hex(Pl011Reg.ICR)],
    ["PL011_FR_BUSY", hex(Pl011Fr.BUSY)],
    ["PL011_FR_TXFF", hex(Pl011Fr.TXFF)],
    ["PL011_LCRH_FEN", hex(Pl011Lcrh.FEN)],
    ["PL011_LCRH_WLEN8", hex(Pl011Lcrh.WLEN8)],
    ["PL011_CR_UARTEN", hex(Pl011Cr.UARTEN)],
    ["PL011_CR_TXE", hex(Pl011Cr.TXE)],
    ["PL011_CR_RXE", hex(Pl011Cr.RXE)],
    ["PL011_INT_ALL", hex(Pl011Field.INT_ALL)],
    ["PL011_FBRD_SCALE", dec(Pl011Field.FBRD_SCALE)],
    ["MBOX0_READ_REG", hex(MboxReg.READ0)],
    ["MBOX0_STATUS_REG", hex(MboxReg.STATUS0)],
    ["MBOX1_WRITE_REG", hex(MboxReg.WRITE1)],
    ["MBOX1_STATUS_REG", hex(MboxReg.STATUS1)],
    ["MBOX_STATUS_FULL", hex(MboxStatus.FULL)],
    ["MBOX_STATUS_EMPTY", hex(MboxStatus.EMPTY)],
    ["MBOX_CHANNEL_PROPERTY", dec(MboxMessage.CHANNEL_PROPERTY)],
    ["MBOX_MAX_BYTES", dec(MboxMessage.MAX_BYTES)],
    ["MBOX_MAX_VALUE_BYTES", dec(MboxMessage.MAX_VALUE_BYTES)],
    ["MBOX_TIMEOUT_US", dec(MboxMessage.TIMEOUT_US)],
    ["MBOX_CODE_REQUEST", dec(MboxMessage.CODE_REQUEST)],
    ["MBOX_CODE_SUCCESS", hex(MboxMessage.CODE_SUCCESS)],
    ["MBOX_TAG_SET_CLOCK_RATE", hex(MboxTag.SET_CLOCK_RATE)],
    ["MBOX_CLOCK_ARM", dec(MboxClock.ARM)],
    ["MBOX_OK", dec(MailboxResult.OK)],
    ["MBOX_NO_ANSWER", dec(MailboxResult.NO_ANSWER)],
    ["MBOX_ERROR", dec(MailboxResult.ERROR)],
    ["HALT_DONE", dec(Halt.DONE)],
    ["HALT_BAD_BUNDLE", dec(Halt.BAD_BUNDLE)],
    ["HALT_HARDWARE", dec(Halt.HARDWARE)],
    ["HALT_ABORT", dec(Halt.ABORT)],
    ["HALT_BAD_MMIO", dec(Halt.REFUSED)],
    ["HALT_WASM_TRAP", dec(Halt.WASM_TRAP)],
    ["HALT_CPU_EXCEPTION", dec(Halt.CPU_EXCEPTION)],
    ["HALT_RUNTIME", dec(Halt.RUNTIME)],
  ];
  const lines = [
    "/*",
    " * regs.h — GENERATED from regs/ by host/regs/board-header.ts. Do not edit:",
    " * change regs/ and run `npx tsx scripts/gen-sandbox-header.ts`",
    " * (tests/generated-headers.test.ts fails while this file is stale).",
    " *",
    " * The register description the firmware (asc) and the simulator (tsc) read,",
    " * for the runtime: the board's peripheral base and blocks, the registers",
    " * and fields the runtime's own code touches, the mailbox tags it allows, and",
    " * the halt codes with the names its report line prints. Included by board.h.",
    " */",
    "#ifndef PIWAVE_REGS_H",
    "#define PIWAVE_REGS_H",
    "",
    "#if PIWAVE_BOARD == 4",
    ...board(4),
    "#elif PIWAVE_BOARD == 3",
    ...board(3),
    "#else",
    '#error "PIWAVE_BOARD must be 3 or 4"',
    "#endif",
    "",
    ...common.map(([n, v]) => define(n, v)),
    "",
    "/* The halt codes' names, by code (an array initializer). */",
    `#define HALT_NAME_LIST ${haltNames.join(", ")}`,
    "",
    "/* The mailbox tags the runtime allows: {id, smallest value buffer in bytes, name} (an array initializer). */",
    "#define MBOX_TAG_LIST \\",
    ...MAILBOX_TAG_RULES.map((t, i) => `  {${hex(t.id)}, ${t.minBytes}, ${cString(t.name)}}${i < MAILBOX_TAG_RULES.length - 1 ? ", \\" : ""}`),
    "",
    "#endif",
    "",
  ];
  return lines.join("\n");
}
