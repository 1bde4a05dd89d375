// Reference dense layer in f64: y[m][n] = act(sum_k x[m][k] w[k][n] + b[n]).
// Written for clarity; never imports the code under test.
import { applyActivation, type ActivationSpec } from './activation.ts';

export function denseRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, m: number, n: number, k: number, act: ActivationSpec = { kind: 'none' }): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = b ? b[j] : 0;
      for (let p = 0; p < k; p++) s += x[i * k + p] * w[p * n + j];
      y[i * n + j] = applyActivation(s, act);
    }
  }
  return y;
}
