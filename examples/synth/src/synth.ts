/**
 * The synthesiser as a `FrameSource`: two voices, each an oscillator
 * through an ADSR envelope —
 *   lead  the note last received on the UART (legato: a new note glides
 *         nowhere, it re-triggers the attack from the current level);
 *   arp   an arpeggiator: the notes of a chord, up, one step every
 *         `stepMs`, each step gated for half of it. At boot it plays its
 *         chord once (the intro score), later on request (`arp C4 min`).
 * Mixed, scaled by the volume and clipped to 16 bits, the same on both
 * channels. Everything here runs per frame in `next()`; the UART and the
 * log are handled in main.ts between frames (`idle()`).
 */
import { FrameSource } from "piwave/firmware";
import { Envelope } from "./envelope";
import { noteHz } from "./notes";
import { Oscillator, Wave } from "./oscillator";

export class Voice {
  readonly osc: Oscillator;
  readonly env: Envelope;
  note: i32 = -1;
  constructor(rateHz: f64) {
    this.osc = new Oscillator(rateHz);
    this.env = new Envelope(rateHz);
  }
  play(note: i32): void {
    this.note = note;
    this.osc.setFrequency(noteHz(note));
    this.env.gate(true);
  }
  release(): void {
    this.env.gate(false);
  }
  @inline next(): f64 {
    const e = this.env.next();
    return e > 0 ? this.osc.next() * e : 0.0;
  }
}

/** Chords by name: semitones above the root. */
export const CHORD_MAJOR: StaticArray<i32> = [0, 4, 7, 12];
export const CHORD_MINOR: StaticArray<i32> = [0, 3, 7, 12];
export const CHORD_SEVENTH: StaticArray<i32> = [0, 4, 7, 10];

export class Synth extends FrameSource {
  readonly lead: Voice;
  readonly arp: Voice;
  /** Output level 0..1 of a voice at full envelope. */
  volume: f64 = 0.5;
  /** Set by `stop()`: the stream ends once both voices are silent. */
  private stopping: bool = false;

  // The arpeggiator.
  private chord: StaticArray<i32> = CHORD_MAJOR;
  private root: i32 = 60;
  private step: i32 = -1; // -1: off
  private stepsLeft: i32 = 0; // 0: forever
  private stepFrames: u32 = 0;
  private frameInStep: u32 = 0;
  /** Arp steps played (main.ts logs them from idle()). */
  stepsPlayed: u32 = 0;
  lastArpNote: i32 = -1;

  constructor(readonly rateHz: f64) {
    super();
    this.lead = new Voice(rateHz);
    this.arp = new Voice(rateHz);
    this.arp.osc.wave = Wave.Square;
    this.arp.env.set(2, 80, 40, 60);
    this.setTempo(125);
  }

  /** Arp step length in ms. */
  setTempo(stepMs: f64): void {
    const n = <u32>((stepMs * this.rateHz) / 1000.0);
    this.stepFrames = n > 16 ? n : 16;
  }

  /** Arpeggiate `chord` from `root`: `passes` times up the chord (0: until `arpOff`). */
  arpeggiate(root: i32, chord: StaticArray<i32>, passes: i32): void {
    this.root = root;
    this.chord = chord;
    this.step = 0;
    this.frameInStep = 0;
    this.stepsLeft = passes * chord.length;
  }

  arpOff(): void {
    this.step = -1;
    this.arp.release();
  }

  get arpRunning(): bool {
    return this.step >= 0;
  }

  /** Release everything and end the stream when the releases have faded. */
  stop(): void {
    this.lead.release();
    this.arpOff();
    this.stopping = true;
  }

  private arpTick(): void {
    if (this.step < 0) return;
    if (this.frameInStep == 0) {
      const n = this.root + this.chord[this.step % this.chord.length];
      this.arp.play(n < 127 ? n : 127);
      this.lastArpNote = n;
      this.stepsPlayed++;
    } else if (this.frameInStep == this.stepFrames / 2) {
      this.arp.release();
    }
    if (++this.frameInStep >= this.stepFrames) {
      this.frameInStep = 0;
      this.step++;
      if (this.stepsLeft > 0 && this.step >= this.stepsLeft) this.step = -1;
    }
  }

  next(): bool {
    if (this.stopping && !this.lead.env.active && !this.arp.env.active) {
      this.left = 0;
      this.right = 0;
      return false;
    }
    this.arpTick();
    let x = (this.lead.next() + this.arp.next()) * this.volume * 32767.0;
    if (x > 32767.0) x = 32767.0;
    else if (x < -32768.0) x = -32768.0;
    const s = <i32>Math.round(x);
    this.left = s;
    this.right = s;
    return true;
  }
}
