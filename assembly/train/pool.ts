// Backward of pooling and means (channels-last; 1-D pooling is h = 1).
//   max: the gradient goes to the tap that won the forward max (the first
//        one on ties, as the forward f32x4.max / max scan keeps the first);
//        the argmax is recomputed from x, so training needs no index tensor;
//   avg: dy / count spread over the window, count as in the forward kernel;
//   mean: dy / len broadcast over the reduced axis.

/** dx += routing of dy through the max of each window; dx is zeroed first. */
export function maxPool2dBackwardF32(
  x: usize, n: i32, h: i32, w: i32, c: i32, dy: usize, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, dx: usize,
): void {
  const pixel = <usize>c << 2;
  const rowBytes = <usize>w * pixel;
  memory.fill(dx, 0, <usize>n * <usize>h * rowBytes);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const off = <usize>b * <usize>h * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy = oy * sh - padTop;
      const ky0 = max(0, -iy);
      const ky1 = min(kh, h - iy);
      for (let ox = 0; ox < ow; ox++) {
        const ix = ox * sw - padLeft;
        const kx0 = max(0, -ix);
        const kx1 = min(kw, w - ix);
        const win = off + <usize>(iy + ky0) * rowBytes + <usize>(ix + kx0) * pixel;
        routeMax(x + win, dx + win, rowBytes, pixel, ky1 - ky0, kx1 - kx0, c, g);
        g += pixel;
      }
    }
  }
}

function routeMax(win: usize, dwin: usize, rowBytes: usize, pixel: usize, rows: i32, cols: i32, c: i32, g: usize): void {
  let ch = 0;
  if (ASC_FEATURE_SIMD) {
    // Per lane: the best value and the byte offset of its tap; a strictly
    // greater value replaces them, so the first maximum wins.
    for (; ch + 4 <= c; ch += 4) {
      const co = <usize>ch << 2;
      let best = f32x4.splat(-Infinity);
      let where = i32x4.splat(0);
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < cols; q++) {
          const o = <usize>r * rowBytes + <usize>q * pixel;
          const v = v128.load(win + o + co);
          const gt = f32x4.gt(v, best);
          best = v128.bitselect(v, best, gt);
          where = v128.bitselect(i32x4.splat(<i32>o), where, gt);
        }
      }
      const d = dwin + co;
      const gp = g + co;
      let o0 = <usize>i32x4.extract_lane(where, 0);
      store<f32>(d + o0, load<f32>(d + o0) + load<f32>(gp));
      o0 = <usize>i32x4.extract_lane(where, 1);
      store<f32>(d + o0, load<f32>(d + o0, 4) + load<f32>(gp, 4), 4);
      o0 = <usize>i32x4.extract_lane(where, 2);
      store<f32>(d + o0, load<f32>(d + o0, 8) + load<f32>(gp, 8), 8);
      o0 = <usize>i32x4.extract_lane(where, 3);
      store<f32>(d + o0, load<f32>(d + o0, 12) + load<f32>(gp, 12), 12);
    }
  }
  for (; ch < c; ch++) {
    const co = <usize>ch << 2;
    let best = <f32>-Infinity;
    let at: usize = 0;
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const o = <usize>r * rowBytes + <usize>q * pixel;
        const v = load<f32>(win + o + co);
        if (v > best) {
          best = v;
          at = o;
        }
      }
    }
    const d = dwin + at + co;
    store<f32>(d, load<f32>(d) + load<f32>(g + co));
  }
}

/** dx = the gradient of avgPool2dF32 (same arguments); dx is zeroed first. */
export function avgPool2dBackwardF32(
  dy: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
  padBottom: i32, padRight: i32, countIncludePad: i32, dx: usize,
): void {
  const pixel = <usize>c << 2;
  const rowBytes = <usize>w * pixel;
  memory.fill(dx, 0, <usize>n * <usize>h * rowBytes);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const off = dx + <usize>b * <usize>h * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy = oy * sh - padTop;
      const ky0 = max(0, -iy);
      const ky1 = min(kh, h - iy);
      const padRows = min(kh, h + padBottom - iy);
      for (let ox = 0; ox < ow; ox++) {
        const ix = ox * sw - padLeft;
        const kx0 = max(0, -ix);
        const kx1 = min(kw, w - ix);
        const rows = ky1 - ky0;
        const cols = kx1 - kx0;
        const count = countIncludePad ? padRows * min(kw, w + padRight - ix) : rows * cols;
        const inv = <f32>1 / <f32>count;
        const win = off + <usize>(iy + ky0) * rowBytes + <usize>(ix + kx0) * pixel;
        for (let r = 0; r < rows; r++) {
          for (let q = 0; q < cols; q++) addScaled(win + <usize>r * rowBytes + <usize>q * pixel, g, inv, c);
        }
        g += pixel;
      }
    }
  }
}

/** dx[o][l][i] = dy[o][i] / len: the gradient of meanF32 over an [outer, len, inner] view. */
export function meanBackwardF32(dy: usize, outer: i32, len: i32, inner: i32, dx: usize): void {
  const inv = <f32>1 / <f32>len;
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const src = dy + <usize>o * rowBytes;
    const dst = dx + <usize>o * <usize>len * rowBytes;
    for (let l = 0; l < len; l++) scaleInto(dst + <usize>l * rowBytes, src, inv, inner);
  }
}

/** acc[i] += src[i] * s. */
function addScaled(acc: usize, src: usize, s: f32, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(v128.load(src + o), vs)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(src + o) * s);
  }
}

/** dst[i] = src[i] * s. */
function scaleInto(dst: usize, src: usize, s: f32, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.mul(v128.load(src + o), vs));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o) * s);
  }
}
