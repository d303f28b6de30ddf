// Build the firmware for every board once, before any test file runs.
import { BOARD_NAMES } from "../../host/boards.js";
import { buildFirmware } from "../../host/firmware.js";

export default async function setup(): Promise<void> {
  for (const b of BOARD_NAMES) await buildFirmware(b);
}
