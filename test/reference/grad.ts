// Gradient oracles in f64 for the training kernels: central finite
// differences of a scalar projection of any reference forward function, and
// reference forwards that have no inference counterpart (batch-norm in
// training mode, the losses). Written for clarity; never imports the code
// under test.

/**
 * d/dx of L(x) = sum_i dy[i] * f(x)[i] by central differences,
 * (L(x + h e_j) - L(x - h e_j)) / 2h for every j. In f64 with h = 1e-5 the
 * truncation error (h^2 f''' / 6) and the rounding error (eps / h) are both
 * far below the 1e-3 the checks allow.
 */
export function numericGradient(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, dy: ArrayLike<number>, h = 1e-5): Float64Array {
  const xv = Float64Array.from(x);
  const g = new Float64Array(xv.length);
  const project = () => {
    const y = f(xv);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += dy[i] * y[i];
    return s;
  };
  for (let j = 0; j < xv.length; j++) {
    const keep = xv[j];
    xv[j] = keep + h;
    const up = project();
    xv[j] = keep - h;
    const down = project();
    xv[j] = keep;
    g[j] = (up - down) / (2 * h);
  }
  return g;
}

/** max |got - want| / max |want| (the whole tensor's scale, as assertClose). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Batch-norm with batch statistics over rows of [rows, c] (biased variance). */
export function batchNormTrainRef(x: ArrayLike<number>, rows: number, c: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(rows * c);
  for (let j = 0; j < c; j++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * c + j];
    mean /= rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (x[r * c + j] - mean) ** 2;
    v /= rows;
    for (let r = 0; r < rows; r++) y[r * c + j] = (gamma[j] * (x[r * c + j] - mean)) / Math.sqrt(v + eps) + beta[j];
  }
  return y;
}

/** Mean softmax cross-entropy of logit rows [n, classes] with integer labels. */
/** Mean over rows of -sum_j q_j log softmax(z)_j, q the one-hot label smoothed by `smoothing`. */
export function crossEntropyRef(z: ArrayLike<number>, labels: ArrayLike<number>, n: number, classes: number, smoothing = 0): number {
  let total = 0;
  for (let b = 0; b < n; b++) {
    let m = -Infinity;
    for (let j = 0; j < classes; j++) m = Math.max(m, z[b * classes + j]);
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(z[b * classes + j] - m);
    for (let j = 0; j < classes; j++) {
      const q = (j === labels[b] ? 1 - smoothing : 0) + smoothing / classes;
      total -= q * (z[b * classes + j] - m - Math.log(s));
    }
  }
  return total / n;
}

export function meanSquaredErrorRef(y: ArrayLike<number>, t: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - t[i]) ** 2;
  return s / y.length;
}

/** sum over broadcast dims: x has shape `outShape`, the result `inShape` (right-aligned, dims 1 or equal). */
export function reduceToShapeRef(x: ArrayLike<number>, outShape: number[], inShape: number[]): Float64Array {
  const lead = outShape.length - inShape.length;
  const inFull = [...new Array<number>(lead).fill(1), ...inShape];
  const y = new Float64Array(inShape.reduce((a, b) => a * b, 1));
  const idx = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < outShape.length; d++) o = o * inFull[d] + (inFull[d] === 1 ? 0 : idx[d]);
    y[o] += x[i];
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}
