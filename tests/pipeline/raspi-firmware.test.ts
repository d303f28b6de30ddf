// The Raspberry Pi firmware files: local directory, Debian package path, pinned download
// (served here by a local HTTP server with fixture files), cache and checksum mismatch.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FirmwareLock, loadLock, resolveFirmware } from "../../host/raspi-firmware.js";
import { type LocalServer, serve } from "./http.js";
import { tempDir } from "../temp.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const FIXTURES: Record<string, string> = { "start4.elf": "fixture start4.elf\n", "fixup4.dat": "fixture fixup4.dat\n" };
let server: LocalServer;
let base: string;
let hits: string[] = [];
let tamper = false;

beforeAll(async () => {
  server = await serve((req, res) => {
    const name = req.url!.split("/").pop()!;
    hits.push(name);
    const body = FIXTURES[name];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(tamper ? body.toUpperCase() : body);
  });
  base = server.base;
});

afterAll(() => server.close());

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
    const cacheDir = tempDir("piwave-fw-");
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
    const cacheDir = tempDir("piwave-fw-");
    tamper = true;
    try {
      await expect(resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere })).rejects.toThrow(
        /checksum mismatch for (start4\.elf|fixup4\.dat) from http:\/\/127\.0\.0\.1:\d+\/0123456789abcdef0123456789abcdef01234567\/boot\/\S+: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64} \(19 bytes\); nothing was written/,
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
    await expect(resolveFirmware({ board: "pi3", cacheDir: tempDir("pw-"), lock: l, debianDir: nowhere })).rejects.toThrow(/HTTP 404; use --firmware-dir DIR/);
  });

  it("--firmware-dir comes first, and names what it lacks", async () => {
    const dir = tempDir("piwave-fwdir-");
    writeFileSync(join(dir, "start4.elf"), "mine");
    await expect(resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir })).rejects.toThrow(/lacks fixup4\.dat \(a pi4 needs start4\.elf, fixup4\.dat\)/);
    writeFileSync(join(dir, "fixup4.dat"), "mine too");
    hits = [];
    const r = await resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir, lock: lock() });
    expect(r.from).toBe(dir);
    expect(hits).toEqual([]);
  });

  it("Debian's raspi-firmware directory is used before any download", async () => {
    const deb = tempDir("piwave-deb-");
    for (const n of ["bootcode.bin", "start.elf", "fixup.dat"]) writeFileSync(join(deb, n), n);
    const r = await resolveFirmware({ board: "pi3", cacheDir: deb, debianDir: deb, lock: lock() });
    expect(r.from).toContain("Debian raspi-firmware");
    expect([...r.files.keys()]).toEqual(["bootcode.bin", "start.elf", "fixup.dat"]);
  });

  it("the shipped lock pins every file by SHA-256 at one commit of the official repository", () => {
    const l = loadLock();
    expect(l.repository).toBe("raspberrypi/firmware");
    expect(l.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(l.url).toBe("https://raw.githubusercontent.com/raspberrypi/firmware/{commit}/boot/{file}");
    expect(Object.keys(l.files).sort()).toEqual(["bootcode.bin", "fixup.dat", "fixup4.dat", "start.elf", "start4.elf"]);
    const hashes = Object.values(l.files).map((f) => f.sha256);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(hashes).size).toBe(hashes.length);
    for (const f of Object.values(l.files)) if (f.bytes !== undefined) expect(Number.isInteger(f.bytes) && f.bytes > 0).toBe(true);
    expect(l.provenance).toMatch(/not measured/);
  });

  it("the shipped pins are in force: bytes other than the pinned ones are refused, with the pinned size", async () => {
    hits = [];
    const cacheDir = tempDir("pw-");
    const l = { ...loadLock(), url: `${base}/{commit}/boot/{file}` };
    const pinned = l.files["start4.elf"]!.sha256!;
    await expect(resolveFirmware({ board: "pi4", cacheDir, lock: l, debianDir: nowhere })).rejects.toThrow(
      new RegExp(`checksum mismatch for start4\\.elf .*/${l.commit}/boot/start4\\.elf: expected sha256 ${pinned}, got ${sha(FIXTURES["start4.elf"]!)} \\(19 bytes\\)`),
    );
    const sized = lock();
    sized.files["start4.elf"] = { sha256: sha("the real one"), bytes: 2_000_000 };
    await expect(resolveFirmware({ board: "pi4", cacheDir, lock: sized, debianDir: nowhere })).rejects.toThrow(/\(19 bytes, pinned 2000000\); nothing was written/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it("a mirror URL (PIWAVE_FIRMWARE_URL) replaces the lock's, with the same checksums", async () => {
    const l = lock();
    const mirror = l.url.replace("/{commit}/boot/", "/mirror/{commit}/");
    l.url = "http://127.0.0.1:9/unused/{file}";
    hits = [];
    const r = await resolveFirmware({ board: "pi4", cacheDir: tempDir("pw-"), lock: l, debianDir: nowhere, url: mirror });
    expect(r.from).toMatch(/^downloaded/);
    expect(hits.sort()).toEqual(["fixup4.dat", "start4.elf"]);
    await expect(resolveFirmware({ board: "pi4", cacheDir: tempDir("pw-"), lock: l, debianDir: nowhere, url: "http://mirror.example/" })).rejects.toThrow(
      /the firmware URL template http:\/\/mirror\.example\/ has no \{file\} in it/,
    );
  });

  it("offline: the cache is used, and anything not cached is an error without any download", async () => {
    const cacheDir = tempDir("pw-");
    hits = [];
    await expect(resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere, download: false })).rejects.toThrow(
      /start4\.elf, fixup4\.dat not found in Debian's raspi-firmware or the cache, and downloads are off \(--offline\); use --firmware-dir DIR/,
    );
    expect(hits).toEqual([]);
    await resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere });
    hits = [];
    const r = await resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere, download: false });
    expect(r.from).toMatch(/^cache/);
    expect([...r.files.keys()]).toEqual(["start4.elf", "fixup4.dat"]);
    expect(hits).toEqual([]);
  });

  it("a damaged cache entry is fetched again and replaced", async () => {
    const cacheDir = tempDir("pw-");
    await resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere });
    const entry = join(cacheDir, "raspi-firmware", lock().commit, "fixup4.dat");
    writeFileSync(entry, "bit rot");
    hits = [];
    const r = await resolveFirmware({ board: "pi4", cacheDir, lock: lock(), debianDir: nowhere });
    expect(hits).toEqual(["fixup4.dat"]);
    expect(readFileSync(entry, "utf8")).toBe(FIXTURES["fixup4.dat"]);
    expect(r.from).toMatch(/^downloaded/);
  });

  it("an unreachable server is a clear error naming the reason", async () => {
    // A port that was just free: nothing listens there any more.
    const closed = await serve(() => {});
    await closed.close();
    const l = lock();
    l.url = `${closed.base}/{commit}/boot/{file}`;
    await expect(resolveFirmware({ board: "pi4", cacheDir: tempDir("pw-"), lock: l, debianDir: nowhere })).rejects.toThrow(
      /download of http:\/\/127\.0\.0\.1:\d+\/\S+ failed \(fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+\); use --firmware-dir DIR for offline builds/,
    );
  });

  it("a file without a pinned checksum is never downloaded", async () => {
    const l = lock();
    l.files["fixup4.dat"] = { sha256: null };
    hits = [];
    const cacheDir = tempDir("pw-");
    await expect(resolveFirmware({ board: "pi4", cacheDir, lock: l, debianDir: nowhere })).rejects.toThrow(/no pinned SHA-256 for fixup4\.dat .* so piwave will not download them/);
    expect(hits).toEqual([]);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
