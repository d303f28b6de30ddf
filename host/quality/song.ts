/**
 * The user's own song through the simulated jack: its spectrum at the pin
 * beside the source's, band by band, and what the jack adds (noise and
 * distortion), for `piwave sim SONG --report`.
 *
 * The jack's side is the pulse train itself (pulse.ts: the exact spectrum of
 * the M/S pulses below half the frame rate), the source's the song's 16-bit
 * PCM as converted (song-source.ts: not the plain bundle's pre-compensated
 * samples, unless only those exist, which the report then says), both in
 * the same Hann windows of WINDOW frames and in the same units (a
 * full-scale sine at the pin is 0 dBFS). Where the song sits in the jack's
 * output is found, not assumed: after the start ramp reaches mid-scale,
 * the lag (to a frame) where the jack's per-frame level correlates best
 * with the song's first frames.
 *
 * What the jack adds is read the way a measuring instrument reads it from
 * music: per frequency bin, averaged over the windows, the part of the
 * jack's power that is not coherent with the source,
 *     N+D = S_yy − |S_xy|² / S_xx,
 * so a fixed gain, delay or droop is not counted as error, while noise,
 * distortion and anything not in the source are. Windows of 65536 frames
 * keep the error of sub-frame misalignment below −98 dB.
 */
import { pulseSpectrum } from "./pulse.js";
import type { SongSource } from "./song-source.js";
import { fft } from "./spectrum.js";

/** Audio frames per analysis window. */
export const SONG_WINDOW = 65536;
/** Octave bands of the table, 20 Hz–20 kHz (the last one is 10.24–20 kHz). */
export const SONG_BANDS: readonly [number, number][] = [20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240].map((lo) => [lo, Math.min(2 * lo, 20000)] as [number, number]);

export interface SongBand {
  loHz: number;
  hiHz: number;
  /** Source and jack power in the band, dBFS (re a full-scale sine), the louder channel. */
  sourceDbfs: number;
  jackDbfs: number;
  /** The jack's power not coherent with the source, dBFS, the louder channel. */
  addedDbfs: number;
}

export interface SongReport {
  /** Seconds of the song analysed (whole windows from its start, at most `maxSeconds`). */
  seconds: number;
  windows: number;
  /** Where the song starts in the jack's output, audio frames from the first PWM period. */
  startFrame: number;
  bands: SongBand[];
  /** 20 Hz–20 kHz totals, the worse channel. */
  sourceDbfs: number;
  jackDbfs: number;
  addedDbfs: number;
  /** Coherent signal over what the jack adds, 20 Hz–20 kHz, the worse channel (dB). */
  sinadDb: number;
  /** What the source is (song-source.ts). */
  source: SongSourceInfo;
  /** Per-bin spectra for plots (dBFS per bin, left channel): source, jack, added; bin k is k·rate/SONG_WINDOW Hz. */
  plot: { hz: number[]; source: number[]; jack: number[]; added: number[] };
}

/** What the report's source is: the song as converted, or a bundle's stored samples (song-source.ts). */
export type SongSourceInfo = Pick<SongSource, "kind" | "precompensationRange" | "note">;

export interface SongInput {
  dutyLeft: Uint16Array;
  dutyRight: Uint16Array;
  range: number;
  /** PWM periods per audio frame. */
  osr: number;
  /** Audio frame rate (Hz). */
  rate: number;
  /** The song's frames, interleaved left/right. */
  pcm: Int16Array;
  /** What `pcm` is (song-source.ts); the report carries it. */
  source: SongSourceInfo;
  /** A full-scale sine's peak at the pin (0..1 units): measure.ts fullScaleAmplitude. */
  fullScaleAmplitude: number;
  maxSeconds?: number;
}

/** Where the song's frame 0 is in the jack's output (audio frames), or an error saying why it was not found. */
export function findSong(duty: Uint16Array, range: number, osr: number, left: Int16Array): number {
  const frames = Math.floor(duty.length / osr);
  const level = (n: number) => {
    let s = 0;
    for (let p = 0; p < osr; p++) s += duty[n * osr + p]!;
    return s / osr / range - 0.5;
  };
  // The start ramp ends at mid-scale (within a level of ½ in both modes).
  let rampEnd = 0;
  while (rampEnd < frames && level(rampEnd) < -2 / range) rampEnd++;
  if (rampEnd >= frames) throw new Error("song report: the jack never reached mid-scale (the start ramp did not finish)");
  const m = Math.min(16384, left.length);
  let energy = 0;
  for (let i = 0; i < m; i++) energy += left[i]! * left[i]!;
  if (energy === 0) throw new Error("song report: the song's first 16384 frames are silent on the left channel; nothing to align the jack's output with");
  const from = Math.max(0, rampEnd - 64);
  const to = Math.min(frames - m, rampEnd + 8192);
  const a = new Float64Array(to + m - from);
  for (let i = 0; i < a.length; i++) a[i] = level(from + i);
  let best = -Infinity;
  let at = -1;
  for (let lag = 0; lag + from <= to; lag++) {
    let c = 0;
    for (let i = 0; i < m; i++) c += a[lag + i]! * left[i]!;
    if (c > best) {
      best = c;
      at = from + lag;
    }
  }
  if (at < 0) throw new Error("song report: the jack's output is too short to hold the song");
  return at;
}

