// Reference pooling and mean in f64, written from the ONNX MaxPool /
// AveragePool definitions (output size, ceil_mode, count_include_pad as ONNX
// Runtime and PyTorch count it). Never imports the code under test.

/** Geometry of a 2-D pool over an NHWC tensor (1-D pooling is h = 1). */
export interface PoolRefGeometry {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; sh: number; sw: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
}

/**
 * Output length of one axis: floor or ceil of (size + pads - k) / s, plus one;
 * in ceil mode a last window starting past the begin pad plus the input is dropped.
 */
export function poolOutputSize(size: number, k: number, s: number, padBegin: number, padEnd: number, ceilMode: boolean): number {
  const q = (size + padBegin + padEnd - k) / s;
  let out = (ceilMode ? Math.ceil(q) : Math.floor(q)) + 1;
  if (ceilMode && (out - 1) * s >= size + padBegin) out--;
  return out;
}

/** TensorFlow SAME padding of one axis: ceil(size / s) outputs, the extra pad at the end. */
export function samePads(size: number, k: number, s: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max(0, (out - 1) * s + k - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function pool(x: ArrayLike<number>, g: PoolRefGeometry, kind: 'max' | 'avg', ceilMode: boolean, countIncludePad: boolean): { y: Float64Array; oh: number; ow: number } {
  const oh = poolOutputSize(g.h, g.kh, g.sh, g.padTop, g.padBottom, ceilMode);
  const ow = poolOutputSize(g.w, g.kw, g.sw, g.padLeft, g.padRight, ceilMode);
  const y = new Float64Array(g.n * oh * ow * g.c);
  for (let b = 0; b < g.n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < g.c; ch++) {
          let best = -Infinity;
          let sum = 0;
          let inside = 0;
          let padded = 0;
          for (let ky = 0; ky < g.kh; ky++) {
            for (let kx = 0; kx < g.kw; kx++) {
              const iy = oy * g.sh - g.padTop + ky;
              const ix = ox * g.sw - g.padLeft + kx;
              // Taps in the explicit padding count for count_include_pad; taps
              // past it (ceil mode's overhang) never do.
              if (iy < g.h + g.padBottom && ix < g.w + g.padRight) padded++;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              const v = x[((b * g.h + iy) * g.w + ix) * g.c + ch];
              best = Math.max(best, v);
              sum += v;
              inside++;
            }
          }
          y[((b * oh + oy) * ow + ox) * g.c + ch] = kind === 'max' ? best : sum / (countIncludePad ? padded : inside);
        }
      }
    }
  }
  return { y, oh, ow };
}

export function maxPool2dRef(x: ArrayLike<number>, g: PoolRefGeometry, ceilMode = false) {
  return pool(x, g, 'max', ceilMode, false);
}

export function avgPool2dRef(x: ArrayLike<number>, g: PoolRefGeometry, countIncludePad: boolean, ceilMode = false) {
  return pool(x, g, 'avg', ceilMode, countIncludePad);
}

/** y[o][i] = mean over l of x[o][l][i]. */
export function meanRef(x: ArrayLike<number>, outer: number, len: number, inner: number): Float64Array {
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let l = 0; l < len; l++) s += x[(o * len + l) * inner + i];
      y[o * inner + i] = s / len;
    }
  }
  return y;
}
