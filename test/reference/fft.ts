// Reference real-input DFT per interval, straight from the definition in f64:
// y[n, i, b, 2c + r] = scale * sum_t x[n, i L + t, c] * (r = 0: cos, r = 1: -sin)(2 pi b t / L).
// Written for clarity; never imports the code under test.

export function fftRef(x: ArrayLike<number>, n: number, intervals: number, length: number, c: number, scale = 1): Float64Array {
  const bins = Math.floor(length / 2) + 1;
  const y = new Float64Array(n * intervals * bins * 2 * c);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < intervals; i++) {
      for (let b = 0; b < bins; b++) {
        for (let ch = 0; ch < c; ch++) {
          let re = 0;
          let im = 0;
          for (let t = 0; t < length; t++) {
            const v = x[(s * intervals * length + i * length + t) * c + ch];
            const angle = (2 * Math.PI * b * t) / length;
            re += v * Math.cos(angle);
            im -= v * Math.sin(angle);
          }
          const o = (((s * intervals + i) * bins + b) * c + ch) * 2;
          y[o] = scale * re;
          y[o + 1] = scale * im;
        }
      }
    }
  }
  return y;
}
