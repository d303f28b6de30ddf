/** How piwave prints a length of audio: m:ss.s, or h:mm:ss.s from an hour on. */

/** `seconds` rounded to tenths first, so 179.96 s is "3:00.0" (never "2:60.0"). */
export function formatDuration(seconds: number): string {
  const tenths = Math.round(Math.max(0, seconds) * 10);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const s = (tenths % 600) / 10;
  const ss = s.toFixed(1).padStart(4, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
