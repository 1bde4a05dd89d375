// The blob checksum on the kernels' CRC-32 (assembly/kernels/crc32.ts) for
// loadModel: by the time a blob is read the instance exists anyway, and in a
// fresh process its compiled loop beats both the interpreted JS one (~50 ns
// a byte) and loading node:zlib for the native one (~1 ms). The bytes pass
// through a window of the instance's first memory page above the heap base,
// which the plan claims only afterwards, so memory never grows for it.
import { crc32UpdateTable, type Crc32Update } from '../format/crc32.ts';
import type { KernelExports } from '../ops/types.ts';

const WINDOW_BYTES = 32 * 1024;

export function kernelCrc32Update(k: KernelExports): Crc32Update {
  const base = Math.ceil(k.heapBase() / 16) * 16;
  const window = Math.min(WINDOW_BYTES, k.memory.buffer.byteLength - base);
  // A module whose first page is full (not this one) falls back to the JS loop.
  if (window < 1024) return crc32UpdateTable;
  return (crc, bytes, start, end) => {
    let c = crc;
    for (let at = start; at < end; at += window) {
      const n = Math.min(window, end - at);
      new Uint8Array(k.memory.buffer, base, n).set(bytes.subarray(at, at + n));
      c = k.crc32UpdateBytes(c, base, n) >>> 0;
    }
    return c;
  };
}
