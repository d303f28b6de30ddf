/**
 * What `piwave sim --report` compares the jack with: the first song as the
 * user gave it to the player, i.e. as converted, not the samples a plain
 * bundle stores.
 *
 * Why they differ: for plain mode, `encodeBundle` (host/bundle.ts) stores
 * pre-compensated samples, the duty values whose M/S pulse train carries the
 * song itself below half the frame rate (host/dsp/plain-precompensation.ts).
 * Those samples are the song plus the inverse of M/S PWM's pulse-position
 * distortion; the jack's output is (nearly) the song. Compared with the
 * stored samples, the report would count the pre-compensation as something
 * the jack adds and see the bands' levels off by the pre-distortion.
 *
 * So, when the songs were converted in this run (`piwave sim SONG`), the
 * source is the converted PCM, kept from the conversion (no second one).
 * For a bundle read from a file (`--bundle`) the song before pre-compensation
 * is not there: the pre-compensated duty is rounded to the PWM's levels, so
 * inverting it would give the jack's own ideal output back (its quantisation
 * noise unseen), not the song. The report then uses the stored samples and
 * says so (`kind` "stored-precompensated" and `note`), pointing at the song
 * files for a report against the song itself. A bundle without
 * pre-compensation (header range 0: shaped, version 1, or written with
 * `precompensation: "off"`) stores the song as converted.
 */
import { type Track, bundlePrecompRange, decodeBundle } from "../bundle.js";

/**
 * - "converted": the song as converted in this run, before any pre-compensation;
 * - "stored": a bundle's samples, not pre-compensated (the song as converted);
 * - "stored-precompensated": a bundle's plain pre-compensated samples (not the song).
 */
export type SongSourceKind = "converted" | "stored" | "stored-precompensated";

export interface SongSource {
  /** The first track's name as the bundle holds it (sanitised, as the firmware prints it). */
  name: string;
  /** Tracks in the bundle (the report is of the first). */
  tracks: number;
  rateMilliHz: number;
  /** The samples the report compares the jack with, interleaved L, R. */
  pcm: Int16Array;
  kind: SongSourceKind;
  /** The PWM range the bundle's samples are pre-compensated for, 0 when they are not. */
  precompensationRange: number;
  /** One sentence for the report saying what the source is (and, for "stored-precompensated", what that means). */
  note: string;
}

/**
 * The report's source for the bundle `bundle` (named `what` in errors). `converted`:
 * the first song as converted in this run, before `encodeBundle`; it must be the
 * bundle's first track (same rate and length), else this throws.
 */
export function songSource(bundle: Uint8Array, what: string, converted?: Pick<Track, "rateMilliHz" | "pcm">): SongSource {
  const tracks = decodeBundle(bundle, what);
  const t = tracks[0];
  if (!t) throw new Error(`song report: ${what} holds no track`);
  const range = bundlePrecompRange(bundle);
  const base = { name: t.name, tracks: tracks.length, rateMilliHz: t.rateMilliHz, precompensationRange: range };
  if (converted) {
    if (converted.rateMilliHz !== t.rateMilliHz || converted.pcm.length !== t.pcm.length) {
      throw new Error(
        `song report: the converted song (${converted.pcm.length / 2} frames at ${converted.rateMilliHz / 1000} Hz) is not the bundle's first track (${t.frames} frames at ${t.rateMilliHz / 1000} Hz)`,
      );
    }
    return {
      ...base,
      pcm: converted.pcm,
      kind: "converted",
      note: range > 0 ? `source: the song as converted, before the plain-mode pre-compensation the bundle stores (range ${range})` : "source: the song as converted",
    };
  }
  if (range === 0) return { ...base, pcm: t.pcm, kind: "stored", note: "source: the bundle's samples (not pre-compensated: the song as converted)" };
  return {
    ...base,
    pcm: t.pcm,
    kind: "stored-precompensated",
    note:
      `source: the bundle's stored samples, pre-compensated for plain mode (range ${range}), not the song itself (a bundle does not keep it): ` +
      `"added" includes the pre-compensation (the inverse of the jack's pulse-position distortion); give the song files (piwave sim SONG --report) to compare with the song`,
  };
}
