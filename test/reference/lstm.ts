// Reference LSTM in f64, a plain step loop straight from the ONNX LSTM
// equations (gate order i, o, f, c; f = sigmoid, g = h = tanh; no
// peepholes). Written for clarity; never imports the code under test.
//   i = f(x.Wi + h.Ri + Wbi + Rbi)     o = f(x.Wo + h.Ro + Wbo + Rbo)
//   f = f(x.Wf + h.Rf + Wbf + Rbf)     c~ = g(x.Wc + h.Rc + Wbc + Rbc)
//   c' = f*c + i*c~                     h' = o*h(c')
import type { RecurrentCase, RecurrentResult } from './gru.ts';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export function lstmRef(c: RecurrentCase & { c0: ArrayLike<number> | null }): RecurrentResult {
  const { n, t, inSize: I, hidden: H, x, w, r, bW, bR, h0, c0, reverse } = c;
  const G = 4 * H;
  const sequence = new Float64Array(n * t * H);
  const last = new Float64Array(n * H);
  // Pre-activation of gate column `col` for input row xOff and state h.
  const pre = (xOff: number, h: Float64Array, col: number) => {
    let s = (bW ? bW[col] : 0) + (bR ? bR[col] : 0);
    for (let k = 0; k < I; k++) s += x[xOff + k] * w[k * G + col];
    for (let k = 0; k < H; k++) s += h[k] * r[k * G + col];
    return s;
  };
  for (let b = 0; b < n; b++) {
    let h = new Float64Array(H);
    const cell = new Float64Array(H);
    if (h0) for (let j = 0; j < H; j++) h[j] = h0[b * H + j];
    if (c0) for (let j = 0; j < H; j++) cell[j] = c0[b * H + j];
    for (let step = 0; step < t; step++) {
      const s = reverse ? t - 1 - step : step;
      const xOff = (b * t + s) * I;
      const next = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(pre(xOff, h, j));
        const o = sigmoid(pre(xOff, h, H + j));
        const f = sigmoid(pre(xOff, h, 2 * H + j));
        const cc = Math.tanh(pre(xOff, h, 3 * H + j));
        cell[j] = f * cell[j] + i * cc;
        next[j] = o * Math.tanh(cell[j]);
      }
      h = next;
      sequence.set(h, (b * t + s) * H);
    }
    last.set(h, b * H);
  }
  return { sequence, last };
}