/** The report (see the module doc). */
export function songReport(o: SongInput): SongReport {
  const n = SONG_WINDOW;
  const frames = o.pcm.length / 2;
  const left = Int16Array.from({ length: frames }, (_, i) => o.pcm[2 * i]!);
  const right = Int16Array.from({ length: frames }, (_, i) => o.pcm[2 * i + 1]!);
  const start = findSong(o.dutyLeft, o.range, o.osr, left);
  const jackFrames = Math.floor(Math.min(o.dutyLeft.length, o.dutyRight.length) / o.osr);
  const maxWindows = Math.floor(((o.maxSeconds ?? 10) * o.rate) / n);
  const windows = Math.min(maxWindows, Math.floor(frames / n), Math.floor((jackFrames - start) / n));
  if (windows < 1) {
    throw new Error(`song report: the song is ${(frames / o.rate).toFixed(2)} s long; the report needs at least one window of ${n} frames (${(n / o.rate).toFixed(2)} s)`);
  }
  const kMax = Math.floor((20000 * n) / o.rate);
  const kMin = Math.ceil((20 * n) / o.rate);
  const perLsb = o.fullScaleAmplitude / 32767;
  const fsPower = o.fullScaleAmplitude ** 2 / 2;
  const hann = Float64Array.from({ length: n }, (_, i) => (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)) / Math.sqrt(0.375));
  const channels = (["left", "right"] as const).map((ch) => {
    const src = ch === "left" ? left : right;
    const duty = ch === "left" ? o.dutyLeft : o.dutyRight;
    const sxx = new Float64Array(kMax + 1);
    const syy = new Float64Array(kMax + 1);
    const sxr = new Float64Array(kMax + 1);
    const sxi = new Float64Array(kMax + 1);
    for (let w = 0; w < windows; w++) {
      const y = pulseSpectrum(duty, o.range, (start + w * n) * o.osr, n * o.osr, kMax, "start", "hann");
      const xr = new Float64Array(n);
      const xi = new Float64Array(n);
      for (let i = 0; i < n; i++) xr[i] = (src[w * n + i]! * perLsb * hann[i]!) / n;
      fft(xr, xi);
      for (let k = 1; k <= kMax; k++) {
        sxx[k] = sxx[k]! + 2 * (xr[k]! ** 2 + xi[k]! ** 2);
        syy[k] = syy[k]! + 2 * (y.re[k]! ** 2 + y.im[k]! ** 2);
        // Y·X*
        sxr[k] = sxr[k]! + 2 * (y.re[k]! * xr[k]! + y.im[k]! * xi[k]!);
        sxi[k] = sxi[k]! + 2 * (y.im[k]! * xr[k]! - y.re[k]! * xi[k]!);
      }
    }
    const added = new Float64Array(kMax + 1);
    for (let k = 1; k <= kMax; k++) added[k] = sxx[k]! > 0 ? Math.max(0, syy[k]! - (sxr[k]! ** 2 + sxi[k]! ** 2) / sxx[k]!) : syy[k]!;
    const sum = (a: Float64Array, lo: number, hi: number) => {
      let s = 0;
      for (let k = Math.max(kMin, Math.ceil((lo * n) / o.rate)); k <= Math.min(kMax, Math.floor((hi * n) / o.rate)); k++) s += a[k]!;
      return s / windows;
    };
    return { sxx, syy, added, sum };
  });
  const db = (p: number) => (p > 0 ? 10 * Math.log10(p / fsPower) : -Infinity);
  const louder = (f: (c: (typeof channels)[number]) => number) => Math.max(...channels.map(f));
  const bands: SongBand[] = SONG_BANDS.map(([lo, hi]) => ({
    loHz: lo,
    hiHz: hi,
    sourceDbfs: db(louder((c) => c.sum(c.sxx, lo, hi))),
    jackDbfs: db(louder((c) => c.sum(c.syy, lo, hi))),
    addedDbfs: db(louder((c) => c.sum(c.added, lo, hi))),
  }));
  const sinads = channels.map((c) => {
    const added = c.sum(c.added, 20, 20000);
    return 10 * Math.log10((c.sum(c.syy, 20, 20000) - added) / added);
  });
  const l = channels[0]!;
  const hz: number[] = [];
  const plot = { hz, source: [] as number[], jack: [] as number[], added: [] as number[] };
  for (let k = kMin; k <= kMax; k++) {
    hz.push((k * o.rate) / n);
    plot.source.push(db(l.sxx[k]! / windows));
    plot.jack.push(db(l.syy[k]! / windows));
    plot.added.push(db(l.added[k]! / windows));
  }
  return {
    seconds: (windows * n) / o.rate,
    windows,
    startFrame: start,
    bands,
    sourceDbfs: db(louder((c) => c.sum(c.sxx, 20, 20000))),
    jackDbfs: db(louder((c) => c.sum(c.syy, 20, 20000))),
    addedDbfs: db(louder((c) => c.sum(c.added, 20, 20000))),
    sinadDb: Math.min(...sinads),
    source: o.source,
    plot,
  };
}

