/** The PL011 UART as a register table (regs/uart.ts has the rules and sources). */
import { Pl011Cr, Pl011Field, Pl011Fr, Pl011Lcrh, Pl011Reg } from "../uart.js";
import { type BlockDesc, flag } from "./describe.js";

export const UART_BLOCK: BlockDesc = {
  name: "UART0",
  bytes: Pl011Reg.BLOCK_BYTES,
  registers: [
    { name: "UART_DR", offset: Pl011Reg.DR, access: "rw", reset: 0, fields: [{ name: "DATA", lsb: 0, width: 8 }, { name: "OE", lsb: 11, width: 1, access: "ro" }] },
    { name: "UART_RSRECR", offset: Pl011Reg.RSRECR, access: "rw", reset: 0 },
    {
      name: "UART_FR",
      offset: Pl011Reg.FR,
      access: "ro",
      reset: Pl011Fr.RXFE | Pl011Fr.TXFE,
      fields: [flag("BUSY", Pl011Fr.BUSY), flag("RXFE", Pl011Fr.RXFE), flag("TXFF", Pl011Fr.TXFF), flag("RXFF", Pl011Fr.RXFF), flag("TXFE", Pl011Fr.TXFE)],
    },
    { name: "UART_IBRD", offset: Pl011Reg.IBRD, access: "rw", reset: 0 },
    { name: "UART_FBRD", offset: Pl011Reg.FBRD, access: "rw", reset: 0 },
    {
      name: "UART_LCRH",
      offset: Pl011Reg.LCRH,
      access: "rw",
      reset: 0,
      fields: [
        flag("BRK", Pl011Lcrh.BRK),
        flag("PEN", Pl011Lcrh.PEN),
        flag("EPS", Pl011Lcrh.EPS),
        flag("STP2", Pl011Lcrh.STP2),
        flag("FEN", Pl011Lcrh.FEN),
        { name: "WLEN", lsb: Pl011Lcrh.WLEN_SHIFT, width: 2 },
        flag("SPS", Pl011Lcrh.SPS),
      ],
    },
    {
      name: "UART_CR",
      offset: Pl011Reg.CR,
      access: "rw",
      reset: Pl011Cr.RESET,
      fields: [flag("UARTEN", Pl011Cr.UARTEN), flag("LBE", Pl011Cr.LBE), flag("TXE", Pl011Cr.TXE), flag("RXE", Pl011Cr.RXE), flag("RTSEN", Pl011Cr.RTSEN), flag("CTSEN", Pl011Cr.CTSEN)],
    },
    { name: "UART_IFLS", offset: Pl011Reg.IFLS, access: "rw", reset: Pl011Field.IFLS_RESET },
    { name: "UART_IMSC", offset: Pl011Reg.IMSC, access: "rw", reset: 0 },
    { name: "UART_RIS", offset: Pl011Reg.RIS, access: "ro", reset: 0 },
    { name: "UART_MIS", offset: Pl011Reg.MIS, access: "ro", reset: 0 },
    { name: "UART_ICR", offset: Pl011Reg.ICR, access: "wo", reset: 0 },
    { name: "UART_DMACR", offset: Pl011Reg.DMACR, access: "rw", reset: 0 },
  ],
};
