/**
 * How numbers and tables look in piwave's output: durations (m:ss.s),
 * sizes (one style, SI: kB/MB), and table columns that line up also for
 * names in Chinese, Japanese, Korean or with emoji, which take two terminal
 * columns per character.
 */

export { formatDuration } from "../audio/duration.js";
export { formatSize } from "../size.js";

// East Asian Wide and Fullwidth blocks (Unicode UAX #11): two terminal columns.
const WIDE = /[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]+$/u;
const EMOJI = /\p{Extended_Pictographic}/u;
const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/** Terminal columns `text` takes: a wide character or an emoji counts 2, a combining mark 0. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (ZERO.test(segment)) continue;
    const first = segment.codePointAt(0)!;
    if (first < 0x20 || (first >= 0x7f && first < 0xa0)) continue;
    w += WIDE.test(segment) || (EMOJI.test(segment) && (segment.includes("\ufe0f") || first >= 0x1f000)) ? 2 : 1;
  }
  return w;
}

/** Rows as aligned columns; `right` lists the columns aligned right (numbers). */
export function table(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(0, ...rows.map((r) => displayWidth(r[i] ?? ""))));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = " ".repeat(widths[i]! - displayWidth(cell));
        return right.has(i) ? pad + cell : i === r.length - 1 ? cell : cell + pad;
      })
      .join("  "),
  );
}
