/**
 * One step of a ramp: move `cur` toward `target` by at most `step`.
 * Used for the duty ramps (producer.ts, u32) and the sample ramps (source.ts, i32).
 */
@inline export function toward<T>(cur: T, target: T, step: T): T {
  if (cur < target) return target - cur > step ? cur + step : target;
  return cur - target > step ? cur - step : target;
}