/** The report as text lines (the CLI prints them). */
export function songReportText(r: SongReport, what: string): string[] {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1).padStart(7) : "   -inf");
  const hz = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(x % 1000 ? 2 : 0)}k` : String(x));
  const lines = [
    `${what}: the first ${r.seconds.toFixed(1)} s (${r.windows} windows of ${SONG_WINDOW} frames), from the pulse train, dBFS`,
    `  ${r.source.note}`,
    `  band             source    jack   added by the jack`,
  ];
  for (const b of r.bands) lines.push(`  ${`${hz(b.loHz)}-${hz(b.hiHz)} Hz`.padEnd(15)} ${f(b.sourceDbfs)} ${f(b.jackDbfs)} ${f(b.addedDbfs)}`);
  lines.push(`  ${"20 Hz-20 kHz".padEnd(15)} ${f(r.sourceDbfs)} ${f(r.jackDbfs)} ${f(r.addedDbfs)}`);
  lines.push(`  SINAD against the song ${r.sinadDb.toFixed(1)} dB (worse channel); the song starts ${r.startFrame} frames into the jack's output`);
  return lines;
}

/** The report as one self-contained HTML page: the table and the three spectra on one plot (inline SVG). */
export function songReportHtml(r: SongReport, what: string): string {
  const W = 900;
  const H = 360;
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const x = (f: number) => 50 + ((Math.log10(f) - Math.log10(20)) / (Math.log10(20000) - Math.log10(20))) * (W - 60);
  const y = (d: number) => 10 + ((0 - Math.max(-160, Math.min(0, d))) / 160) * (H - 40);
  const line = (vals: number[], color: string) => {
    const cols = new Map<number, number>(); // one point per pixel column: the largest bin in it
    vals.forEach((v, i) => {
      const px = Math.round(x(r.plot.hz[i]!));
      cols.set(px, Math.max(cols.get(px) ?? -300, v));
    });
    const pts = [...cols.entries()].sort((a, b) => a[0] - b[0]).map(([px, v]) => `${px},${y(v).toFixed(1)}`).join(" ");
    return `<polyline fill="none" stroke="${color}" stroke-width="1" points="${pts}"/>`;
  };
  const grid = [-20, -40, -60, -80, -100, -120, -140].map((d) => `<line x1="50" x2="${W - 10}" y1="${y(d)}" y2="${y(d)}" stroke="#eee"/><text x="5" y="${y(d) + 4}" font-size="10">${d}</text>`).join("");
  const ticks = [20, 100, 1000, 10000, 20000].map((f) => `<text x="${x(f) - 10}" y="${H - 15}" font-size="10">${f >= 1000 ? f / 1000 + "k" : f}</text>`).join("");
  const cell = (v: number) => `<td>${Number.isFinite(v) ? v.toFixed(1) : "−∞"}</td>`;
  const rows = [...r.bands.map((b) => [`${b.loHz}–${b.hiHz} Hz`, b] as const), ["20 Hz–20 kHz", { sourceDbfs: r.sourceDbfs, jackDbfs: r.jackDbfs, addedDbfs: r.addedDbfs }] as const]
    .map(([label, b]) => `<tr><td>${label}</td>${cell(b.sourceDbfs)}${cell(b.jackDbfs)}${cell(b.addedDbfs)}</tr>`)
    .join("\n");
  return `<!doctype html><meta charset="utf-8"><title>piwave: ${esc(what)} through the simulated jack</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}</style>
<h1>${esc(what)} through the simulated jack</h1>
<p>The first ${r.seconds.toFixed(1)} s of the song, in Hann windows of ${SONG_WINDOW} frames. The jack's spectrum is the pulse train's own
(every PWM period's M/S pulse, exactly, below half the frame rate); "added" is the part of the jack's power that is not coherent with the source
(noise, distortion), per bin. dBFS: a full-scale sine is 0. SINAD against the song: ${r.sinadDb.toFixed(1)} dB (worse channel).</p>
<p>${esc(r.source.note.replace(/^source: /, "The source: "))}.</p>
<table><tr><th>band</th><th>source</th><th>jack</th><th>added</th></tr>
${rows}</table>
<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><text x="50" y="9" font-size="11">left channel, dBFS per bin:
<tspan fill="#1a5fb4">source</tspan>, <tspan fill="#c01c28">jack</tspan>, <tspan fill="#2ec27e">added by the jack</tspan></text>${grid}${ticks}
${line(r.plot.source, "#1a5fb4")}${line(r.plot.jack, "#c01c28")}${line(r.plot.added, "#2ec27e")}</svg>`;
}
