// Reference GRU in f64, a plain step loop straight from the ONNX GRU
// equations (gate order z, r, h; f = sigmoid, g = tanh). Written for clarity;
// never imports the code under test.
//   z  = f(x.Wz + h.Rz + Wbz + Rbz)
//   r  = f(x.Wr + h.Rr + Wbr + Rbr)
//   hh = g(x.Wh + (r*h).Rh + Rbh + Wbh)      linearBeforeReset = false
//   hh = g(x.Wh + r*(h.Rh + Rbh) + Wbh)      linearBeforeReset = true
//   h' = (1-z)*hh + z*h

export interface RecurrentCase {
  n: number;
  t: number;
  inSize: number;
  hidden: number;
  /** [n, t, inSize] */
  x: ArrayLike<number>;
  /** [inSize, G*hidden], row-major, gate blocks side by side. */
  w: ArrayLike<number>;
  /** [hidden, G*hidden] */
  r: ArrayLike<number>;
  bW: ArrayLike<number> | null;
  bR: ArrayLike<number> | null;
  /** [n, hidden] or null for zeros. */
  h0: ArrayLike<number> | null;
  reverse: boolean;
}

export interface RecurrentResult {
  /** [n, t, hidden]: the state after each time position, in time order. */
  sequence: Float64Array;
  /** [n, hidden]: the state after the whole sequence. */
  last: Float64Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** sum_k v[k] * m[k][col] over a row-major matrix with `cols` columns. */
function dotColumn(v: ArrayLike<number>, vOff: number, len: number, m: ArrayLike<number>, cols: number, col: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += v[vOff + k] * m[k * cols + col];
  return s;
}

export function gruRef(c: RecurrentCase & { linearBeforeReset: boolean }): RecurrentResult {
  const { n, t, inSize: I, hidden: H, x, w, r, bW, bR, h0, reverse, linearBeforeReset } = c;
  const G = 3 * H;
  const sequence = new Float64Array(n * t * H);
  const last = new Float64Array(n * H);
  const wb = (j: number) => (bW ? bW[j] : 0);
  const rb = (j: number) => (bR ? bR[j] : 0);
  for (let b = 0; b < n; b++) {
    let h = new Float64Array(H);
    if (h0) for (let j = 0; j < H; j++) h[j] = h0[b * H + j];
    for (let step = 0; step < t; step++) {
      const s = reverse ? t - 1 - step : step;
      const xOff = (b * t + s) * I;
      const z = new Float64Array(H);
      const rg = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        z[j] = sigmoid(dotColumn(x, xOff, I, w, G, j) + dotColumn(h, 0, H, r, G, j) + wb(j) + rb(j));
        rg[j] = sigmoid(dotColumn(x, xOff, I, w, G, H + j) + dotColumn(h, 0, H, r, G, H + j) + wb(H + j) + rb(H + j));
      }
      const rh = h.map((v, j) => rg[j] * v);
      const next = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const col = 2 * H + j;
        const xw = dotColumn(x, xOff, I, w, G, col) + wb(col);
        const hh = linearBeforeReset
          ? Math.tanh(xw + rg[j] * (dotColumn(h, 0, H, r, G, col) + rb(col)))
          : Math.tanh(xw + dotColumn(rh, 0, H, r, G, col) + rb(col));
        next[j] = (1 - z[j]) * hh + z[j] * h[j];
      }
      h = next;
      sequence.set(h, (b * t + s) * H);
    }
    last.set(h, b * H);
  }
  return { sequence, last };
}
