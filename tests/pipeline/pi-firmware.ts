// Stand-ins for the Raspberry Pi firmware files that pass piwave's plausibility
// check for --firmware-dir (an ELF header and a real file's size), so tests can
// build complete boot folders without the real, non-free files.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SIZES: Record<string, number> = { "start4.elf": 2_200_000, "fixup4.dat": 5_400, "start.elf": 3_022_336, "fixup.dat": 7_381, "bootcode.bin": 52_624 };

/** The bytes of a plausible stand-in for `name` (not the real file: its SHA-256 differs from the pin). */
export function standIn(name: string): Uint8Array {
  const b = new Uint8Array(SIZES[name]!);
  b.fill(0x5a);
  if (name.endsWith(".elf")) b.set([0x7f, 0x45, 0x4c, 0x46]);
  return b;
}

/** Write stand-ins for `board`'s Raspberry Pi firmware files into `dir`. */
export function writeStandInFirmware(dir: string, board: "pi4" | "pi3" = "pi4"): string {
  mkdirSync(dir, { recursive: true });
  const names = board === "pi4" ? ["start4.elf", "fixup4.dat"] : ["bootcode.bin", "start.elf", "fixup.dat"];
  for (const n of names) writeFileSync(join(dir, n), standIn(n));
  return dir;
}
