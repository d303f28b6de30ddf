/**
 * The ARM cores' clock. Unless config.txt or an operating system asks, the
 * VideoCore firmware leaves the ARM at its low clock (600 MHz on a Pi 4, as
 * Circle documents), where the shaped mode would need most of a core. The
 * ARM clock belongs to the VideoCore, not to the ARM's clock manager: it is
 * raised through the mailbox property interface — get the maximum rate,
 * set it (ARM clock id 3), read it back (docs/hardware.md, "ARM clock").
 *
 * `raise()` logs the rate before and after; a mailbox that does not answer
 * (or answers with an error) is reported with a `W cpu:` line and the
 * firmware goes on at whatever clock it has.
 */
import { MAILBOX_NO_ANSWER, MAILBOX_OK } from "../abi";
import * as log from "../lib/log";
import * as mailbox from "./mailbox";

/** ARM clock in Hz before and after `raise()` (0: unknown). */
export let beforeHz: u32 = 0;
export let afterHz: u32 = 0;

function mhz(hz: u32): void {
  log.fixed(<u64>hz / 1000, 3);
  log.str(" MHz");
}

function unanswered(status: u32, what: string): void {
  log.begin("W", "cpu");
  if (status == MAILBOX_NO_ANSWER) {
    log.str("the VideoCore mailbox did not answer (");
    log.str(what);
    log.str("): ARM clock left as the boot firmware set it");
  } else {
    log.str("the VideoCore refused ");
    log.str(what);
    log.str(" (response ");
    log.hex(mailbox.responseCode());
    log.str("): ARM clock left as the boot firmware set it");
  }
  log.end();
}

let done: bool = false;

/** Raise the ARM clock to the most the VideoCore allows; log before and after. Once: later calls do nothing. */
export function raise(): void {
  if (done) return;
  done = true;
  let status = mailbox.query(mailbox.TAG_GET_CLOCK_RATE, 1, mailbox.CLOCK_ARM);
  if (status != MAILBOX_OK) return unanswered(status, "get ARM clock rate");
  beforeHz = mailbox.answer(1);
  afterHz = beforeHz;
  status = mailbox.query(mailbox.TAG_GET_MAX_CLOCK_RATE, 1, mailbox.CLOCK_ARM);
  if (status != MAILBOX_OK) return unanswered(status, "get max ARM clock rate");
  const maxHz = mailbox.answer(1);
  if (maxHz <= beforeHz) {
    log.begin("I", "cpu");
    log.str("ARM clock ");
    mhz(beforeHz);
    log.str(", already the maximum");
    log.end();
    return;
  }
  status = mailbox.query(mailbox.TAG_SET_CLOCK_RATE, 3, mailbox.CLOCK_ARM, maxHz, 0);
  if (status != MAILBOX_OK) return unanswered(status, "set ARM clock rate");
  status = mailbox.query(mailbox.TAG_GET_CLOCK_RATE, 1, mailbox.CLOCK_ARM);
  afterHz = status == MAILBOX_OK ? mailbox.answer(1) : 0;
  log.begin(afterHz == maxHz ? "I" : "W", "cpu");
  log.str("ARM clock ");
  mhz(beforeHz);
  if (afterHz == maxHz) {
    log.str(", raised to ");
    mhz(afterHz);
    log.str(" (the maximum)");
  } else {
    log.str(", asked for ");
    mhz(maxHz);
    log.str(", now ");
    if (afterHz == 0) log.str("unknown (no answer)");
    else mhz(afterHz);
  }
  log.end();
}
