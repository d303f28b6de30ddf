/**
 * The sandbox's allow-list: every register the firmware may reach through
 * `mmio_read`/`mmio_write`, per board, and where DMA may write. Anything
 * else is refused: the access does not happen and the firmware stops with
 * halt code 4. One definition, two enforcers:
 *   - the simulator (host/sim/bus.ts, host/sim/abi.ts) reads this file;
 *   - the bare-metal runtime (boot/abi.c) includes boot/sandbox.h, which
 *     host/regs/c-header.ts generates from this file (tests/sandbox-header.test.ts
 *     regenerates it and compares).
 *
 * Least privilege: the registers piwave's drivers use and the simulator
 * models, nothing more. Not in the list, on purpose: the DMA controller (the
 * runtime programs it for the firmware, see the DMA service in
 * firmware/abi.ts), other clock generators and the PLLs (A2W), the
 * interrupt controller, the mailbox, the system timer's compare registers
 * (the VideoCore uses C0 and C2), the PWM's holes at 0x0C/0x1C.
 *
 * Host only: imported by TypeScript, never by the firmware (asc).
 */
import { Block, PeripheralBase } from "./blocks.js";
import { DmaChannels, DmaService } from "./dma.js";
import { PwmDreq, PwmReg } from "./pwm.js";
import { CM_BLOCK } from "./tables/cm.js";
import { type BlockDesc, type BoardId, register } from "./tables/describe.js";
import { gpioBlock } from "./tables/gpio.js";
import { PACTL_BLOCK } from "./tables/pactl.js";
import { PWM_BLOCK } from "./tables/pwm.js";
import { TIMER_BLOCK } from "./tables/timer.js";
import { UART_BLOCK } from "./tables/uart.js";

export type SandboxBoard = BoardId;
export const SANDBOX_BOARDS: readonly SandboxBoard[] = ["pi4", "pi3"];

/** How the board names itself in refusals (same text as boot/board.h BOARD_NAME). */
export const SANDBOX_BOARD_NAME: Record<SandboxBoard, string> = { pi4: "pi4 (BCM2711)", pi3: "pi3 (BCM2837)" };
export const SANDBOX_PERIPHERAL_BASE: Record<SandboxBoard, number> = { pi4: PeripheralBase.PI4 >>> 0, pi3: PeripheralBase.PI3 >>> 0 };

export type Access = "r" | "rw";

export interface AllowedRegister {
  /** Block name, e.g. "PWM". */
  block: string;
  /** Block offset from the peripheral base. */
  blockOffset: number;
  /** Register offset inside the block. */
  offset: number;
  /** Register name as the trace shows it. */
  name: string;
  access: Access;
}

/**
 * The registers `names` of `block` (its table in regs/tables/), at
 * `blockOffset`. The firmware may write a register unless its table says it
 * is read-only.
 */
function allow(block: BlockDesc, blockOffset: number, names: string[]): AllowedRegister[] {
  return names.map((name) => {
    const r = register(block, name);
    return { block: block.name, blockOffset, offset: r.offset, name: r.name, access: r.access === "ro" ? "r" : "rw" };
  });
}

const COMMON: AllowedRegister[] = [
  ...allow(TIMER_BLOCK, Block.TIMER, ["ST_CLO", "ST_CHI"]),
  ...allow(CM_BLOCK, Block.CM, ["CM_PWMCTL", "CM_PWMDIV"]),
  ...allow(UART_BLOCK, Block.UART0, [
    "UART_DR",
    "UART_RSRECR",
    "UART_FR",
    "UART_IBRD",
    "UART_FBRD",
    "UART_LCRH",
    "UART_CR",
    "UART_IFLS",
    "UART_IMSC",
    "UART_RIS",
    "UART_MIS",
    "UART_ICR",
    "UART_DMACR",
  ]),
];

/** GPIO: function select, set/clear/level, and the board's pull registers (all of its table). */
function gpioRegs(board: SandboxBoard): AllowedRegister[] {
  const block = gpioBlock(board);
  return allow(block, Block.GPIO, block.registers.map((r) => r.name));
}

/** Every register of the jack's PWM (at `blockOffset`): the holes at 0x0C/0x1C are not registers. */
function pwmRegs(blockOffset: number): AllowedRegister[] {
  return allow(PWM_BLOCK, blockOffset, PWM_BLOCK.registers.map((r) => r.name));
}

/** Every register the firmware may touch on `board`, in address order. */
export const ALLOW_LIST: Record<SandboxBoard, readonly AllowedRegister[]> = {
  pi4: sortByAddress([...COMMON, ...gpioRegs("pi4"), ...allow(PACTL_BLOCK, Block.PACTL, ["PACTL_CS"]), ...pwmRegs(Block.PWM1)]),
  pi3: sortByAddress([...COMMON, ...gpioRegs("pi3"), ...pwmRegs(Block.PWM0)]),
};

function sortByAddress(list: AllowedRegister[]): AllowedRegister[] {
  return list.sort((a, b) => a.blockOffset + a.offset - (b.blockOffset + b.offset));
}

/** Where the DMA service lets a transfer write: a peripheral FIFO, with the DREQ that paces it. */
export interface DmaDestination {
  name: string;
  /** Offset of the FIFO register from the peripheral base (the firmware names it by its ARM address). */
  offset: number;
  /** TI.PERMAP: the DREQ line that paces writes to it. */
  dreq: number;
}

export const DMA_DESTINATIONS: Record<SandboxBoard, readonly DmaDestination[]> = {
  pi4: [{ name: "PWM1_FIF1", offset: Block.PWM1 + PwmReg.FIF1, dreq: PwmDreq.PWM1_BCM2711 }],
  pi3: [{ name: "PWM_FIF1", offset: Block.PWM0 + PwmReg.FIF1, dreq: PwmDreq.PWM_BCM2837 }],
};

/** The channels the DMA service admits (see regs/dma.ts DmaChannels). */
export const DMA_SERVICE_CHANNELS: number = DmaChannels.SERVICE_MASK;

/** Most blocks one `dma_start` may chain. */
export const DMA_MAX_BLOCKS: number = DmaService.MAX_BLOCKS;

export interface MmioRule {
  name: string;
  write: boolean;
}

/** Address → rule, for `board`. */
export function allowMap(board: SandboxBoard): Map<number, MmioRule> {
  const base = SANDBOX_PERIPHERAL_BASE[board];
  const m = new Map<number, MmioRule>();
  for (const r of ALLOW_LIST[board]) m.set((base + r.blockOffset + r.offset) >>> 0, { name: r.name, write: r.access === "rw" });
  return m;
}

/**
 * Why an access is refused, or null when it is allowed. The same reasons,
 * word for word, as boot/abi.c prints.
 */
export function mmioRefusal(board: SandboxBoard, rules: Map<number, MmioRule>, addr: number, write: boolean): string | null {
  addr >>>= 0;
  if (addr & 3) return "not 4-byte aligned";
  const rule = rules.get(addr);
  if (!rule) return `not in the sandbox's allow-list for ${SANDBOX_BOARD_NAME[board]}`;
  if (write && !rule.write) return `${rule.name} is read-only for the firmware`;
  return null;
}

/** The runtime's report of a refused access (boot/abi.c prints exactly this line). */
export function mmioRefusalLine(addr: number, write: boolean, reason: string): string {
  return `F mmio: refused ${write ? "write to" : "read of"} 0x${(addr >>> 0).toString(16).padStart(8, "0")}: ${reason}`;
}
