/**
 * The VideoCore's property mailbox, as the simulator serves the firmware's
 * `mailbox_call` (firmware/abi.ts, mailbox block): the same message checks
 * and allow-list as the bare-metal runtime (boot/abi.c `MBOX_TAGS`,
 * compared by tests/mailbox.test.ts), and a model of the answers for the
 * tags it allows.
 *
 * What the model answers, and why (docs/hardware.md, "Mailbox" and "ARM
 * clock"): the ARM clock (id 3) starts at the boot firmware's low clock,
 * 600 MHz on both boards, as Circle documents for a Pi 4 that was not
 * asked for more; its maximum is 1.5 GHz on a Pi 4 (1.2 GHz on a Pi 3
 * Model B) and its minimum 600 MHz. `set clock rate` clamps the request to
 * [min, max] and answers the rate it set. Other clocks answer fixed rates
 * (core 250 MHz on a Pi 3, 500 MHz on a Pi 4; UART 48 MHz; others 0: not
 * modelled). Board revision: 0xc03111 (Pi 4B 4 GB, rev 1.1) or 0xa02082
 * (Pi 3B, rev 1.2). The measured rate is the set rate.
 *
 * `behaviour` "silent" models a VideoCore that never answers (the call
 * returns MAILBOX_NO_ANSWER), "error" one that answers 0x80000001.
 */
import { MailboxResult, MboxClock, MboxMessage, MboxTag } from "../../regs/mailbox.js";
import { MAILBOX_TAG_RULES } from "../../regs/mailbox-tags.js";
import type { Board } from "../boards.js";
import { SimFault, hex32 } from "./device.js";

/** The allow-list: tag id → smallest value buffer in bytes (regs/mailbox-tags.ts; the runtime's boot/regs.h MBOX_TAG_LIST). */
export const MAILBOX_TAGS: ReadonlyMap<number, { minBytes: number; name: string }> = new Map(MAILBOX_TAG_RULES.map((t) => [t.id, { minBytes: t.minBytes, name: t.name }]));
export const MAILBOX_MAX_BYTES: number = MboxMessage.MAX_BYTES;
export const MAILBOX_MAX_VALUE_BYTES: number = MboxMessage.MAX_VALUE_BYTES;
export const TAG_SET_CLOCK_RATE: number = MboxTag.SET_CLOCK_RATE;
export const CLOCK_ARM: number = MboxClock.ARM;
export const MAILBOX_OK: number = MailboxResult.OK;
export const MAILBOX_NO_ANSWER: number = MailboxResult.NO_ANSWER;
export const MAILBOX_ERROR: number = MailboxResult.ERROR;
const CODE_SUCCESS = MboxMessage.CODE_SUCCESS >>> 0;
const CODE_ERROR = MboxMessage.CODE_ERROR >>> 0;

export type MailboxBehaviour = "answer" | "silent" | "error";

export interface MailboxCall {
  /** Tag ids of the message, in order. */
  tags: number[];
  result: number;
}

export class VideoCoreMailbox {
  armHz = 600_000_000;
  readonly armMinHz = 600_000_000;
  readonly armMaxHz: number;
  readonly boardRevision: number;
  readonly calls: MailboxCall[] = [];

  constructor(
    private readonly board: Board,
    public behaviour: MailboxBehaviour = "answer",
  ) {
    this.armMaxHz = board.name === "pi4" ? 1_500_000_000 : 1_200_000_000;
    this.boardRevision = board.name === "pi4" ? 0xc03111 : 0xa02082;
  }

  private clockHz(id: number): number {
    if (id === CLOCK_ARM) return this.armHz;
    if (id === MboxClock.CORE) return this.board.name === "pi4" ? 500_000_000 : 250_000_000; // core
    if (id === MboxClock.UART) return this.board.uartClockHz;
    return 0;
  }

