// CRC-32 as used by zlib, PNG and Ethernet (reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF; check value 0xCBF43926 for the
// ASCII bytes "123456789", per the CRC-32/ISO-HDLC entry of Greg Cook's
// "Catalogue of parametrised CRC algorithms"). Written here, table-driven one
// byte at a time, because the reader must also run in browsers (no node:zlib)
// and a model blob is small enough that slicing-by-8 would not pay for itself.

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The running register before any byte: pass it to the first crc32Update. */
export const CRC32_INIT = 0xffffffff;

/** Feeds bytes[start, end) into a running (not yet finalised) CRC register. */
export function crc32Update(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = crc >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
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
