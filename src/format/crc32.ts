// CRC-32 as used by zlib, PNG and Ethernet (reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF; check value 0xCBF43926 for the
// ASCII bytes "123456789", per the CRC-32/ISO-HDLC entry of Greg Cook's
// "Catalogue of parametrised CRC algorithms"). Written here because the
// reader must also run in browsers (no node:zlib). Slicing-by-8 (Kounavis and
// Berry, Intel 2005) over little-endian 32-bit words: the check runs on every
// load, and over a 1.5 MB blob it takes ~2 ms instead of ~5.5 ms one byte at
// a time (Node 20, warm; both need ~7 ms in a process whose JIT is still cold).
// Where the engine offers zlib's native CRC (Node >= 20.16 through
// process.getBuiltinModule, without importing node:zlib, so browsers still
// load this file) that one runs instead on inputs of NATIVE_CRC32_MIN_BYTES
// or more: ~0.1 ms for the same blob, which matters on the first load of a
// fresh process, where the JS loop is still interpreted (~50 ns a byte:
// 4.7 ms for DS-CNN's 94 KB blob). zlib is looked up on the first such
// input, not at import: loading it costs a fresh process about 1 ms, which
// small blobs (the JS loop's break-even is about 20 KB) never pay. The
// runtime's loadModel passes its own routine instead (src/runtime/checksum.ts:
// the same arithmetic in the wasm kernels, no zlib).

// TABLES[k][n]: the register after byte n followed by k zero bytes.
const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
  }
  return t;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The running register before any byte: pass it to the first crc32Update. */
export const CRC32_INIT = 0xffffffff;

type NativeCrc32 = (data: Uint8Array, value?: number) => number;

/** Inputs from this size on go to the native CRC where there is one. */
export const NATIVE_CRC32_MIN_BYTES = 16 * 1024;

/** undefined: not looked up yet; null: the engine has none. */
let nativeCrc32: NativeCrc32 | null | undefined;

function findNativeCrc32(): NativeCrc32 | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = proc?.getBuiltinModule?.('node:zlib') as { crc32?: NativeCrc32 } | undefined;
  return typeof zlib?.crc32 === 'function' ? zlib.crc32 : null;
}

/** A routine that feeds bytes[start, end) into a running CRC register (crc32Update, or the runtime's wasm one). */
export type Crc32Update = (crc: number, bytes: Uint8Array, start: number, end: number) => number;

/** Feeds bytes[start, end) into a running (not yet finalised) CRC register. */
export function crc32Update(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (end - start >= NATIVE_CRC32_MIN_BYTES) {
    const native = nativeCrc32 === undefined ? (nativeCrc32 = findNativeCrc32()) : nativeCrc32;
    // zlib continues from a finished CRC value, the register's complement.
    if (native) return (native(bytes.subarray(start, end), (crc ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
  }
  return crc32UpdateTable(crc, bytes, start, end);
}

/** crc32Update in plain JS (slicing-by-8): the path of engines without a native CRC, exported for its test. */
export function crc32UpdateTable(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let c = crc >>> 0;
  let i = start;
  // Bytes up to a 4-byte boundary, then 8 bytes an iteration read as two little-endian words.
  while (i < end && ((bytes.byteOffset + i) & 3) !== 0) c = t[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  if (LITTLE_ENDIAN && end - i >= 8) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, (end - i) >>> 3 << 1);
    for (let w = 0; w < words.length; w += 2) {
      c ^= words[w];
      const d = words[w + 1];
      c = t[1792 + (c & 0xff)] ^ t[1536 + ((c >>> 8) & 0xff)] ^ t[1280 + ((c >>> 16) & 0xff)] ^ t[1024 + (c >>> 24)] ^
        t[768 + (d & 0xff)] ^ t[512 + ((d >>> 8) & 0xff)] ^ t[256 + ((d >>> 16) & 0xff)] ^ t[d >>> 24];
    }
    i += words.length << 2;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/** The final CRC value of a running register. */
export function crc32Final(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of bytes[start, end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32Final(crc32Update(CRC32_INIT, bytes, start, end));
}
