// Test firmware: mailbox_call probes. The music's byte 32 (after a bundle header: tests/helpers.ts payloadMusic) picks the probe:
//   0  report what the VideoCore answers (ARM clock, max, min, board revision, set, get again)
//   1  a tag not in the allow-list (set voltage)        2  set clock rate for the core clock (id 4)
//   3  word 0 differs from len                          4  a message outside linear memory
//   5  no end tag                                       6  a value buffer running past len
import { bundle_read, halt, mailbox_call } from "../../firmware/abi";
import * as mailbox from "../../firmware/drivers/mailbox";
import * as uart from "../../firmware/drivers/uart";
import * as log from "../../firmware/lib/log";
import "../../firmware/runtime/abort";

const buf: usize = memory.data(64, 16);

function word(i: u32, v: u32): void {
  store<u32>(buf + <usize>(i * 4), v);
}

function report(name: string, tag: u32, id: u32): void {
  const status = mailbox.query(tag, 1, id);
  log.begin("I", "probe");
  log.str(name);
  log.str(": status ");
  log.dec(status);
  log.str(", code ");
  log.hex(mailbox.responseCode());
  log.str(", value ");
  log.dec(mailbox.answer(1));
  log.end();
}

export function main(): void {
  uart.init();
  bundle_read(32, <u32>buf, 1);
  const probe = <u32>load<u8>(buf);
  if (probe == 0) {
    report("arm", mailbox.TAG_GET_CLOCK_RATE, mailbox.CLOCK_ARM);
    report("arm max", mailbox.TAG_GET_MAX_CLOCK_RATE, mailbox.CLOCK_ARM);
    report("arm min", mailbox.TAG_GET_MIN_CLOCK_RATE, mailbox.CLOCK_ARM);
    report("core", mailbox.TAG_GET_CLOCK_RATE, mailbox.CLOCK_CORE);
    const s = mailbox.query(mailbox.TAG_BOARD_REVISION, 0);
    log.begin("I", "probe");
    log.str("board revision: status ");
    log.dec(s);
    log.str(", value ");
    log.hex(mailbox.answer(0));
    log.end();
    log.drain();
    halt(0);
    return;
  }
  // A well-formed get-clock-rate message, then broken as the probe says.
  word(0, 32);
  word(1, 0);
  word(2, 0x00030002);
  word(3, 8);
  word(4, 4);
  word(5, 3);
  word(6, 0);
  word(7, 0);
  let len: u32 = 32;
  let ptr: u32 = <u32>buf;
  if (probe == 1) word(2, 0x00038003);
  else if (probe == 2) {
    word(2, 0x00038002);
    word(3, 12);
    word(5, 4);
    word(0, 36);
    len = 36;
    word(8, 0);
  } else if (probe == 3) word(0, 28);
  else if (probe == 4) ptr = 0xfffffff0;
  else if (probe == 5) {
    word(0, 28);
    len = 28;
  }
  else if (probe == 6) word(3, 48);
  log.begin("I", "probe");
  log.str("calling");
  log.end();
  log.drain();
  mailbox_call(ptr, len);
  log.begin("E", "probe");
  log.str("mailbox_call returned: the probe was not refused");
  log.end();
  log.drain();
  halt(1);
}
