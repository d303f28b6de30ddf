/**
 * The jack's analog path, as a model: the PWM pin drives a first-order RC
 * low-pass. The Pi 4's filter values are unconfirmed (docs/hardware.md#analog-output-and-pops);
 * this uses the Pi 1 values Adafruit read off the schematic, 270 Ω / 33 nF,
 * f_c ≈ 17.9 kHz. The AC-coupling capacitor (a high-pass around 33 Hz on a
 * Pi 2/3) only removes DC, which the measurements leave out anyway.
 *
 * Each PWM period is a pulse (M/S mode: high for `duty` clocks, then low),
 * so the RC output has an exact closed form per segment:
 *     y(t) = u + (y0 − u)·e^(−t/τ)
 * and the value reported per period is the exact average of y over that
 * period (a boxcar prefilter: it nulls the carrier and its harmonics, so
 * what remains can be analysed at the PWM frame rate without aliasing the
 * carrier ripple into the audio band).
 *
 * Output: 0 (pin low all the time) .. 1 (pin high all the time).
 */
export const RC_OHMS = 270;
export const RC_FARADS = 33e-9;
export const RC_TAU = RC_OHMS * RC_FARADS;
export const RC_CUTOFF_HZ = 1 / (2 * Math.PI * RC_TAU);

export function renderAnalog(duty: Uint16Array, range: number, clockHz: number, tau = RC_TAU): Float64Array {
  const tick = 1 / clockHz;
  // e^(−n·tick/τ) and the segment-average factor τ/T·(1 − e^(−T/τ)) for every n = 0..range.
  const decay = new Float64Array(range + 1);
  const avg = new Float64Array(range + 1);
  for (let n = 0; n <= range; n++) {
    const T = n * tick;
    decay[n] = Math.exp(-T / tau);
    avg[n] = n === 0 ? 1 : (tau / T) * (1 - decay[n]!);
  }
  const out = new Float64Array(duty.length);
  let y = 0;
  for (let i = 0; i < duty.length; i++) {
    const d = Math.min(duty[i]!, range);
    const lo = range - d;
    // High segment (u = 1) for d clocks, then low (u = 0) for range − d clocks.
    const a1 = 1 + (y - 1) * avg[d]!;
    const y1 = 1 + (y - 1) * decay[d]!;
    const a2 = y1 * avg[lo]!;
    y = y1 * decay[lo]!;
    out[i] = (a1 * d + a2 * lo) / range;
  }
  return out;
}
