/**
 * The simulator's access trace as typed events: for every MMIO access the
 * firmware made, its virtual time, whether it read or wrote, the register's
 * name and block, the value, and the value's fields decoded by the model's
 * register table (the same decoders `piwave sim --trace` prints).
 *
 * Fields come from the decoder's text, read with fixed rules:
 *   `NAME`          a flag that is set          → { NAME: true }
 *   `NAME=VALUE`    a field                     → { NAME: 12 } or { SRC: "PLLD" }
 *   `NAME(VALUE)`   a field with a note         → { "NO-PASSWD": "0x00" }
 *   `GPIO40,41`     a pin list                  → { GPIO40: true, GPIO41: true }
 *   `12345`         a plain number register     → { value: 12345 }
 *   `'A'`           a character (UART data)     → { char: "A" }
 * A flag that is not set is absent; `fieldsMatch` treats `false` as "absent".
 */
import type { Bus } from "../sim/bus.js";
import { hex32 } from "../sim/device.js";
import type { Trace } from "../sim/trace.js";

export type FieldValue = string | number | boolean;

export interface TraceEvent {
  /** Virtual time of the access in picoseconds (integer). */
  timePs: number;
  /** The same in microseconds. */
  timeUs: number;
  kind: "read" | "write";
  /** Register name, e.g. "CM_PWMCTL" (a hex address where the model names none). */
  register: string;
  /** The model's block, e.g. "CM", "PWM1", "GPIO", "UART0". */
  device: string;
  /** ARM physical address. */
  address: number;
  value: number;
  /** Decoded fields (see the module comment). */
  fields: Readonly<Record<string, FieldValue>>;
  /** The decoder's text, e.g. "PASSWD ENAB SRC=PLLD". */
  text: string;
}

function parseValue(v: string): FieldValue {
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

/** The decoder's text as fields (rules in the module comment). */
export function parseFields(text: string): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  const t = text.trim();
  if (t === "" || t === "all off" || t === "all NONE") return out;
  if (/^\d+$/.test(t)) return { value: Number(t) };
  const ch = t.match(/^'(.+)'$/);
  if (ch) return { char: ch[1] === "\\n" ? "\n" : ch[1]! };
  for (const tok of t.split(/\s+/)) {
    const kv = tok.match(/^([^=()]+)=(.*)$/);
    const note = tok.match(/^([^=()]+)\((.*)\)$/);
    const list = tok.match(/^([A-Za-z_]+)(\d+(?:,\d+)+)$/);
    if (kv) out[kv[1]!] = parseValue(kv[2]!);
    else if (note) out[note[1]!] = parseValue(note[2]!);
    else if (list) for (const n of list[2]!.split(",")) out[list[1]! + n] = true;
    else out[tok] = true;
  }
  return out;
}

/** Whether `fields` has every expected field (`false` = the flag is absent or false). */
export function fieldsMatch(fields: Readonly<Record<string, FieldValue>>, expected: Readonly<Record<string, FieldValue>>): boolean {
  for (const [k, want] of Object.entries(expected)) {
    const got = fields[k];
    if (want === false ? got !== undefined && got !== false : got !== want) return false;
  }
  return true;
}

/** Decode every recorded access of `trace` into events. */
export function traceEvents(bus: Bus, trace: Trace): TraceEvent[] {
  const out: TraceEvent[] = [];
  const cache = new Map<string, Record<string, FieldValue>>();
  for (const e of trace.entries()) {
    const d = bus.deviceAt(e.addr);
    const reg = d?.registers.get(e.addr - d.base);
    const text = reg?.decode ? reg.decode(e.value, e.write) : "";
    let fields = cache.get(text);
    if (!fields) {
      fields = Object.freeze(parseFields(text));
      cache.set(text, fields);
    }
    out.push({
      timePs: e.timePs,
      timeUs: e.timePs / 1e6,
      kind: e.write ? "write" : "read",
      register: reg ? reg.name : hex32(e.addr),
      device: d?.name ?? "",
      address: e.addr,
      value: e.value,
      fields,
      text,
    });
  }
  return out;
}
