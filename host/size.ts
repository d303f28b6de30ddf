/**
 * How piwave prints a size: one style in every output and message, SI units
 * (`512 B`, `12.3 kB`, `4.5 MB`, `1.20 GB`), as disks and cards are sold.
 */

/** Bytes in SI units: `512 B`, `12.3 kB`, `4.5 MB`, `1.20 GB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