  /** Check a message as the runtime does; throws SimFault (halt 4) on what it refuses. */
  static check(msg: DataView, len: number): void {
    const refuse = (why: string, v: number) => {
      throw new SimFault(`mailbox_call: refused: ${why} ${hex32(v)}`);
    };
    const w = (off: number) => msg.getUint32(off, true);
    if (len % 4 !== 0 || len < 12 || len > MAILBOX_MAX_BYTES) refuse("len must be a multiple of 4 from 12 to 256 bytes, not", len);
    if (w(0) !== len) refuse("word 0 (the message size) differs from len", w(0));
    if (w(4) !== MboxMessage.CODE_REQUEST) refuse("request code is not 0:", w(4));
    for (let off = 8; ; ) {
      if (off + 4 > len) refuse("no end tag within len, at byte", off);
      const id = w(off);
      if (id === 0) return;
      if (off + 12 > len) refuse("tag header runs past len, at byte", off);
      const size = w(off + 4);
      const req = w(off + 8);
      const t = MAILBOX_TAGS.get(id);
      if (!t) refuse("tag not in the allow-list:", id);
      if (size % 4 !== 0 || size < t!.minBytes || size > MAILBOX_MAX_VALUE_BYTES) refuse("value buffer size not allowed for this tag:", size);
      if (off + 12 + size > len) refuse("value buffer runs past len, tag", id);
      if (req > size) refuse("request size larger than the value buffer:", req);
      if (id === TAG_SET_CLOCK_RATE && w(off + 12) !== CLOCK_ARM) refuse("set clock rate is allowed for the ARM clock (id 3) only, not id", w(off + 12));
      off += 12 + size;
    }
  }

  /** Serve one `mailbox_call` on the message in `mem` at [ptr, ptr + len) (already range-checked). */
  call(mem: Uint8Array, ptr: number, len: number): number {
    // Work on a copy, as the runtime does: what is checked is what is answered.
    const copy = mem.slice(ptr, ptr + len);
    const msg = new DataView(copy.buffer);
    VideoCoreMailbox.check(msg, len);
    const tags: number[] = [];
    for (let off = 8; msg.getUint32(off, true) !== 0; off += 12 + msg.getUint32(off + 4, true)) tags.push(msg.getUint32(off, true));
    const done = (result: number) => {
      this.calls.push({ tags, result });
      return result;
    };
    if (this.behaviour === "silent") return done(MAILBOX_NO_ANSWER);
    if (this.behaviour === "error") {
      new DataView(mem.buffer, mem.byteOffset + ptr, len).setUint32(4, CODE_ERROR, true);
      return done(MAILBOX_ERROR);
    }
    for (let off = 8; ; ) {
      const id = msg.getUint32(off, true);
      if (id === 0) break;
      const size = msg.getUint32(off + 4, true);
      const v = off + 12;
      const answer = (words: number[]) => {
        words.forEach((x, i) => msg.setUint32(v + 4 * i, x >>> 0, true));
        msg.setUint32(off + 8, (MboxMessage.TAG_ANSWERED | (4 * words.length)) >>> 0, true);
      };
      const clock = msg.getUint32(v, true);
      switch (id) {
        case MboxTag.GET_FIRMWARE_REVISION:
          answer([0x5f0e3a10]); // a firmware build date, as the real one answers a timestamp
          break;
        case MboxTag.GET_BOARD_REVISION:
          answer([this.boardRevision]);
          break;
        case MboxTag.GET_CLOCK_RATE:
        case MboxTag.GET_MEASURED_CLOCK_RATE:
          answer([clock, this.clockHz(clock)]);
          break;
        case MboxTag.GET_MAX_CLOCK_RATE:
          answer([clock, clock === CLOCK_ARM ? this.armMaxHz : this.clockHz(clock)]);
          break;
        case MboxTag.GET_MIN_CLOCK_RATE:
          answer([clock, clock === CLOCK_ARM ? this.armMinHz : this.clockHz(clock)]);
          break;
        case TAG_SET_CLOCK_RATE: {
          const want = msg.getUint32(v + 4, true);
          this.armHz = Math.min(this.armMaxHz, Math.max(this.armMinHz, want));
          answer([clock, this.armHz]);
          break;
        }
      }
      off += 12 + size;
    }
    msg.setUint32(4, CODE_SUCCESS, true);
    mem.set(copy, ptr);
    return done(MAILBOX_OK);
  }
}
