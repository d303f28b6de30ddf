/**
 * piwave's synthesiser example: a bare-metal synth on the public firmware
 * library ("piwave/firmware"). It plays a short arpeggio at boot (the
 * intro, computed on the Pi), then whatever arrives on the UART, one
 * command a line (115200 8N1; a terminal, `piwave monitor`, or the
 * simulator's timed input):
 *
 *   A4, c#5, Eb3      play that note on the lead voice (C4 = middle C)
 *   off               release the lead note
 *   wave saw          the lead's waveform: sine, saw, square, triangle
 *   arp C4 min 125    arpeggiate a chord (maj, min, 7) from a root, ms a step
 *   arp off           stop the arpeggiator
 *   vol 50            output level in percent of full scale
 *   adsr 5 150 70 300 attack ms, decay ms, sustain %, release ms
 *   quit              release everything, fade out, summary, halt(0)
 *
 * Every command is answered on the log (`I synth: ...`, `W synth: ...` for
 * what it does not understand). The sound comes from synth.ts through the
 * AudioOutput, which ramps the jack up before the first frame and down
 * after the last, so neither boot nor quit clicks.
 */
import { AudioOutput, board, cpu, halt, HALT_DONE, HALT_HARDWARE, log, uart } from "piwave/firmware";
import { logNote, noteEnd, noteHz, parseNote } from "./notes";
import { Wave, waveName } from "./oscillator";
import { CHORD_MAJOR, CHORD_MINOR, CHORD_SEVENTH, Synth } from "./synth";

/** The lines the synth understands, for the log. */
const HELP: string = "A4 | off | wave sine|saw|square|triangle | arp C4 maj|min|7 [ms] | arp off | vol 0-100 | adsr A D S R | quit";

function logHz(hz: f64): void {
  log.fixed(<u64>Math.round(hz * 100.0), 2);
  log.str(" Hz");
}

/** The received line, printable ASCII only (anything else as `?`), in quotes. */
function logLine(): void {
  log.byte(0x22);
  for (let i: u32 = 0; i < uart.lineLength(); i++) {
    const c = uart.lineByte(i);
    log.byte(c >= 0x20 && c < 0x7f && c != 0x22 ? c : 0x3f);
  }
  log.byte(0x22);
}

/** The word at byte `from` (after spaces) is `w`, followed by a space or the end. */
function wordAt(from: u32, w: string): bool {
  let i = from;
  while (uart.lineByte(i) == 0x20) i++;
  for (let k = 0; k < w.length; k++) {
    if (uart.lineByte(i + <u32>k) != <u32>w.charCodeAt(k)) return false;
  }
  const after = uart.lineByte(i + <u32>w.length);
  return after == 0 || after == 0x20;
}

class Performance extends Synth {
  private loggedSteps: u32 = 0;
  private introDone: bool = false;
  quitting: bool = false;

  /** Between frames: the arpeggiator's steps to the log, then the commands waiting on the UART. */
  idle(): void {
    while (this.loggedSteps < this.stepsPlayed) {
      this.loggedSteps++;
      log.begin("I", "arp");
      log.str("step ");
      log.dec(this.loggedSteps);
      log.str(" ");
      logNote(this.lastArpNote);
      log.end();
    }
    if (!this.introDone && !this.arpRunning) {
      this.introDone = true;
      log.begin("I", "synth");
      log.str("ready: ");
      log.str(HELP);
      log.end();
    }
    while (uart.readLine()) this.command();
  }

