/**
 * A FAT32 file system laid out directly for a known set of files: every file
 * and directory in one contiguous run of clusters, so the whole volume is
 * described by a small block of metadata (boot sectors, the two FATs, the
 * directories) followed by each file's bytes at a known offset. Nothing has
 * to be written through a general-purpose FAT driver; `image.ts` writes the
 * metadata and copies each file straight to its place.
 *
 * The format, as Microsoft's "FAT: General Overview of On-Disk Format"
 * (FAT32 File System Specification, 1.03) defines it, in the order the
 * volume holds it:
 *
 *  - Reserved region (32 sectors, a few more to align the data region to
 *    4 KiB): sector 0 the boot sector with the BIOS parameter block (BPB),
 *    sector 1 the FSInfo sector (free-cluster count and next free cluster,
 *    hints a reader may trust), sectors 6 and 7 their backup copies.
 *  - Two FATs, one 32-bit entry per cluster (the top 4 bits reserved):
 *    entry 0 holds the media byte, entry 1 the end-of-chain mark with the
 *    "clean" bits set; a file's entry points to its next cluster, its last to
 *    an end-of-chain mark (≥ 0x0FFFFFF8); 0 is a free cluster.
 *  - The data region, clusters numbered from 2: the root directory (cluster
 *    2, starting with the volume-label entry), then the sub-directories, then
 *    the files, each contiguous.
 *
 * FAT32 is defined by its cluster count: fewer than 65525 data clusters and a
 * volume *is* FAT16, whatever its boot sector says ("FAT type
 * determination"). With 512-byte clusters that minimum is about 34 MB, so a
 * card with a few MB of files is about that size, and larger content grows it
 * cluster by cluster (each cluster size from 512 B to 32 KiB is tried and the
 * smallest volume wins). FAT16 would be smaller for tiny content, but FAT32 is
 * what the Raspberry Pi's own images use and what every Pi boot ROM and
 * bootloader reads.
 *
 * Names: a name that is a valid upper-case 8.3 name is stored as that short
 * name alone; any other gets long-name (LFN, UTF-16) entries before a short
 * alias made by the specification's "basis name" rules with a numeric tail
 * (`README~1.TXT`) where the name had to be shortened or changed, unique in
 * its directory. Names FAT cannot hold (`\ / : * ? " < > |`, control
 * characters, a trailing dot or space, more than 255 UTF-16 units), and two
 * names that differ only in case (FAT compares names case-insensitively), are
 * refused with a Fat32Error naming them.
 */

export const SECTOR = 512;
/** Fewer data clusters than this makes a volume FAT16 by definition. */
export const FAT32_MIN_CLUSTERS = 65525;
/** Data clusters kept above the minimum, so that no reader counting slightly differently sees FAT16. */
const FAT32_MIN_MARGIN = 16;
/** The most data clusters a FAT32 volume may have (entries ≥ 0x0FFFFFF7 are marks, not clusters). */
const FAT32_MAX_CLUSTERS = 0x0ffffff5;
/** Reserved sectors before the FATs (boot sector, FSInfo, backups at 6 and 7), at least. */
const RESERVED_SECTORS = 32;
const FSINFO_SECTOR = 1;
export const BACKUP_BOOT_SECTOR = 6;
const NUM_FATS = 2;
/** The data region starts on a multiple of this many sectors (4 KiB: flash pages). */
const DATA_ALIGN_SECTORS = 8;
const MEDIA_FIXED_DISK = 0xf8;
const END_OF_CHAIN = 0x0fffffff;
/** FAT32 stores a file's size in 32 bits. */
export const FAT32_MAX_FILE = 0xffff_ffff;
/** A directory holds at most 65536 32-byte entries (2 MiB). */
const MAX_DIR_ENTRIES = 65536;
const DIR_ENTRY = 32;
const MAX_NAME_UNITS = 255;
const LFN_UNITS_PER_ENTRY = 13;

/** Directory-entry attributes (DIR_Attr). */
const Attr = { READ_ONLY: 0x01, HIDDEN: 0x02, SYSTEM: 0x04, VOLUME_ID: 0x08, DIRECTORY: 0x10, ARCHIVE: 0x20, LONG_NAME: 0x0f } as const;

