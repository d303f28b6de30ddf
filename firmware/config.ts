/**
 * Build-time configuration, from integer constants asc introduces with
 * `--use NAME=n` (asconfig.json targets and host/firmware.ts):
 *   QUALITY 0 = plain: one PWM word per sample, range ≈ clock / 44.1 kHz;
 *           1 = shaped: ×16 oversampling + 3rd-order noise shaping.
 *   FEED    0 = the CPU polls the PWM FIFO; 1 = DMA from a ring of two
 *           control blocks (double buffered).
 * Unknown identifiers default to 0 through these `isDefined` checks.
 */
// @ts-ignore: constants defined by `asc --use`
export const QUALITY: u32 = isDefined(QUALITY_MODE) ? <u32>QUALITY_MODE : 0;
// @ts-ignore: constants defined by `asc --use`
export const FEED: u32 = isDefined(FEED_MODE) ? <u32>FEED_MODE : 0;

export const SHAPED: bool = QUALITY == 1;
export const DMA_FEED: bool = FEED == 1;

/** Oversampling ratio of the PWM frame rate over the audio sample rate. */
export const OSR: u32 = SHAPED ? 16 : 1;
/** The sample rate the PWM range is chosen for. */
export const TARGET_RATE_HZ: u32 = 44100;
