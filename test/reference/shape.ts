// Reference data movement (transpose, ONNX slice, concat, split) by plain
// index arithmetic. Values are copied, so results must match exactly.
// Written for clarity; never imports the code under test.

export interface Nd {
  shape: number[];
  data: Float32Array;
}

function count(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Multi-index of flat index i in row-major `shape`. */
function unflatten(i: number, shape: number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function flatten(idx: number[], shape: number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

/** out[i_0..i_r] = x[j] with j[perm[d]] = i_d. */
export function transposeRef(x: Nd, perm: number[]): Nd {
  const shape = perm.map((p) => x.shape[p]);
  const data = new Float32Array(count(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unflatten(i, shape);
    const src = new Array(x.shape.length);
    perm.forEach((p, d) => (src[p] = idx[d]));
    data[i] = x.data[flatten(src, x.shape)];
  }
  return { shape, data };
}

/**
 * The input indices one ONNX Slice axis visits (onnx/docs/Operators.md#Slice):
 * negative start/end count from the end; start clamps to [0, dim] (forward)
 * or [0, dim - 1] (backward), end to [0, dim] or [-1, dim - 1].
 */
export function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  const out: number[] = [];
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
    for (let i = start; i < end; i += step) out.push(i);
  } else {
    start = Math.min(Math.max(start, 0), dim - 1);
    end = Math.min(Math.max(end, -1), dim - 1);
    for (let i = start; i > end; i += step) out.push(i);
  }
  return out;
}

export function sliceRef(x: Nd, starts: number[], ends: number[], axes: number[], steps: number[]): Nd {
  const r = x.shape.length;
  const visit = x.shape.map((d) => [...Array(d).keys()]);
  axes.forEach((a, i) => {
    const axis = a < 0 ? a + r : a;
    visit[axis] = sliceIndices(x.shape[axis], starts[i], ends[i], steps[i]);
  });
  const shape = visit.map((v) => v.length);
  const data = new Float32Array(count(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unflatten(i, shape);
    data[i] = x.data[flatten(idx.map((j, d) => visit[d][j]), x.shape)];
  }
  return { shape, data };
}

export function concatRef(parts: Nd[], axis: number): Nd {
  const r = parts[0].shape.length;
  const a = axis < 0 ? axis + r : axis;
  const shape = [...parts[0].shape];
  shape[a] = parts.reduce((s, p) => s + p.shape[a], 0);
  const data = new Float32Array(count(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unflatten(i, shape);
    let k = 0;
    let j = idx[a];
    while (j >= parts[k].shape[a]) j -= parts[k++].shape[a];
    const src = [...idx];
    src[a] = j;
    data[i] = parts[k].data[flatten(src, parts[k].shape)];
  }
  return { shape, data };
}

export function splitRef(x: Nd, axis: number, sizes: number[]): Nd[] {
  const a = axis < 0 ? axis + x.shape.length : axis;
  let first = 0;
  return sizes.map((size) => {
    const shape = [...x.shape];
    shape[a] = size;
    const data = new Float32Array(count(shape));
    for (let i = 0; i < data.length; i++) {
      const idx = unflatten(i, shape);
      idx[a] += first;
      data[i] = x.data[flatten(idx, x.shape)];
    }
    first += size;
    return { shape, data };
  });
}