/** Boot-sector (BPB) fields, by byte offset. */
export const Bpb = {
  jmpBoot: 0,
  OEMName: 3,
  BytsPerSec: 11,
  SecPerClus: 13,
  RsvdSecCnt: 14,
  NumFATs: 16,
  RootEntCnt: 17,
  TotSec16: 19,
  Media: 21,
  FATSz16: 22,
  SecPerTrk: 24,
  NumHeads: 26,
  HiddSec: 28,
  TotSec32: 32,
  FATSz32: 36,
  ExtFlags: 40,
  FSVer: 42,
  RootClus: 44,
  FSInfo: 48,
  BkBootSec: 50,
  DrvNum: 64,
  BootSig: 66,
  VolID: 67,
  VolLab: 71,
  FilSysType: 82,
  Signature: 510,
} as const;

/** FSInfo-sector fields, by byte offset. */
const FsInfo = { LeadSig: 0, StrucSig: 484, FreeCount: 488, NxtFree: 492, TrailSig: 508 } as const;

/** Directory-entry fields, by byte offset (short entries, then the LFN entry's own). */
const Dir = {
  Name: 0,
  Attr: 11,
  NTRes: 12,
  CrtTimeTenth: 13,
  CrtTime: 14,
  CrtDate: 16,
  LstAccDate: 18,
  FstClusHI: 20,
  WrtTime: 22,
  WrtDate: 24,
  FstClusLO: 26,
  FileSize: 28,
  // Long-name entries.
  LdirOrd: 0,
  LdirName1: 1,
  LdirType: 12,
  LdirChksum: 13,
  LdirName2: 14,
  LdirName3: 28,
} as const;
const LAST_LONG_ENTRY = 0x40;

export class Fat32Error extends Error {}

/** A file to put on the volume: its `/`-separated path from the root, its size, and its modification time (shown by file managers). */
export interface Fat32File {
  name: string;
  size: number;
  mtime?: Date;
}

export interface Fat32Options {
  /** The volume label: up to 11 characters valid in a short name; upper-cased. */
  label: string;
  /** Sectors before the volume on its disk (BPB_HiddSec: where the partition starts). */
  hiddenSectors: number;
  /** Free space to leave beyond the content, in bytes. */
  freeBytes: number;
  /** Round the volume's size up to a multiple of this many sectors (the partition's alignment). */
  roundSectors: number;
  /** The time of files given without one (default: now). Directories and the label take their newest file's time, so the same files make the same volume. */
  now?: Date;
}

interface Node {
  /** This component's name. */
  name: string;
  /** The full path, for messages. */
  path: string;
  dir: boolean;
  size: number;
  mtime: Date;
  children: Node[];
  /** The 11-byte short name. */
  short: Uint8Array;
  /** UTF-16 units of the long name, or undefined when the short name is the name. */
  long: number[] | undefined;
  firstCluster: number;
  clusters: number;
  /** The directory's first cluster, for "..". */
  parent: Node | undefined;
}

/** Where a file's bytes go. */
export interface Fat32Placement {
  name: string;
  size: number;
  /** Byte offset from the volume's start (meaningless for an empty file, which has no cluster). */
  offset: number;
}

/** A planned volume: its geometry and where each file's bytes go. `fat32Metadata` makes the bytes before the first file. */
export interface Fat32Plan {
  /** Volume size in sectors. */
  sectors: number;
  clusterBytes: number;
  reservedSectors: number;
  /** Sectors of each FAT. */
  fatSectors: number;
  /** Data clusters of the volume. */
  clusters: number;
  /** Clusters in use (directories and files). */
  usedClusters: number;
  /** Bytes from the volume's start to the first file's data: what `fat32Metadata` returns. */
  metadataBytes: number;
  /** Every file, in the order given, with the byte offset of its data. */
  files: Fat32Placement[];
  label: string;
  hiddenSectors: number;
  /** The label's time: the newest file's. */
  labelTime: Date;
}

interface Tree {
  root: Node;
  dirs: Node[];
  leaves: Node[];
}
/** Each plan's directory tree with its clusters (kept out of the plan's public shape). */
const trees = new WeakMap<Fat32Plan, Tree>();

