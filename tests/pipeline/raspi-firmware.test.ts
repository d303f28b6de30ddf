// The Raspberry Pi firmware files: local directory, Debian package path, pinned download
// (served here by a local HTTP server with fixture files), cache and checksum mismatch.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FirmwareLock, loadLock, resolveFirmware } from "../../host/raspi-firmware.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const FIXTURES: Record<string, string> = { "start4.elf": "fixture start4.elf\n", "fixup4.dat": "fixture fixup4.dat\n" };
let server: Server;
let base: string;
let hits: string[] = [];
let tamper = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = req.url!.split("/").pop()!;
    hits.push(name);
    const body = FIXTURES[name];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(tamper ? body.toUpperCase() : body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function lock(): FirmwareLock {
  return {
    repository: "raspberrypi/firmware",
    commit: "0123456789abcdef0123456789abcdef01234567",
    url: `${base}/{commit}/boot/{file}`,
    files: Object.fromEntries(Object.entries(FIXTURES).map(([n, b]) => [n, { sha256: sha(b) }])),
  };
}
const nowhere = join(tmpdir(), "piwave-no-debian-firmware");

describe("Raspberry Pi firmware files", () => {
  it("download at the pinned commit, SHA-256 checked, then cached (no second download)", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "piwave-fw-"));
    hits = [];
    const a = await resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere });
    expect(a.from).toMatch(/^downloaded \(raspberrypi\/firmware@0123456789ab, SHA-256 verified\)$/);
    expect(Buffer.from(a.files.get("start4.elf")!).toString()).toBe(FIXTURES["start4.elf"]);
    expect(hits.sort()).toEqual(["fixup4.dat", "start4.elf"]);
    const b = await resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere });
    expect(b.from).toMatch(/^cache/);
    expect(hits).toHaveLength(2);
  });

  it("a checksum mismatch is a clear error and nothing is written", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "piwave-fw-"));
    tamper = true;
    try {
      await expect(resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere })).rejects.toThrow(
        /checksum mismatch for (start4\.elf|fixup4\.dat) from http:\/\/127\.0\.0\.1:\d+\/0123456789abcdef0123456789abcdef01234567\/boot\/\S+: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; nothing was written/,
      );
    } finally {
      tamper = false;
    }
    expect(existsSync(join(cacheDir, "raspi-firmware"))).toBe(false);
  });

  it("a file missing upstream (HTTP 404) says so and suggests --firmware-dir", async () => {
    const l = lock();
    l.files["bootcode.bin"] = { sha256: sha("x") };
    l.files["start.elf"] = { sha256: sha("x") };
    l.files["fixup.dat"] = { sha256: sha("x") };
    await expect(resolveFirmware({ board: "pi3", cacheDir: mkdtempSync(join(tmpdir(), "pw-")), lock: l, debianDir: nowhere })).rejects.toThrow(/HTTP 404; use --firmware-dir DIR/);
  });

  it("--firmware-dir comes first, and names what it lacks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "piwave-fwdir-"));
    writeFileSync(join(dir, "start4.elf"), "mine");
    await expect(resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir })).rejects.toThrow(/lacks fixup4\.dat \(a pi4 needs start4\.elf, fixup4\.dat\)/);
    writeFileSync(join(dir, "fixup4.dat"), "mine too");
    hits = [];
    const r = await resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir, lock: lock() });
    expect(r.from).toBe(dir);
    expect(hits).toEqual([]);
  });

  it("Debian's raspi-firmware directory is used before any download", async () => {
    const deb = mkdtempSync(join(tmpdir(), "piwave-deb-"));
    for (const n of ["bootcode.bin", "start.elf", "fixup.dat"]) writeFileSync(join(deb, n), n);
    const r = await resolveFirmware({ board: "pi3", cacheDir: deb, debianDir: deb, lock: lock() });
    expect(r.from).toContain("Debian raspi-firmware");
    expect([...r.files.keys()]).toEqual(["bootcode.bin", "start.elf", "fixup.dat"]);
  });

  it("the shipped lock pins a commit of the official repository", () => {
    const l = loadLock();
    expect(l.repository).toBe("raspberrypi/firmware");
    expect(l.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.keys(l.files).sort()).toEqual(["bootcode.bin", "fixup.dat", "fixup4.dat", "start.elf", "start4.elf"]);
  });

  it("a file without a pinned checksum is never downloaded", async () => {
    const l = lock();
    l.files["fixup4.dat"] = { sha256: null };
    hits = [];
    const cacheDir = mkdtempSync(join(tmpdir(), "pw-"));
    await expect(resolveFirmware({ board: "pi4", cacheDir, lock: l, debianDir: nowhere })).rejects.toThrow(/no pinned SHA-256 for fixup4\.dat .* so piwave will not download them/);
    expect(hits).toEqual([]);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
