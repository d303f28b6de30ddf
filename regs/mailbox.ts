/**
 * The VideoCore mailboxes at Block.MAILBOX and the property interface the
 * ARM clock is raised through. Only the runtime touches these registers
 * (boot/abi.c; the simulator's host/sim/mailbox.ts answers the same calls):
 * the firmware fills a message in its own memory and calls the ABI's
 * `mailbox_call` (firmware/abi.ts), whose results are MailboxResult.
 *
 * Mailbox 0 carries answers VideoCore → ARM, mailbox 1 requests ARM →
 * VideoCore; a write is the message's bus address (16-byte aligned) with the
 * channel in the low 4 bits. Message: size, code (0 request; 0x80000000
 * success, 0x80000001 error), tags (id, value-buffer bytes, request bytes |
 * 0x80000000 in the answer, values), end tag 0. Sources: the Raspberry Pi
 * firmware wiki "Mailbox property interface" (tags, codes, clock ids);
 * Circle bcm2835.h MAILBOX_* and lib/bcmpropertytags.cpp; Linux
 * include/soc/bcm2835/raspberrypi-firmware.h (RPI_FIRMWARE_* tags).
 */
export const enum MboxReg {
  /** Mailbox 0, VideoCore → ARM: the answers. */
  READ0 = 0x00,
  STATUS0 = 0x18,
  /** Mailbox 1, ARM → VideoCore: the requests. */
  WRITE1 = 0x20,
  STATUS1 = 0x38,
}

export const enum MboxStatus {
  FULL = 0x80000000,
  EMPTY = 0x40000000,
}

export const enum MboxMessage {
  /** Channel 8: property tags, ARM to VideoCore. */
  CHANNEL_PROPERTY = 8,
  CODE_REQUEST = 0,
  CODE_SUCCESS = 0x80000000,
  CODE_ERROR = 0x80000001,
  /** Set in a tag's request-size word of the answer. */
  TAG_ANSWERED = 0x80000000,
  /** The largest message the runtime accepts, and the largest value buffer of a tag. */
  MAX_BYTES = 256,
  MAX_VALUE_BYTES = 64,
  /** How long the runtime waits for the VideoCore. */
  TIMEOUT_US = 250000,
}

/** The property tags the runtime allows (regs/mailbox-tags.ts gives each one's name and smallest buffer). */
export const enum MboxTag {
  GET_FIRMWARE_REVISION = 0x00000001,
  GET_BOARD_REVISION = 0x00010002,
  GET_CLOCK_RATE = 0x00030002,
  GET_MAX_CLOCK_RATE = 0x00030004,
  GET_MIN_CLOCK_RATE = 0x00030007,
  GET_MEASURED_CLOCK_RATE = 0x00030047,
  SET_CLOCK_RATE = 0x00038002,
}

/** Clock ids of the clock tags. */
export const enum MboxClock {
  UART = 2,
  ARM = 3,
  CORE = 4,
}

/** What `mailbox_call` returns. */
export const enum MailboxResult {
  OK = 0,
  NO_ANSWER = 1,
  ERROR = 2,
}
