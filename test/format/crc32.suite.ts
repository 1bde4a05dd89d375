// The CRC-32 (native where the engine has one, the table-driven JS path and the kernels' own, which loadModel uses) against its published check value and a plain
// bit-by-bit reference (the definition, no table).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32, crc32Final, crc32Update, crc32UpdateTable, CRC32_INIT, NATIVE_CRC32_MIN_BYTES } from '../../src/format/crc32.ts';
import { makeRng } from '../helpers/random.ts';
import { kernelCrc32Update } from '../../src/runtime/checksum.ts';
import { BUILDS } from '../helpers/wasm.ts';
import { instantiateKernels } from '../../src/runtime/wasm.ts';

function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('crc32: check value of "123456789" and the empty input', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.is(crc32(new Uint8Array(0)), 0);
});

test('crc32: matches the bitwise definition on random data, whole and in pieces', () => {
  const rng = makeRng(11);
  // The last length reaches the native CRC where the engine has one.
  for (const n of [1, 2, 3, 7, 16, 255, 256, 1000, 4099, NATIVE_CRC32_MIN_BYTES + 5]) {
    const bytes = Uint8Array.from({ length: n }, () => rng.int(0, 255));
    const want = crc32Bitwise(bytes);
    assert.is(crc32(bytes), want, `length ${n}`);
    const cut = rng.int(0, n);
    assert.is(crc32Final(crc32Update(crc32Update(CRC32_INIT, bytes, 0, cut), bytes, cut, n)), want, `length ${n} split at ${cut}`);
    // A view that starts off a word boundary of its buffer.
    const shifted = new Uint8Array(n + 3);
    shifted.set(bytes, 3);
    assert.is(crc32(shifted.subarray(3)), want, `length ${n} at byte offset 3`);
    // The JS path itself, which engines without a native CRC run.
    assert.is(crc32Final(crc32UpdateTable(CRC32_INIT, shifted, 3, 3 + n)), want, `table path, length ${n}`);
    assert.is(crc32Final(crc32UpdateTable(crc32UpdateTable(CRC32_INIT, bytes, 0, cut), bytes, cut, n)), want, `table path, length ${n} split at ${cut}`);
  }
});

test('crc32: the kernels\' CRC (both builds) matches the definition across its 32 KB copy window', () => {
  const rng = makeRng(12);
  for (const build of BUILDS) {
    const update = kernelCrc32Update(instantiateKernels(build));
    for (const n of [0, 1, 7, 8, 9, 100, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 9, 70001]) {
      const bytes = Uint8Array.from({ length: n + 5 }, () => rng.int(0, 255));
      const body = bytes.subarray(5);
      const want = crc32Bitwise(body);
      assert.is(crc32Final(update(CRC32_INIT, bytes, 5, n + 5)), want, `${build}, length ${n}`);
      const cut = rng.int(0, n);
      assert.is(crc32Final(update(update(CRC32_INIT, body, 0, cut), body, cut, n)), want, `${build}, length ${n} split at ${cut}`);
    }
  }
});

test.run();
