// CRC-32 of a model blob (the .tsm checksum), for the runtime's loader: the
// same register arithmetic as src/format/crc32.ts (reflected polynomial
// 0xEDB88320, slicing-by-8), run here because a fresh process executes JS in
// its interpreter (~50 ns a byte) while this loop runs as compiled code from
// the first call. One path for both builds: wasm SIMD has no carry-less
// multiply, and slicing-by-8 is table lookups, which 128-bit lanes cannot do.

// TABLES[k * 256 + n]: the register after byte n followed by k zero bytes.
// Filled on the first call rather than stored, so the module stays 8 KB smaller.
const TABLES: usize = memory.data(8 * 256 * 4, 16);
let tablesReady = false;

function fillTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  for (let k: usize = 1; k < 8; k++) {
    for (let n: usize = 0; n < 256; n++) {
      const prev = load<u32>(TABLES + (((k - 1) * 256 + n) << 2));
      store<u32>(TABLES + ((k * 256 + n) << 2), (prev >>> 8) ^ load<u32>(TABLES + (<usize>(prev & 0xff) << 2)));
    }
  }
  tablesReady = true;
}

// @ts-ignore: decorator
@inline function entry(k: u32, byte: u32): u32 {
  return load<u32>(TABLES + (<usize>((k << 8) | byte) << 2));
}

/**
 * Feeds bytes [ptr, ptr + length) into a running (not yet finalised) CRC
 * register and returns the new register (start from 0xFFFFFFFF, finish by
 * complementing: the caller owns both ends, as in src/format/crc32.ts).
 */
export function crc32UpdateBytes(crc: u32, ptr: usize, length: usize): u32 {
  if (!tablesReady) fillTables();
  let c = crc;
  let p = ptr;
  const end = ptr + length;
  // Wasm loads need no alignment, so 8 bytes an iteration from the start.
  for (; p + 8 <= end; p += 8) {
    c ^= load<u32>(p);
    const d = load<u32>(p, 4);
    c = entry(7, c & 0xff) ^ entry(6, (c >>> 8) & 0xff) ^ entry(5, (c >>> 16) & 0xff) ^ entry(4, c >>> 24) ^
      entry(3, d & 0xff) ^ entry(2, (d >>> 8) & 0xff) ^ entry(1, (d >>> 16) & 0xff) ^ entry(0, d >>> 24);
  }
  for (; p < end; p++) c = entry(0, (c ^ <u32>load<u8>(p)) & 0xff) ^ (c >>> 8);
  return c;
}