/** Characters a long name may not hold (besides control characters). */
const LONG_FORBIDDEN = /[\\/:*?"<>|]/;
/** Characters a short name may hold besides A-Z and 0-9. */
const SHORT_SPECIALS = "$%'-_@~`!(){}^#&";

function isShortChar(c: string): boolean {
  return (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || SHORT_SPECIALS.includes(c);
}

/** Why `name` (one path component) cannot be a FAT name, or undefined. */
function nameProblem(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "is not a file name";
  // eslint-disable-next-line no-control-regex
  if (LONG_FORBIDDEN.test(name) || /[\u0000-\u001f\u007f]/.test(name)) return 'holds a character FAT names cannot (\\ : * ? " < > | or a control character)';
  if (/[. ]$/.test(name)) return "ends with a dot or a space, which FAT drops";
  if (name.length > MAX_NAME_UNITS) return `is ${name.length} characters long; FAT names hold at most ${MAX_NAME_UNITS}`;
  return undefined;
}

/** The name as an exact upper-case 8.3 short name, or undefined when it is not one. */
function exactShort(name: string): Uint8Array | undefined {
  const m = /^([^.]{1,8})(?:\.([^.]{1,3}))?$/.exec(name);
  if (!m) return undefined;
  const [base, ext = ""] = [m[1]!, m[2]];
  if (![...base, ...ext].every(isShortChar)) return undefined;
  return shortBytes(base, ext);
}

function shortBytes(base: string, ext: string): Uint8Array {
  const b = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < base.length; i++) b[i] = base.charCodeAt(i);
  for (let i = 0; i < ext.length; i++) b[8 + i] = ext.charCodeAt(i);
  return b;
}

/**
 * The specification's basis name for a long name: upper-cased, characters a
 * short name cannot hold replaced by `_`, spaces and leading/embedded dots
 * dropped, 8 characters of base and 3 of extension. `lossy` says whether a
 * numeric tail is needed.
 */
function basisName(name: string): { base: string; ext: string; lossy: boolean } {
  let lossy = false;
  const conv = (s: string) =>
    [...s]
      .map((c) => {
        const u = c.toUpperCase();
        if (u.length === 1 && isShortChar(u)) return u;
        lossy = true;
        return "_";
      })
      .join("");
  let s = name;
  if (s.includes(" ")) {
    s = s.replaceAll(" ", "");
    lossy = true;
  }
  const trimmed = s.replace(/^\.+/, "");
  if (trimmed !== s) lossy = true;
  s = trimmed;
  const dot = s.lastIndexOf(".");
  let base = dot < 0 ? s : s.slice(0, dot);
  let ext = dot < 0 ? "" : s.slice(dot + 1);
  if (base.includes(".")) {
    base = base.replaceAll(".", "");
    lossy = true;
  }
  base = conv(base);
  ext = conv(ext);
  if (base.length > 8 || ext.length > 3) lossy = true;
  return { base: base.slice(0, 8), ext: ext.slice(0, 3), lossy };
}

/** The LFN checksum of an 11-byte short name. */
function shortNameChecksum(short: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + short[i]!) & 0xff;
  return sum;
}

/** Give each child of `dir` its short name (unique in `dir`) and long name. */
function nameChildren(dir: Node): void {
  const taken = new Set<string>();
  const key = (b: Uint8Array) => String.fromCharCode(...b);
  const later: Node[] = [];
  // Exact short names and non-lossy ones first, so that a numeric tail never takes a name another file needs as is.
  for (const c of dir.children) {
    const exact = exactShort(c.name);
    if (exact) {
      c.short = exact;
      c.long = undefined;
    } else {
      // JavaScript strings are UTF-16 already: characters beyond the BMP are their surrogate pairs, as LFN stores them.
      c.long = Array.from({ length: c.name.length }, (_, i) => c.name.charCodeAt(i));
      const b = basisName(c.name);
      if (b.lossy || !b.base) {
        later.push(c);
        continue;
      }
      c.short = shortBytes(b.base, b.ext);
    }
    taken.add(key(c.short));
  }
  // Where each basis name's numeric tails go on from (so many similar names cost no quadratic search).
  const nextTail = new Map<string, number>();
  for (const c of later) {
    const b = basisName(c.name);
    const basis = `${b.base}.${b.ext}`;
    for (let n = nextTail.get(basis) ?? 1; ; n++) {
      const tail = `~${n}`;
      if (tail.length > 7) throw new Fat32Error(`${dir.path || "the root directory"}: too many names share the short form of ${c.path}`);
      const short = shortBytes((b.base || "_").slice(0, 8 - tail.length) + tail, b.ext);
      if (!taken.has(key(short))) {
        c.short = short;
        taken.add(key(short));
        nextTail.set(basis, n + 1);
        break;
      }
    }
  }
}

