/**
 * The quality report: waveform and spectrum plots of the jack output for
 * the plain and shaped modes side by side, with their figures, as one
 * self-contained HTML file (inline SVG).
 */
import type { BoardName } from "../boards.js";
import { type Capture, type ModeFigures, capture, measureMode, windowOf } from "./measure.js";
import { RC_CUTOFF_HZ } from "./analog.js";
import { powerSpectrum } from "./spectrum.js";
import type { Variant } from "../firmware.js";

const W = 520;
const H = 220;

function polyline(points: [number, number][], color: string): string {
  return `<polyline fill="none" stroke="${color}" stroke-width="1" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}"/>`;
}

function spectrumSvg(c: Capture, title: string): string {
  const p = powerSpectrum(windowOf(c));
  const n = p.length * 2;
  const fMin = 20;
  const fMax = Math.min(c.rate / 2, 200000);
  const x = (f: number) => 40 + ((Math.log10(f) - Math.log10(fMin)) / (Math.log10(fMax) - Math.log10(fMin))) * (W - 50);
  const y = (db: number) => 10 + ((0 - Math.max(-180, Math.min(0, db))) / 180) * (H - 40);
  // One point per pixel column: the maximum bin in it (peaks stay visible).
  const cols = new Map<number, number>();
  for (let k = 1; k < p.length; k++) {
    const f = (k * c.rate) / n;
    if (f < fMin || f > fMax) continue;
    const px = Math.round(x(f));
    const db = 10 * Math.log10(p[k]! / c.fullScalePower + 1e-30);
    cols.set(px, Math.max(cols.get(px) ?? -300, db));
  }
  const pts = [...cols.entries()].sort((a, b) => a[0] - b[0]).map(([px, db]) => [px, y(db)] as [number, number]);
  const grid = [-20, -40, -60, -80, -100, -120, -140, -160]
    .map((db) => `<line x1="40" x2="${W - 10}" y1="${y(db)}" y2="${y(db)}" stroke="#eee"/><text x="2" y="${y(db) + 4}" font-size="10">${db}</text>`)
    .join("");
  const band = `<rect x="${x(20)}" y="10" width="${x(20000) - x(20)}" height="${H - 40}" fill="#f3f8ff"/>`;
  const ticks = [100, 1000, 10000, 100000].filter((f) => f <= fMax).map((f) => `<text x="${x(f) - 10}" y="${H - 15}" font-size="10">${f >= 1000 ? f / 1000 + "k" : f}</text>`).join("");
  return `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><text x="40" y="9" font-size="11">${title} — dBFS per bin vs Hz (audio band shaded)</text>${band}${grid}${ticks}${polyline(pts, "#1a5fb4")}</svg>`;
}

function waveformSvg(c: Capture, title: string): string {
  const w = windowOf(c);
  const count = Math.round(c.rate * 0.002); // 2 ms
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    lo = Math.min(lo, w[i]!);
    hi = Math.max(hi, w[i]!);
  }
  const pts: [number, number][] = [];
  for (let i = 0; i < count; i++) pts.push([40 + (i / count) * (W - 50), 10 + ((hi - w[i]!) / (hi - lo || 1)) * (H - 40)]);
  return `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><text x="40" y="9" font-size="11">${title} — analog output, first 2 ms of the window</text>${polyline(pts, "#c01c28")}</svg>`;
}

function fmt(db: number | null): string {
  return db === null || !Number.isFinite(db) ? "−∞ (exact digital silence)" : `${db.toFixed(1)} dB`;
}

export interface ReportModes {
  plain: Variant;
  shaped: Variant;
}

export async function writeReport(board: BoardName, modes: ReportModes): Promise<{ html: string; figures: ModeFigures[] }> {
  const figures: ModeFigures[] = [];
  const cols: string[] = [];
  for (const [label, v] of [["plain", modes.plain], ["shaped", modes.shaped]] as const) {
    const f = await measureMode(board, v, label);
    figures.push(f);
    const c = await capture(board, v, -1);
    cols.push(`<td>${waveformSvg(c, label)}<br>${spectrumSvg(c, label)}</td>`);
  }
  const rows = [
    ["1 kHz −1 dBFS: SNR (20 Hz–20 kHz)", ...figures.map((f) => fmt(f.fullScale.snrDb))],
    ["1 kHz −1 dBFS: THD+N", ...figures.map((f) => fmt(f.fullScale.thdnDb))],
    ["1 kHz −60 dBFS: SNR", ...figures.map((f) => fmt(f.lowLevel.snrDb))],
    ["1 kHz −60 dBFS: THD+N", ...figures.map((f) => fmt(f.lowLevel.thdnDb))],
    ["idle-channel noise", ...figures.map((f) => (Number.isFinite(f.idleNoiseDbfs) && f.idleNoiseDbfs > -200 ? `${f.idleNoiseDbfs.toFixed(1)} dBFS` : fmt(null)))],
    ["19 + 20 kHz (−7 dBFS each): IMD (1 kHz + 18 kHz products)", ...figures.map((f) => fmt(f.twin.imdDb))],
    ["19 + 20 kHz: everything else in band", ...figures.map((f) => fmt(f.twin.tdnDb))],
    ["−3 dBFS-peak white noise: SINAD", ...figures.map((f) => fmt(f.noiseSinadDb))],
    ["gaps (underruns)", ...figures.map((f) => String(f.gaps))],
  ];
  const html = `<!doctype html><meta charset="utf-8"><title>piwave jack quality — ${board}</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd;vertical-align:top}</style>
<h1>piwave jack output quality (${board}, simulated)</h1>
<p>The real firmware on the simulated Pi. The figures are read from the pulse train itself: every PWM period's
pulse (M/S mode: high from the period's start for <i>duty</i> clocks) turned into its exact spectrum below 21.5 kHz,
on both channels (the worse one is shown), with coherent test signals analysed over 20 Hz–20 kHz.
The plots show the analog model (first-order RC, ${RC_CUTOFF_HZ.toFixed(0)} Hz, Pi 1 values: the Pi 4 filter is unconfirmed)
averaged per period, for the wide-band picture (the shaped noise up to the frame rate); that view folds carrier sidebands
into the band and is not used for the figures.
The source is 16-bit PCM, whose own quantisation noise floor (≈ −98 dBFS) bounds every SNR here.</p>
<table><tr><th></th><th>plain (one word per sample)</th><th>shaped (×16, 3rd-order noise shaping)</th></tr>
${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join("")}</tr>`).join("\n")}
<tr><td></td>${cols.join("")}</tr></table>`;
  return { html, figures };
}
