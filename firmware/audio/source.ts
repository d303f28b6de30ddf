/**
 * The audio output's end of a `FrameSource` (frame-source.ts): what
 * producer.ts reads frames from. `use(s)` names the source the output
 * plays (audio/output.ts does it in `play`); `start`, `next`, `left` and
 * `right` then forward to it, and every frame `next()` delivers is counted
 * in the source's `produced` (the summary's `frames=`).
 */
import { FrameSource } from "./frame-source";

let current: FrameSource | null = null;

/** The current frame after `next()` returned true (0, 0 after the end). */
export let left: i32 = 0;
export let right: i32 = 0;

/** Play `s` from the next `start`. */
export function use(s: FrameSource): void {
  current = s;
}

/** Start the source; `rampStep` is the click-free per-frame step (producer.ts sourceRampStep). */
export function start(rampStep: i32): void {
  const s = current!;
  left = 0;
  right = 0;
  s.produced = 0;
  s.start(rampStep);
}

/** Advance one frame. False when the stream has ended (left = right = 0 then). */
@inline export function next(): bool {
  const s = changetype<FrameSource>(current);
  if (!s.next()) {
    left = 0;
    right = 0;
    return false;
  }
  left = s.left;
  right = s.right;
  s.produced++;
  return true;
}
