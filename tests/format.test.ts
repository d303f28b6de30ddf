// How durations, sizes and tables print (host/commands/format.ts).
import { describe, expect, it } from "vitest";
import { displayWidth, formatDuration, formatSize, table } from "../host/commands/format.js";

describe("output formatting", () => {
  it("durations round once: 2:59.96 is 3:00.0, never 2:60.0", () => {
    expect(formatDuration(179.96)).toBe("3:00.0");
    expect(formatDuration(59.95)).toBe("1:00.0");
    expect(formatDuration(2.04)).toBe("0:02.0");
    expect(formatDuration(61.25)).toBe("1:01.3");
    expect(formatDuration(3723.4)).toBe("1:02:03.4");
    expect(formatDuration(-1)).toBe("0:00.0");
  });

  it("sizes in one style (SI)", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(12_345)).toBe("12.3 kB");
    expect(formatSize(4_500_000)).toBe("4.5 MB");
    expect(formatSize(1_200_000_000)).toBe("1.20 GB");
  });

  it("display width: CJK and emoji take two columns, combining marks none", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("日本語")).toBe(6);
    expect(displayWidth("노래")).toBe(4);
    expect(displayWidth("🎵 song")).toBe(7);
    expect(displayWidth("e\u0301")).toBe(1); // é as e + combining acute
    expect(displayWidth("👩‍🎤")).toBe(2); // one emoji made of three with ZWJ
    expect(displayWidth("Première")).toBe(8);
  });

  it("table columns line up on the terminal whatever the script of the names", () => {
    const lines = table(
      [
        ["#", "track", "duration"],
        ["1", "夜に駆ける", "4:21.0"],
        ["2", "🎵 Intro", "0:30.0"],
        ["3", "Ünïcode", "1:00.0"],
      ],
      new Set([0, 2]),
    );
    expect(new Set(lines.map(displayWidth)).size).toBe(1); // the right-aligned duration column ends at the same terminal column
    expect(lines[2]).toBe("2  🎵 Intro      0:30.0");
    expect(lines[1]).toBe("1  夜に駆ける    4:21.0");
  });
});

describe("colours", () => {
  it("FORCE_COLOR forces them (0/false turns them off), NO_COLOR turns them off, else only on a terminal", async () => {
    const { colorEnabled } = await import("../host/commands/common.js");
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ TERM: "dumb" }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: "1" }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: "" }, true)).toBe(true); // no-color.org: only a non-empty value counts
    expect(colorEnabled({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: "0" }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: "1", NO_COLOR: "1" }, false)).toBe(true);
  });
});
