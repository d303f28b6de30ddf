/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the one zlib and
 * PNG use, so host tools can compute it with any standard library.
 * Table-driven; the 1 KiB table is built on first use.
 */
const table: usize = memory.data(1024, 4);
let ready = false;

function build(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
    store<u32>(table + (<usize>n << 2), c);
  }
  ready = true;
}

/** Continue a CRC over `len` bytes at `ptr`. Start with `crc = 0`. */
export function update(crc: u32, ptr: usize, len: u32): u32 {
  if (!ready) build();
  let c = ~crc;
  for (let i: u32 = 0; i < len; i++) {
    c = load<u32>(table + (<usize>((c ^ load<u8>(ptr + i)) & 0xff) << 2)) ^ (c >> 8);
  }
  return ~c;
}