/** Directory entries a child takes: the short entry plus one per 13 UTF-16 units of its long name. */
const entriesOf = (n: Node) => 1 + (n.long ? Math.ceil(n.long.length / LFN_UNITS_PER_ENTRY) : 0);

/** Entries of a directory's own content: the label (root) or "." and ".." (others), then its children. */
function dirEntries(d: Node, isRoot: boolean): number {
  return (isRoot ? 1 : 2) + d.children.reduce((s, c) => s + entriesOf(c), 0);
}

/** The directory tree of `files`, validated and named. */
function tree(files: readonly Fat32File[], now: Date): Tree {
  const mk = (name: string, path: string, dir: boolean, size = 0, mtime = now, parent?: Node): Node => ({
    name,
    path,
    dir,
    size,
    mtime,
    children: [],
    short: new Uint8Array(11),
    long: undefined,
    firstCluster: 0,
    clusters: 0,
    parent,
  });
  const root = mk("", "", true);
  const dirs: Node[] = [root];
  const leaves: Node[] = [];
  const index = new Map<string, Node>([["", root]]);
  for (const f of files) {
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new Fat32Error(`${f.name}: size ${f.size} is not a byte count`);
    if (f.size > FAT32_MAX_FILE) throw new Fat32Error(`${f.name} is ${f.size} bytes; FAT32 holds files up to 4 GiB - 1`);
    if (!f.name || f.name.startsWith("/")) throw new Fat32Error(`"${f.name}" is not a path inside the volume`);
    const parts = f.name.split("/");
    if (parts.some((p) => p === "" || p === "." || p === "..")) throw new Fat32Error(`"${f.name}" is not a path inside the volume`);
    let parent = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const path = parts.slice(0, i + 1).join("/");
      const problem = nameProblem(part);
      if (problem) throw new Fat32Error(`FAT cannot hold the name of ${f.name}: "${part}" ${problem}; rename it`);
      const folded = path.toUpperCase();
      const existing = index.get(folded);
      const isLeaf = i === parts.length - 1;
      if (existing) {
        if (existing.path !== path) throw new Fat32Error(`${existing.path} and ${path} differ only in case, and FAT compares names case-insensitively: rename one`);
        if (isLeaf && !existing.dir) throw new Fat32Error(`${path} is given twice`);
        if (isLeaf || !existing.dir) throw new Fat32Error(`${path} is both a file and a directory`);
        parent = existing;
        continue;
      }
      const node = mk(part, path, !isLeaf, isLeaf ? f.size : 0, isLeaf ? (f.mtime ?? now) : now, parent);
      index.set(folded, node);
      parent.children.push(node);
      (isLeaf ? leaves : dirs).push(node);
      parent = node;
    }
  }
  // A directory's time is its newest content's (deepest directories first, so parents see their children's).
  for (const d of [...dirs].reverse()) {
    const newest = d.children.reduce((m, c) => (c.mtime.getTime() > m ? c.mtime.getTime() : m), -Infinity);
    if (Number.isFinite(newest)) d.mtime = new Date(newest);
  }
  for (const d of dirs) {
    nameChildren(d);
    const n = dirEntries(d, d === root);
    if (n > MAX_DIR_ENTRIES) throw new Fat32Error(`${d.path || "the root directory"} would need ${n} directory entries; a FAT directory holds at most ${MAX_DIR_ENTRIES}`);
  }
  return { root, dirs, leaves };
}

interface Geometry {
  clusterBytes: number;
  sectors: number;
  reservedSectors: number;
  fatSectors: number;
  clusters: number;
  usedClusters: number;
}

