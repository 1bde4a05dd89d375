// Reference element-wise binary ops with NumPy broadcasting, in f64, by plain
// index arithmetic: for every output index, each input is read at the same
// index right-aligned, with broadcast dims (size 1) pinned to 0.
// Written for clarity; never imports the code under test.

export type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

export const BINARY_NAMES: BinaryName[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];

export function applyBinary(op: BinaryName, x: number, y: number): number {
  switch (op) {
    case 'add': return x + y;
    case 'sub': return x - y;
    case 'mul': return x * y;
    case 'div': return x / y;
    case 'max': return Math.max(x, y);
    case 'min': return Math.min(x, y);
  }
}

/** The broadcast output shape, or null when the shapes are incompatible. */
export function broadcastRef(a: number[], b: number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const pa = [...Array(rank - a.length).fill(1), ...a];
  const pb = [...Array(rank - b.length).fill(1), ...b];
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (pa[i] !== pb[i] && pa[i] !== 1 && pb[i] !== 1) return null;
    out.push(Math.max(pa[i], pb[i]));
  }
  return out;
}

/** Flat index into `shape` of output index `idx` (right-aligned, size-1 dims broadcast). */
function readIndex(shape: number[], idx: number[]): number {
  const lead = idx.length - shape.length;
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : idx[lead + d]);
  return flat;
}

export function binaryRef(op: BinaryName, a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[]): { shape: number[]; data: Float64Array } {
  const shape = broadcastRef(aShape, bShape);
  if (!shape) throw new Error(`reference: [${aShape}] and [${bShape}] do not broadcast`);
  const total = shape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(total);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < total; i++) {
    let rest = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    data[i] = applyBinary(op, a[readIndex(aShape, idx)], b[readIndex(bShape, idx)]);
  }
  return { shape, data };
}
