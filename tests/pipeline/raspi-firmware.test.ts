// The Raspberry Pi firmware files: local directory, Debian package path, pinned download
// (served here by a local HTTP server with fixture files), cache and checksum mismatch.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type IncomingMessage, createServer } from "node:http";
import { type AddressInfo, type Socket, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FirmwareLock, implausible, loadLock, proxyFor, resolveFirmware } from "../../host/raspi-firmware.js";
import { type LocalServer, serve } from "./http.js";
import { tempDir } from "../temp.js";
import { standIn, writeStandInFirmware } from "./pi-firmware.js";

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
    writeFileSync(join(dir, "start4.elf"), standIn("start4.elf"));
    await expect(resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir })).rejects.toThrow(/lacks fixup4\.dat \(a pi4 needs start4\.elf, fixup4\.dat\)/);
    writeFileSync(join(dir, "fixup4.dat"), standIn("fixup4.dat"));
    hits = [];
    const r = await resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir, lock: lock() });
    expect(r.from).toBe(`${dir} (not the pinned raspberrypi/firmware@0123456789ab: start4.elf, fixup4.dat differ; used as given)`);
    expect(hits).toEqual([]);
  });

  it("--firmware-dir: files that cannot be the Raspberry Pi firmware are refused, saying why", async () => {
    const dir = writeStandInFirmware(tempDir("piwave-fwdir-"));
    writeFileSync(join(dir, "fixup4.dat"), "fixup4.dat (a text file)\n");
    await expect(resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir, lock: lock() })).rejects.toThrow(
      /--firmware-dir .*: fixup4\.dat is 25 bytes; the real file is about 5 KB\. Take the files from the boot partition of Raspberry Pi OS/,
    );
    const notElf = standIn("start4.elf");
    notElf[0] = 0x3c; // "<": an HTML error page saved under the file's name
    expect(implausible("start4.elf", notElf)).toMatch(/start4\.elf is not an ELF file/);
    expect(implausible("start4.elf", standIn("start4.elf"))).toBeUndefined();
    expect(implausible("bootcode.bin", new Uint8Array(0))).toMatch(/bootcode\.bin is 0 bytes; the real file is about 52 KB/);
  });

  it("--firmware-dir: a name in the wrong case, or the other board's files, are pointed out", async () => {
    const dir = writeStandInFirmware(tempDir("piwave-fwdir-"), "pi3");
    writeFileSync(join(dir, "START4.ELF"), standIn("start4.elf"));
    await expect(resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir, lock: lock() })).rejects.toThrow(
      /lacks start4\.elf, fixup4\.dat .*; START4\.ELF is there: rename it to start4\.elf .*; it has the pi3 files: is --board pi3 meant\?/,
    );
  });

  it("--firmware-dir: files that are the pinned release are reported as such", async () => {
    const dir = writeStandInFirmware(tempDir("piwave-fwdir-"));
    const l = lock();
    for (const n of ["start4.elf", "fixup4.dat"]) l.files[n] = { sha256: createHash("sha256").update(readFileSync(join(dir, n))).digest("hex") };
    const r = await resolveFirmware({ board: "pi4", firmwareDir: dir, cacheDir: dir, lock: l });
    expect(r.from).toBe(`${dir} (the pinned raspberrypi/firmware@0123456789ab, SHA-256 verified)`);
  });

  it("proxies: HTTPS_PROXY/HTTP_PROXY apply unless NO_PROXY names the host", () => {
    const env = { HTTPS_PROXY: "http://user:pw@proxy.lan:3128", NO_PROXY: "localhost, .internal.example,mirror.lan:8080" };
    expect(proxyFor("https://raw.githubusercontent.com/x", env)).toBe("http://user:pw@proxy.lan:3128");
    expect(proxyFor("http://raw.githubusercontent.com/x", env)).toBeUndefined(); // no HTTP_PROXY
    expect(proxyFor("https://a.internal.example/x", env)).toBeUndefined();
    expect(proxyFor("https://internal.example/x", env)).toBeUndefined();
    expect(proxyFor("https://mirror.lan:8080/x", env)).toBeUndefined();
    expect(proxyFor("https://mirror.lan/x", env)).toBe(env.HTTPS_PROXY); // other port
    expect(proxyFor("https://x.example/", { https_proxy: "http://p:1", no_proxy: "*" })).toBeUndefined();
  });

  it("the download goes through HTTP_PROXY (to a host only the proxy knows), and around it for NO_PROXY", async () => {
    // A CONNECT proxy that knows one host name, fw.piwave.invalid, and tunnels it to the fixture server.
    const tunnels: string[] = [];
    const sockets: Socket[] = [];
    const proxy = createServer();
    proxy.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url!);
      sockets.push(client);
      const upstream = connect(Number(new URL(base).port), "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      sockets.push(upstream);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    try {
      process.env.HTTP_PROXY = proxyUrl;
      delete process.env.NO_PROXY;
      const l = { ...lock(), url: "http://fw.piwave.invalid/{commit}/{file}" };
      hits = [];
      const r = await resolveFirmware({ board: "pi4", cacheDir: tempDir("pw-"), lock: l, debianDir: nowhere });
      expect(r.from).toMatch(/^downloaded/);
      expect(tunnels[0]).toBe("fw.piwave.invalid:80");
      expect(hits.sort()).toEqual(["fixup4.dat", "start4.elf"]);
      tunnels.length = 0;
      process.env.NO_PROXY = "fw.piwave.invalid";
      await expect(resolveFirmware({ board: "pi4", cacheDir: tempDir("pw-"), lock: l, debianDir: nowhere })).rejects.toThrow(
        /download of http:\/\/fw\.piwave\.invalid\/\S+ failed/,
      );
      expect(tunnels).toEqual([]);
      delete process.env.NO_PROXY;
      process.env.HTTP_PROXY = "http://127.0.0.1:9"; // nothing listens there
      await expect(resolveFirmware({ board: "pi4", cacheDir: tempDir("pw-"), lock: l, debianDir: nowhere })).rejects.toThrow(
        /through the proxy http:\/\/127\.0\.0\.1:9\/ failed/,
      );
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      for (const so of sockets) so.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  }, 30_000);

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
    await expect(resolveFirmware({ board: "pi4", cacheDir, lock: l, debianDir: nowhere })).rejects.toThrow(/^this piwave has no checksum \(SHA-256\) for fixup4\.dat, so it will not download them\. Give the files with --firmware-dir/);
    // No internal file names in what the user reads (issue 12 item 17).
    await expect(resolveFirmware({ board: "pi4", cacheDir, lock: l, debianDir: nowhere })).rejects.not.toThrow(/lock\.json|host\//);
    expect(hits).toEqual([]);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