/** The volume for `usedClusters` of content with `au`-byte clusters, or undefined when FAT32 cannot be made so. */
function geometryFor(content: (au: number) => number, au: number, o: Fat32Options): Geometry | undefined {
  const spc = au / SECTOR;
  const used = content(au);
  const want = Math.max(used + Math.ceil(o.freeBytes / au), FAT32_MIN_CLUSTERS + FAT32_MIN_MARGIN);
  if (want > FAT32_MAX_CLUSTERS) return undefined;
  const round = Math.max(1, o.roundSectors);
  // Start from the size the wanted clusters need, and grow by the rounding step until they fit.
  let sectors = Math.ceil((RESERVED_SECTORS + DATA_ALIGN_SECTORS + 2 * Math.ceil(((want + 2) * 4) / SECTOR) + want * spc) / round) * round;
  for (;;) {
    // A FAT for every cluster the whole volume could hold (an over-estimate: the FATs themselves take room).
    const fatSectors = Math.ceil(((Math.floor((sectors - RESERVED_SECTORS) / spc) + 2) * 4) / SECTOR);
    const beforeData = RESERVED_SECTORS + NUM_FATS * fatSectors;
    const reservedSectors = RESERVED_SECTORS + ((DATA_ALIGN_SECTORS - (beforeData % DATA_ALIGN_SECTORS)) % DATA_ALIGN_SECTORS);
    const clusters = Math.floor((sectors - reservedSectors - NUM_FATS * fatSectors) / spc);
    if (clusters >= want && clusters <= FAT32_MAX_CLUSTERS) return { clusterBytes: au, sectors, reservedSectors, fatSectors, clusters, usedClusters: used };
    if (clusters > FAT32_MAX_CLUSTERS) return undefined;
    sectors += round;
  }
}

/**
 * Plan a FAT32 volume holding `files` (directories made from their paths),
 * as small as FAT32 allows for them with `freeBytes` to spare. Throws a
 * Fat32Error for a name FAT cannot hold or content it cannot take.
 */
export function planFat32(files: readonly Fat32File[], o: Fat32Options): Fat32Plan {
  const now = o.now ?? new Date();
  const label = checkLabel(o.label);
  const { root, dirs, leaves } = tree(files, now);
  const content = (au: number) =>
    dirs.reduce((s, d) => s + Math.max(1, Math.ceil((dirEntries(d, d === root) * DIR_ENTRY) / au)), 0) + leaves.reduce((s, f) => s + Math.ceil(f.size / au), 0);
  let best: Geometry | undefined;
  for (let au = SECTOR; au <= 32768; au *= 2) {
    const g = geometryFor(content, au, o);
    if (g && (!best || g.sectors < best.sectors)) best = g;
  }
  if (!best) throw new Fat32Error("the files are too large for one FAT32 volume");
  const g = best;
  // Clusters in order: the directories (the root first, at cluster 2), then the files.
  let next = 2;
  for (const d of dirs) {
    d.clusters = Math.max(1, Math.ceil((dirEntries(d, d === root) * DIR_ENTRY) / g.clusterBytes));
    d.firstCluster = next;
    next += d.clusters;
  }
  const dataStart = (g.reservedSectors + NUM_FATS * g.fatSectors) * SECTOR;
  const metadataBytes = dataStart + (next - 2) * g.clusterBytes;
  for (const f of leaves) {
    f.clusters = Math.ceil(f.size / g.clusterBytes);
    f.firstCluster = f.clusters ? next : 0;
    next += f.clusters;
  }
  const byPath = new Map(leaves.map((l) => [l.path, l]));
  const placements = files.map((f) => {
    const l = byPath.get(f.name)!;
    return { name: f.name, size: f.size, offset: l.firstCluster ? dataStart + (l.firstCluster - 2) * g.clusterBytes : metadataBytes };
  });
  const plan: Fat32Plan = {
    sectors: g.sectors,
    clusterBytes: g.clusterBytes,
    reservedSectors: g.reservedSectors,
    fatSectors: g.fatSectors,
    clusters: g.clusters,
    usedClusters: next - 2,
    metadataBytes,
    files: placements,
    label,
    hiddenSectors: o.hiddenSectors,
    labelTime: root.mtime,
  };
  trees.set(plan, { root, dirs, leaves });
  return plan;
}

function checkLabel(label: string): string {
  const l = label.toUpperCase();
  if (!l || l.length > 11 || l.startsWith(" ") || ![...l].every((c) => isShortChar(c) || c === " ")) {
    throw new Fat32Error(`"${label}" cannot be a FAT volume label: 1 to 11 letters, digits or ${SHORT_SPECIALS}`);
  }
  return l;
}

/** FAT date and time (local time, as FAT keeps it; 2-second resolution, 1980 to 2107). */
function fatTime(d: Date): { date: number; time: number; tenths: number } {
  const t = Number.isNaN(d.getTime()) ? new Date(1980, 0, 1) : d;
  const year = t.getFullYear();
  if (year < 1980) return { date: (0 << 9) | (1 << 5) | 1, time: 0, tenths: 0 };
  if (year > 2107) return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29, tenths: 100 };
  return {
    date: ((year - 1980) << 9) | ((t.getMonth() + 1) << 5) | t.getDate(),
    time: (t.getHours() << 11) | (t.getMinutes() << 5) | (t.getSeconds() >> 1),
    tenths: (t.getSeconds() & 1) * 100 + Math.floor(t.getMilliseconds() / 10),
  };
}