  private command(): void {
    if (uart.lineLength() == 0) return;
    if (this.quitting) {
      log.begin("W", "synth");
      log.str("quitting: ignored ");
      logLine();
      log.end();
      return;
    }
    const note = parseNote(0);
    if (note >= 0 && uart.lineByte(noteEnd) == 0) {
      this.lead.play(note);
      log.begin("I", "synth");
      log.str("note ");
      logNote(note);
      log.str(" ");
      logHz(noteHz(note));
      log.str(", ");
      log.str(waveName(this.lead.osc.wave));
      log.end();
      return;
    }
    if (uart.lineIs("off")) {
      this.lead.release();
      log.begin("I", "synth");
      log.str("note off");
      log.end();
      return;
    }
    if (wordAt(0, "wave")) {
      let w: i32 = -1;
      if (wordAt(4, "sine")) w = Wave.Sine;
      else if (wordAt(4, "saw")) w = Wave.Saw;
      else if (wordAt(4, "square")) w = Wave.Square;
      else if (wordAt(4, "triangle")) w = Wave.Triangle;
      if (w >= 0) {
        this.lead.osc.wave = <Wave>w;
        log.begin("I", "synth");
        log.str("lead wave ");
        log.str(waveName(<Wave>w));
        log.end();
        return;
      }
    }
    if (uart.lineIs("arp off")) {
      this.arpOff();
      log.begin("I", "synth");
      log.str("arp off");
      log.end();
      return;
    }
    if (wordAt(0, "arp")) {
      const root = parseNote(3);
      if (root >= 0) {
        const at = noteEnd;
        let chord = CHORD_MAJOR;
        let name = "maj";
        if (wordAt(at, "min")) {
          chord = CHORD_MINOR;
          name = "min";
        } else if (wordAt(at, "7")) {
          chord = CHORD_SEVENTH;
          name = "7";
        } else if (!wordAt(at, "maj")) {
          return this.unknown();
        }
        let i = at;
        while (uart.lineByte(i) == 0x20) i++;
        while (uart.lineByte(i) > 0x20) i++; // past the chord's name
        const ms = uart.lineNumber(i, 125);
        if (ms < 20 || ms > 2000) return this.unknown();
        this.setTempo(<f64>ms);
        this.arpeggiate(root, chord, 0);
        log.begin("I", "synth");
        log.str("arp ");
        logNote(root);
        log.str(" ");
        log.str(name);
        log.str(", ");
        log.dec(ms);
        log.str(" ms a step");
        log.end();
        return;
      }
    }
    if (wordAt(0, "vol")) {
      const v = uart.lineNumber(3);
      if (v >= 0 && v <= 100 && uart.lineByte(uart.numberEnd) == 0) {
        this.volume = <f64>v / 100.0;
        log.begin("I", "synth");
        log.str("volume ");
        log.dec(v);
        log.str(" %");
        log.end();
        return;
      }
    }
    if (wordAt(0, "adsr")) {
      const a = uart.lineNumber(4);
      const d = uart.lineNumber(uart.numberEnd);
      const s = uart.lineNumber(uart.numberEnd);
      const r = uart.lineNumber(uart.numberEnd);
      if (a >= 0 && d >= 0 && s >= 0 && s <= 100 && r >= 0 && uart.lineByte(uart.numberEnd) == 0) {
        this.lead.env.set(<f64>a, <f64>d, <f64>s, <f64>r);
        log.begin("I", "synth");
        log.str("lead adsr ");
        log.dec(a);
        log.str(" ms, ");
        log.dec(d);
        log.str(" ms, ");
        log.dec(s);
        log.str(" %, ");
        log.dec(r);
        log.str(" ms");
        log.end();
        return;
      }
    }
    if (uart.lineIs("quit") || uart.lineIs("q")) {
      this.quitting = true;
      this.stop();
      log.begin("I", "synth");
      log.str("quit: releasing, then the output ramps down");
      log.end();
      return;
    }
    this.unknown();
  }

  private unknown(): void {
    log.begin("W", "synth");
    log.str("not understood: ");
    logLine();
    log.str(" (");
    log.str(HELP);
    log.str(")");
    log.end();
  }
}

export function main(): void {
  const output = new AudioOutput();
  uart.init();
  const rate = <f64>output.rateMilliHz / 1000.0;
  log.begin("I", "synth");
  log.str("piwave synth example on ");
  log.str(board.BOARD_NAME);
  log.str(", ");
  log.fixed(output.rateMilliHz, 3);
  log.str(" Hz");
  log.end();
  log.flush();
  cpu.raise();

  const synth = new Performance(rate);
  synth.arpeggiate(60, CHORD_MAJOR, 1); // the intro: C4 E4 G4 C5, once
  const ok = output.play(synth); // until `quit` and the releases have faded
  output.close();
  output.summary(synth);
  log.drain();
  halt(ok ? HALT_DONE : HALT_HARDWARE);
}
