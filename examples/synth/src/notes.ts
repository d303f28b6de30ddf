/**
 * Note names as musicians (and MIDI) write them: a letter A–G, an optional
 * `#` or `b`, an octave −1..9, C4 = MIDI note 60 = middle C, A4 = 69 =
 * 440 Hz in equal temperament. Parsed straight from the UART's line buffer,
 * without allocating.
 */
import { log, uart } from "piwave/firmware";

/** Semitones above C of the letters A..G. */
const LETTER_SEMITONES: StaticArray<i32> = [9, 11, 0, 2, 4, 5, 7];
const NAMES: StaticArray<string> = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

/** Where the last `parseNote` stopped in the line. */
export let noteEnd: u32 = 0;

/**
 * The MIDI note number (0..127) written at byte `from` of the UART line
 * (after spaces), or -1 when there is no note name there.
 */
export function parseNote(from: u32): i32 {
  let i = from;
  while (uart.lineByte(i) == 0x20) i++;
  let c = uart.lineByte(i);
  if (c >= 0x61 && c <= 0x67) c -= 0x20; // lower case letter
  if (c < 0x41 || c > 0x47) return -1;
  let semitone = LETTER_SEMITONES[c - 0x41];
  i++;
  const accidental = uart.lineByte(i);
  if (accidental == 0x23) {
    semitone++;
    i++;
  } else if (accidental == 0x62) {
    semitone--;
    i++;
  }
  let octave: i32;
  if (uart.lineByte(i) == 0x2d && uart.lineByte(i + 1) == 0x31) {
    octave = -1;
    i += 2;
  } else {
    const d = uart.lineByte(i);
    if (d < 0x30 || d > 0x39) return -1;
    octave = <i32>(d - 0x30);
    i++;
  }
  const note = (octave + 1) * 12 + semitone;
  if (note < 0 || note > 127) return -1;
  noteEnd = i;
  return note;
}

/** Equal-tempered frequency of MIDI `note` in Hz (A4 = 69 = 440 Hz). */
export function noteHz(note: i32): f64 {
  return 440.0 * Math.pow(2.0, <f64>(note - 69) / 12.0);
}

/** Log `note` by name, e.g. `A4`, `C#5`. */
export function logNote(note: i32): void {
  log.str(NAMES[note % 12]);
  const octave = note / 12 - 1;
  if (octave < 0) log.str("-1");
  else log.dec(<u64>octave);
}