function shortEntry(dv: DataView, at: number, name: Uint8Array, attr: number, cluster: number, size: number, when: Date): void {
  new Uint8Array(dv.buffer, dv.byteOffset + at, 11).set(name);
  dv.setUint8(at + Dir.Attr, attr);
  const t = fatTime(when);
  dv.setUint8(at + Dir.CrtTimeTenth, t.tenths);
  dv.setUint16(at + Dir.CrtTime, t.time, true);
  dv.setUint16(at + Dir.CrtDate, t.date, true);
  dv.setUint16(at + Dir.LstAccDate, t.date, true);
  dv.setUint16(at + Dir.WrtTime, t.time, true);
  dv.setUint16(at + Dir.WrtDate, t.date, true);
  dv.setUint16(at + Dir.FstClusHI, cluster >>> 16, true);
  dv.setUint16(at + Dir.FstClusLO, cluster & 0xffff, true);
  dv.setUint32(at + Dir.FileSize, size, true);
}

/** The long-name entries of `n`, last part first, then its short entry; returns the next entry's offset. */
function childEntries(dv: DataView, at: number, n: Node): number {
  if (n.long) {
    const count = Math.ceil(n.long.length / LFN_UNITS_PER_ENTRY);
    const sum = shortNameChecksum(n.short);
    // Each entry holds 13 units: the name, one 0x0000 terminator if there is room, then 0xFFFF.
    const unitAt = (i: number) => (i < n.long!.length ? n.long![i]! : i === n.long!.length ? 0x0000 : 0xffff);
    for (let k = count; k >= 1; k--) {
      const first = (k - 1) * LFN_UNITS_PER_ENTRY;
      dv.setUint8(at + Dir.LdirOrd, k | (k === count ? LAST_LONG_ENTRY : 0));
      for (let j = 0; j < 5; j++) dv.setUint16(at + Dir.LdirName1 + 2 * j, unitAt(first + j), true);
      dv.setUint8(at + Dir.Attr, Attr.LONG_NAME);
      dv.setUint8(at + Dir.LdirType, 0);
      dv.setUint8(at + Dir.LdirChksum, sum);
      for (let j = 0; j < 6; j++) dv.setUint16(at + Dir.LdirName2 + 2 * j, unitAt(first + 5 + j), true);
      dv.setUint16(at + Dir.FstClusLO, 0, true);
      for (let j = 0; j < 2; j++) dv.setUint16(at + Dir.LdirName3 + 2 * j, unitAt(first + 11 + j), true);
      at += DIR_ENTRY;
    }
  }
  shortEntry(dv, at, n.short, n.dir ? Attr.DIRECTORY : Attr.ARCHIVE, n.firstCluster, n.dir ? 0 : n.size, n.mtime);
  return at + DIR_ENTRY;
}

const DOT = shortBytes(".", "");
const DOTDOT = shortBytes("..", "");

/**
 * The volume's bytes before the first file's data (`plan.metadataBytes`):
 * boot sector, FSInfo and their backups, both FATs, every directory.
 * `volumeId` is the volume serial number (BS_VolID).
 */
