/**
 * The VideoCore firmware's property interface, through the ABI's
 * `mailbox_call` (firmware/abi.ts explains the message format, the tags
 * the host allows and what it refuses). The firmware only fills a message
 * in its own memory; the host sends it (docs/hardware.md, "Mailbox").
 *
 * One tag per message here: `query(tag, a, b, c)` builds
 *   size, 0, tag, value-buffer size, request size, a, b, c, end tag 0
 * and returns the call's status; the answer's value words are then
 * `answer(0)`, `answer(1)`.
 */
import { mailbox_call, MAILBOX_OK } from "../abi";
import { MboxClock, MboxMessage, MboxTag } from "../../regs/mailbox";

export const TAG_FIRMWARE_REVISION: u32 = MboxTag.GET_FIRMWARE_REVISION;
export const TAG_BOARD_REVISION: u32 = MboxTag.GET_BOARD_REVISION;
export const TAG_GET_CLOCK_RATE: u32 = MboxTag.GET_CLOCK_RATE;
export const TAG_GET_MAX_CLOCK_RATE: u32 = MboxTag.GET_MAX_CLOCK_RATE;
export const TAG_GET_MIN_CLOCK_RATE: u32 = MboxTag.GET_MIN_CLOCK_RATE;
export const TAG_GET_MEASURED_CLOCK_RATE: u32 = MboxTag.GET_MEASURED_CLOCK_RATE;
export const TAG_SET_CLOCK_RATE: u32 = MboxTag.SET_CLOCK_RATE;

/** Clock ids of the clock tags. */
export const CLOCK_ARM: u32 = MboxClock.ARM;
export const CLOCK_CORE: u32 = MboxClock.CORE;

const VALUE_BYTES: u32 = 12; // room for the largest request (set clock rate: id, rate, skip turbo)
const MESSAGE_BYTES: u32 = 5 * 4 + VALUE_BYTES + 4;
const message: usize = memory.data(<i32>MESSAGE_BYTES, 16);

/** Send `tag` with request words a, b, c (`requestWords` of them). Returns MAILBOX_OK/NO_ANSWER/ERROR. */
export function query(tag: u32, requestWords: u32, a: u32 = 0, b: u32 = 0, c: u32 = 0): u32 {
  store<u32>(message, MESSAGE_BYTES, 0);
  store<u32>(message, MboxMessage.CODE_REQUEST, 4);
  store<u32>(message, tag, 8);
  store<u32>(message, VALUE_BYTES, 12);
  store<u32>(message, requestWords * 4, 16);
  store<u32>(message, a, 20);
  store<u32>(message, b, 24);
  store<u32>(message, c, 28);
  store<u32>(message, 0, 32); // end tag
  return mailbox_call(<u32>message, MESSAGE_BYTES);
}

/** Value word `i` of the last answer. */
export function answer(i: u32): u32 {
  return load<u32>(message + 20 + <usize>(i * 4));
}

/** The response code of the last call (0x80000000 success, 0x80000001 error). */
export function responseCode(): u32 {
  return load<u32>(message, 4);
}

/** Rate of clock `id` in Hz for a get-clock tag, or 0 when the mailbox did not answer. */
export function clockRate(tag: u32, id: u32): u32 {
  return query(tag, 1, id) == MAILBOX_OK ? answer(1) : 0;
}
