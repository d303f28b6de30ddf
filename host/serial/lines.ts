/**
 * Splitting a serial byte stream into lines, in time linear in the input
 * whatever it holds: each byte is looked at once (a chunk is searched for
 * LF only from where the previous search ended), and a line longer than
 * `maxLine` bytes is not kept whole. Its first `maxLine` bytes are shown at
 * once with a visible marker, the rest up to the next LF is counted and
 * dropped. (What the monitor logs to a file is the raw byte stream, not
 * these lines, so the log stays byte-exact.)
 *
 * Lines end at LF; one CR before the LF is removed (the firmware ends lines
 * with CRLF). Bytes are decoded as UTF-8 once a line is complete, so a
 * character split across two chunks comes out whole.
 */

export interface LineEvent {
  text: string;
  /** The line was longer than maxLine: `text` is its start, the rest is not shown. */
  cut: boolean;
  /** The line ended with a newline; false for what `flush` hands out (a line the sender never finished). */
  complete: boolean;
}

export const DEFAULT_MAX_LINE = 4096;

export class LineAssembler {
  private parts: Buffer[] = [];
  private length = 0;
  /** Bytes of the current over-long line dropped so far (-1: the current line is not over-long). */
  private dropping = -1;
  /** Over-long lines cut so far. */
  cutLines = 0;

  /** Bytes held for the current line (never more than maxLine). */
  get buffered(): number {
    return this.length;
  }

  constructor(
    private readonly onLine: (e: LineEvent) => void,
    private readonly maxLine = DEFAULT_MAX_LINE,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      this.take(chunk.subarray(start, end));
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  }

  /** Emit what is buffered of an unfinished line (the port closed). */
  flush(): void {
    if (this.length > 0) this.endLine(false);
    this.dropping = -1;
  }

  private take(bytes: Buffer): void {
    if (!bytes.length) return;
    if (this.dropping >= 0) {
      this.dropping += bytes.length;
      return;
    }
    const room = this.maxLine - this.length;
    if (bytes.length <= room) {
      this.parts.push(bytes);
      this.length += bytes.length;
      return;
    }
    // Over-long: show its start now, drop the rest of it.
    this.parts.push(bytes.subarray(0, room));
    this.length += room;
    this.cutLines++;
    this.emit(true);
    this.dropping = bytes.length - room;
  }

  private endLine(complete = true): void {
    if (this.dropping >= 0) {
      this.dropping = -1;
      return;
    }
    this.emit(false, complete);
  }

  private emit(cut: boolean, complete = false): void {
    let buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
    if (!cut && buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    this.parts = [];
    this.length = 0;
    this.onLine({ text: buf.toString("utf8"), cut, complete });
  }
}
