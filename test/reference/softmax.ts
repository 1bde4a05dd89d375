// Reference softmax and log-softmax in f64 over the middle axis of an
// [outer, len, inner] view (ONNX Softmax / LogSoftmax). Shifting by the max
// changes nothing mathematically; it only keeps f64 exp finite for any input.
// Never imports the code under test.

function softmaxAxis(x: ArrayLike<number>, outer: number, len: number, inner: number, log: boolean): Float64Array {
  const y = new Float64Array(outer * len * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (l: number) => (o * len + l) * inner + i;
      let m = -Infinity;
      for (let l = 0; l < len; l++) m = Math.max(m, x[at(l)]);
      let sum = 0;
      for (let l = 0; l < len; l++) sum += Math.exp(x[at(l)] - m);
      for (let l = 0; l < len; l++) y[at(l)] = log ? x[at(l)] - m - Math.log(sum) : Math.exp(x[at(l)] - m) / sum;
    }
  }
  return y;
}

export function softmaxRef(x: ArrayLike<number>, outer: number, len: number, inner: number): Float64Array {
  return softmaxAxis(x, outer, len, inner, false);
}

export function logSoftmaxRef(x: ArrayLike<number>, outer: number, len: number, inner: number): Float64Array {
  return softmaxAxis(x, outer, len, inner, true);
}
