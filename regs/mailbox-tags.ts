/**
 * The mailbox tags the runtime lets the firmware send (regs/mailbox.ts), with
 * the smallest value buffer each needs. Host only (tsc): the simulator
 * (host/sim/mailbox.ts) reads it and boot/regs.h is generated from it for the
 * runtime's check (boot/abi.c MBOX_TAGS). `set clock rate` is allowed for the
 * ARM clock only (checked by both).
 */
import { MboxTag } from "./mailbox.js";

export interface MailboxTagRule {
  id: number;
  /** Smallest value buffer in bytes. */
  minBytes: number;
  name: string;
}

export const MAILBOX_TAG_RULES: readonly MailboxTagRule[] = [
  { id: MboxTag.GET_FIRMWARE_REVISION, minBytes: 4, name: "get firmware revision" },
  { id: MboxTag.GET_BOARD_REVISION, minBytes: 4, name: "get board revision" },
  { id: MboxTag.GET_CLOCK_RATE, minBytes: 8, name: "get clock rate" },
  { id: MboxTag.GET_MAX_CLOCK_RATE, minBytes: 8, name: "get max clock rate" },
  { id: MboxTag.GET_MIN_CLOCK_RATE, minBytes: 8, name: "get min clock rate" },
  { id: MboxTag.GET_MEASURED_CLOCK_RATE, minBytes: 8, name: "get measured clock rate" },
  { id: MboxTag.SET_CLOCK_RATE, minBytes: 12, name: "set clock rate" },
];
