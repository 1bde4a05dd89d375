// Layout bookkeeping. ONNX tensors are channels-first (NCL, NCHW); the IR is
// channels-last. Rather than transposing around every op, each imported
// value remembers how its IR tensor is laid out relative to the ONNX tensor:
//   stored = transpose(onnx, perm), i.e. stored dim k is ONNX dim perm[k].
// An ONNX Transpose then only changes the perm (no data moves), ops that
// need a layout (conv: channels-last) ask for it, and a real transpose is
// inserted only where the layout actually has to change. Two perms that
// order the non-1 dims alike describe the same bytes: switching between
// them is a free reshape.

export function identityPerm(rank: number): number[] {
  return [...Array(rank).keys()];
}

/** NC... -> N...C: [0, 2, 3, ..., rank-1, 1]. */
export function channelsLastPerm(rank: number): number[] {
  return rank < 3 ? identityPerm(rank) : [0, ...identityPerm(rank).slice(2), 1];
}

export function invertPerm(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
}

/** transpose(transpose(x, a), b) = transpose(x, composePerm(a, b)). */
export function composePerm(a: readonly number[], b: readonly number[]): number[] {
  return b.map((k) => a[k]);
}

export function permuteShape(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.map((k) => shape[k]);
}

export function isIdentityPerm(p: readonly number[]): boolean {
  return p.every((v, i) => v === i);
}

/** The ONNX dims of size > 1 in the order the stored tensor holds them. */
function storedOrder(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.filter((k) => shape[k] !== 1);
}

/** Do two layouts of the same ONNX shape hold the same bytes in the same order? */
export function sameBytes(shape: readonly number[], a: readonly number[], b: readonly number[]): boolean {
  const x = storedOrder(shape, a);
  const y = storedOrder(shape, b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The layout of an ONNX reshape from `from` (stored with `perm`) to `to`
 * that keeps the stored bytes where they are, or undefined when the
 * reshape mixes dims the stored layout keeps apart (then the value has to
 * be brought to the ONNX order first). The dims of size > 1 on both sides
 * are cut into groups of equal products; each group of `from` must sit
 * in the stored layout as one run in ONNX order, and the groups of `to`
 * take the same places.
 */
export function reshapePerm(from: readonly number[], perm: readonly number[], to: readonly number[]): number[] | undefined {
  if (from.includes(0) || to.includes(0)) return undefined;
  const a = identityPerm(from.length).filter((k) => from[k] !== 1);
  const b = identityPerm(to.length).filter((k) => to[k] !== 1);
  const groups: { a: number[]; b: number[] }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const g = { a: [a[i]], b: [b[j]] };
    let pa = from[a[i++]];
    let pb = to[b[j++]];
    while (pa !== pb) {
      if (pa < pb) {
        if (i >= a.length) return undefined;
        g.a.push(a[i]);
        pa *= from[a[i++]];
      } else {
        if (j >= b.length) return undefined;
        g.b.push(b[j]);
        pb *= to[b[j++]];
      }
    }
    groups.push(g);
  }
  if (i !== a.length || j !== b.length) return undefined;
  const stored = storedOrder(from, perm);
  const position = new Map(stored.map((k, s) => [k, s]));
  const placed = groups.map((g) => {
    const start = position.get(g.a[0])!;
    return g.a.every((k, n) => position.get(k) === start + n) ? start : -1;
  });
  if (placed.includes(-1)) return undefined;
  const order = groups.map((_, n) => n).sort((x, y) => placed[x] - placed[y]);
  const nonOne = order.flatMap((n) => groups[n].b);
  if (nonOne.every((k, n) => n === 0 || k > nonOne[n - 1])) return identityPerm(to.length);
  return [...identityPerm(to.length).filter((k) => to[k] === 1), ...nonOne];
}

/** Row-major transpose of constant data: out = transpose(data of `shape`, perm). */
export function transposeData<T extends Float32Array | Float64Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const out = new (data.constructor as { new (n: number): T })(data.length);
  if (isIdentityPerm(perm)) {
    out.set(data);
    return out;
  }
  const inStrides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = acc;
    acc *= shape[d];
  }
  const outShape = permuteShape(shape, perm);
  const src = perm.map((p) => inStrides[p]);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let d = 0; d < rank; d++) s += idx[d] * src[d];
    out[o] = data[s];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}