export function fat32Metadata(plan: Fat32Plan, volumeId: number): Uint8Array {
  const t = trees.get(plan);
  if (!t) throw new Fat32Error("fat32Metadata needs a plan made by planFat32");
  const { root, dirs, leaves } = t;
  const buf = new Uint8Array(plan.metadataBytes);
  const dv = new DataView(buf.buffer);
  const label = shortBytes(plan.label.slice(0, 8), plan.label.slice(8));

  // Boot sector.
  buf.set([0xeb, 0x58, 0x90], Bpb.jmpBoot);
  buf.set(new TextEncoder().encode("PIWAVE  "), Bpb.OEMName);
  dv.setUint16(Bpb.BytsPerSec, SECTOR, true);
  dv.setUint8(Bpb.SecPerClus, plan.clusterBytes / SECTOR);
  dv.setUint16(Bpb.RsvdSecCnt, plan.reservedSectors, true);
  dv.setUint8(Bpb.NumFATs, NUM_FATS);
  dv.setUint16(Bpb.RootEntCnt, 0, true);
  dv.setUint16(Bpb.TotSec16, 0, true);
  dv.setUint8(Bpb.Media, MEDIA_FIXED_DISK);
  dv.setUint16(Bpb.FATSz16, 0, true);
  dv.setUint16(Bpb.SecPerTrk, 63, true);
  dv.setUint16(Bpb.NumHeads, 255, true);
  dv.setUint32(Bpb.HiddSec, plan.hiddenSectors, true);
  dv.setUint32(Bpb.TotSec32, plan.sectors, true);
  dv.setUint32(Bpb.FATSz32, plan.fatSectors, true);
  dv.setUint16(Bpb.ExtFlags, 0, true); // both FATs mirrored
  dv.setUint16(Bpb.FSVer, 0, true);
  dv.setUint32(Bpb.RootClus, root.firstCluster, true);
  dv.setUint16(Bpb.FSInfo, FSINFO_SECTOR, true);
  dv.setUint16(Bpb.BkBootSec, BACKUP_BOOT_SECTOR, true);
  dv.setUint8(Bpb.DrvNum, 0x80);
  dv.setUint8(Bpb.BootSig, 0x29); // VolID, VolLab and FilSysType present
  dv.setUint32(Bpb.VolID, volumeId >>> 0, true);
  buf.set(label, Bpb.VolLab);
  buf.set(new TextEncoder().encode("FAT32   "), Bpb.FilSysType);
  // Not a PC boot disk: the boot code is an endless halt loop (cli; hlt; jmp back).
  buf.set([0xfa, 0xf4, 0xeb, 0xfd], 0x5a);
  dv.setUint16(Bpb.Signature, 0xaa55, true);

  // FSInfo.
  const fsi = FSINFO_SECTOR * SECTOR;
  dv.setUint32(fsi + FsInfo.LeadSig, 0x41615252, true);
  dv.setUint32(fsi + FsInfo.StrucSig, 0x61417272, true);
  dv.setUint32(fsi + FsInfo.FreeCount, plan.clusters - plan.usedClusters, true);
  dv.setUint32(fsi + FsInfo.NxtFree, plan.usedClusters < plan.clusters ? 2 + plan.usedClusters : 0xffffffff, true);
  dv.setUint32(fsi + FsInfo.TrailSig, 0xaa550000, true);
  // Sector 2 carries the boot signature too (the FAT32 boot record is sectors 0-2).
  dv.setUint16(2 * SECTOR + Bpb.Signature, 0xaa55, true);
  // Backups of sectors 0-2 at 6-8.
  buf.copyWithin(BACKUP_BOOT_SECTOR * SECTOR, 0, 3 * SECTOR);

  // The FATs: reserved entries, then each directory's and file's chain.
  const fat = plan.reservedSectors * SECTOR;
  dv.setUint32(fat, 0x0fffff00 | MEDIA_FIXED_DISK, true);
  dv.setUint32(fat + 4, END_OF_CHAIN, true);
  for (const n of [...dirs, ...leaves]) {
    for (let i = 0; i < n.clusters; i++) {
      const c = n.firstCluster + i;
      dv.setUint32(fat + 4 * c, i === n.clusters - 1 ? END_OF_CHAIN : c + 1, true);
    }
  }
  const fatBytes = plan.fatSectors * SECTOR;
  buf.copyWithin(fat + fatBytes, fat, fat + fatBytes);

  // The directories.
  const dataStart = (plan.reservedSectors + NUM_FATS * plan.fatSectors) * SECTOR;
  for (const d of dirs) {
    let at = dataStart + (d.firstCluster - 2) * plan.clusterBytes;
    if (d === root) {
      shortEntry(dv, at, label, Attr.VOLUME_ID, 0, 0, plan.labelTime);
      at += DIR_ENTRY;
    } else {
      shortEntry(dv, at, DOT, Attr.DIRECTORY, d.firstCluster, 0, d.mtime);
      // ".." of a directory in the root points to cluster 0, by the specification's convention.
      shortEntry(dv, at + DIR_ENTRY, DOTDOT, Attr.DIRECTORY, d.parent === root ? 0 : d.parent!.firstCluster, 0, d.mtime);
      at += 2 * DIR_ENTRY;
    }
    for (const c of d.children) at = childEntries(dv, at, c);
  }
  return buf;
}
