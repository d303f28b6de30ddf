/**
 * Build-time configuration, from integer constants asc introduces with
 * `--use NAME=n` (asconfig.json targets and host/firmware.ts):
 *   QUALITY 0 = plain: one PWM word per sample, range ≈ clock / 44.1 kHz;
 *           1 = shaped: ×16 oversampling + 3rd-order noise shaping.
 *   FEED    0 = the CPU polls the PWM FIFO; 1 = DMA from a ring of two
 *           control blocks (double buffered).
 *   PLAIN_EXACT_MODE 1 = plain mode writes every sample's duty unchanged
 *           (no pulse-position pre-compensation): bit-exact, for tests.
 *   RAMP_MS n = the start/stop ramps last n ms (builds for tests that do
 *           not measure the ramps); absent = the thump-free length
 *           audio/producer.ts computes.
 * Unknown identifiers default to 0 through these `isDefined` checks.
 */
// @ts-ignore: constants defined by `asc --use`
export const QUALITY: u32 = isDefined(QUALITY_MODE) ? <u32>QUALITY_MODE : 0;
// @ts-ignore: constants defined by `asc --use`
export const FEED: u32 = isDefined(FEED_MODE) ? <u32>FEED_MODE : 0;

/** Start/stop ramp length in ms; 0 (the default) = the shortest ramp whose thump meets the goal (audio/producer.ts). */
// @ts-ignore: constant defined by `asc --use`
export const RAMP_MS_SET: u32 = isDefined(RAMP_MS) ? <u32>RAMP_MS : 0;

/** Plain mode without the pulse-position pre-compensation: duty = ((s + 32768)·range) >> 16 exactly (round-trip tests). */
// @ts-ignore: constant defined by `asc --use`
export const PLAIN_EXACT: bool = isDefined(PLAIN_EXACT_MODE) ? <u32>PLAIN_EXACT_MODE != 0 : false;

export const SHAPED: bool = QUALITY == 1;
export const DMA_FEED: bool = FEED == 1;

/** Oversampling ratio of the PWM frame rate over the audio sample rate. */
export const OSR: u32 = SHAPED ? 16 : 1;
/** The sample rate the PWM range is chosen for. */
export const TARGET_RATE_HZ: u32 = 44100;
