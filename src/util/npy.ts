// NumPy .npy arrays (format versions 1-3, little-endian, C order): the
// interchange format for sensor windows and model outputs. Spec: numpy's
// "A Simple File Format for NumPy Arrays" (NEP 1).
import { fail } from '../errors.ts';

export interface NpyArray {
  data: Float32Array;
  shape: number[];
  /** The dtype in the file, before conversion to f32. */
  descr: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads a numeric .npy and converts it to f32. */
export function readNpy(bytes: Uint8Array, file = '(buffer)'): NpyArray {
  const where = { file };
  if (!isNpy(bytes)) fail('IO_FILE', 'not a .npy file', { where, expected: 'magic \\x93NUMPY', found: JSON.stringify(String.fromCharCode(...bytes.slice(0, 6))) });
  if (bytes.length < 10) fail('IO_FILE', '.npy header is truncated', { where: { ...where, offset: bytes.length } });
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('IO_FILE', '.npy header is truncated', { where: { ...where, offset: bytes.length } });
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail('IO_FILE', 'unsupported .npy format version', { where: { ...where, offset: 6 }, expected: '1, 2 or 3', found: major });
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail('IO_FILE', '.npy header runs past the end of the file', { where: { ...where, offset: headerStart }, expected: `${dataStart} bytes`, found: bytes.length });
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) fail('IO_FILE', '.npy header lacks descr, fortran_order or shape', { where: { ...where, offset: headerStart }, found: header.trim() });
  if (fortran === 'True') fail('IO_FILE', 'Fortran-order .npy arrays are not supported; save with np.ascontiguousarray', { where });
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail('IO_FILE', '.npy shape is not a tuple of non-negative integers', { where, found: `(${shapeText})` });
  const count = shape.reduce((a, b) => a * b, 1);
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f4': [4, (o) => dv.getFloat32(o, true)],
    '<f8': [8, (o) => dv.getFloat64(o, true)],
    '<f2': [2, (o) => halfToFloat(dv.getUint16(o, true))],
    '|i1': [1, (o) => dv.getInt8(o)],
    '|u1': [1, (o) => dv.getUint8(o)],
    '<i2': [2, (o) => dv.getInt16(o, true)],
    '<i4': [4, (o) => dv.getInt32(o, true)],
    '<i8': [8, (o) => Number(dv.getBigInt64(o, true))],
  };
  const reader = readers[descr];
  if (!reader) fail('IO_FILE', `unsupported .npy dtype ${descr}`, { where, expected: Object.keys(readers).join(', '), found: descr });
  const [size, get] = reader;
  if (dataStart + count * size > bytes.length) {
    fail('IO_FILE', '.npy data is shorter than its shape says', { where: { ...where, offset: dataStart }, expected: `${count * size} bytes`, found: `${bytes.length - dataStart} bytes` });
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = get(dataStart + i * size);
  return { data, shape, descr };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Writes an f32 array as a version-1 .npy. */
export function writeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so the data starts on a 64-byte boundary, newline-terminated (NEP 1).
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const dv = new DataView(out.buffer, total);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}
