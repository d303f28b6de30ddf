/**
 * config.txt for the card: what the GPU firmware must do before it starts
 * kernel8.img, written per board. Every line is something the runtime relies
 * on, with the reason next to it. Sources: the Raspberry Pi config.txt
 * documentation ("Boot options", "Memory options"), Circle's 64-bit
 * config.txt (kernel_address), pftf/RPi4's config.txt (device_tree_address /
 * device_tree_end), raspberrypi/tools armstubs/armstub8.S (what happens to
 * cores 1-3).
 */
import type { BoardName } from "./boards.js";
import { MUSIC_FILE, hex, memoryMap } from "./memory-map.js";

const TITLE: Record<BoardName, string> = {
  pi4: "Raspberry Pi 4 (BCM2711)",
  pi3: "Raspberry Pi 3 (BCM2837)",
};

/** The text of config.txt for a card built for `board`. */
export function configTxt(board: BoardName): string {
  const m = memoryMap(board);
  const lines = [
    `# piwave: ${TITLE[board]} boot configuration for the bare-metal player.`,
    "# Written by piwave build. Every line is something the piwave runtime relies on.",
    "",
    "# Start the ARM in 64-bit (AArch64) mode: kernel8.img is an AArch64 image.",
    "arm_64bit=1",
    "",
    "# The GPU firmware starts core 0 at the image's first byte, at EL2. Cores 1-3",
    "# wait in the firmware's stub until an OS releases them; piwave never does.",
    "kernel=kernel8.img",
    "",
    `# Load it at 0x${m.kernelBase.toString(16)}, where it is linked. The documentation gives 0x200000 as`,
    "# the 64-bit default; 0x80000 has long been used for a raw image without a",
    "# header, but only by undocumented behaviour, so it is said here explicitly",
    "# (as the Circle bare-metal framework does).",
    `kernel_address=0x${m.kernelBase.toString(16)}`,
    "",
    `# The music, a separate file, loaded by the GPU firmware at ${hex(m.musicBase)} before`,
    "# the kernel starts (piwave's memory map reserves it up to",
    `# ${hex(m.musicEnd)}). No "=" on this line: the firmware's syntax for it.`,
    `initramfs ${MUSIC_FILE} ${hex(m.musicBase)}`,
    "",
    "# piwave ships no device tree; should the card hold one (left by another",
    "# system), the firmware puts it into this 1 MiB window, never into the music.",
    `device_tree_address=${hex(m.deviceTreeStart)}`,
    `device_tree_end=${hex(m.deviceTreeEnd)}`,
    "",
  ];
  if (board === "pi4") {
    lines.push(
      "# Keep the peripherals at 0xFE000000 (low-peripheral mode): the addresses the",
      "# firmware was built for.",
      "arm_peri_high=0",
      "",
    );
  }
  lines.push(
    "# The PL011 reference clock the runtime's baud divisor assumes (IBRD 26, FBRD 3",
    "# for 115200 baud), and the UART on. The runtime routes the PL011 to GPIO14/15",
    "# itself, for the log.",
    "init_uart_clock=48000000",
    "enable_uart=1",
  );
  return lines.join("\n") + "\n";
}
