// Max and average pooling over NHWC images (1-D signals are images with
// h = 1), and the mean over one axis that global average pooling and the
// mean over time reduce to.
//
// Channels are contiguous in NHWC, so each output pixel is computed 4
// channels at a time with the window's taps accumulated in registers; the
// last c % 4 channels go through the scalar loop, which is also the whole
// scalar build. Windows are clipped to the input up front: padded taps are
// never read, so padding costs nothing and the max never sees a fake value.

export function maxPool2dF32(
  x: usize, n: i32, h: i32, w: i32, c: i32, y: usize, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
): void {
  const pixel = <usize>c << 2;
  const rowBytes = <usize>w * pixel;
  let out = y;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy = oy * sh - padTop;
      const ky0 = max(0, -iy);
      const ky1 = min(kh, h - iy);
      for (let ox = 0; ox < ow; ox++) {
        const ix = ox * sw - padLeft;
        const kx0 = max(0, -ix);
        const kx1 = min(kw, w - ix);
        const win = xb + <usize>(iy + ky0) * rowBytes + <usize>(ix + kx0) * pixel;
        maxWindow(win, rowBytes, pixel, ky1 - ky0, kx1 - kx0, c, out);
        out += pixel;
      }
    }
  }
}

/**
 * Average pooling. With countIncludePad = 0 the divisor is the number of
 * taps inside the input; with 1 it also counts the explicit padding but not
 * the overhang past the end padding that ceil mode adds (ONNX AveragePool
 * count_include_pad, as ONNX Runtime and PyTorch compute it), which is why
 * this kernel also takes the bottom and right pads.
 */
export function avgPool2dF32(
  x: usize, n: i32, h: i32, w: i32, c: i32, y: usize, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
  padBottom: i32, padRight: i32, countIncludePad: i32,
): void {
  const pixel = <usize>c << 2;
  const rowBytes = <usize>w * pixel;
  let out = y;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowBytes;
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
        const win = xb + <usize>(iy + ky0) * rowBytes + <usize>(ix + kx0) * pixel;
        sumWindow(win, rowBytes, pixel, rows, cols, c, out, <f32>count);
        out += pixel;
      }
    }
  }
}

function maxWindow(win: usize, rowBytes: usize, pixel: usize, rows: i32, cols: i32, c: i32, out: usize): void {
  let ch = 0;
  if (ASC_FEATURE_SIMD) {
    for (; ch + 4 <= c; ch += 4) {
      let acc = f32x4.splat(-Infinity);
      let row = win + (<usize>ch << 2);
      for (let r = 0; r < rows; r++) {
        let p = row;
        for (let q = 0; q < cols; q++) {
          acc = f32x4.max(acc, v128.load(p));
          p += pixel;
        }
        row += rowBytes;
      }
      v128.store(out + (<usize>ch << 2), acc);
    }
  }
  for (; ch < c; ch++) {
    let acc = <f32>-Infinity;
    let row = win + (<usize>ch << 2);
    for (let r = 0; r < rows; r++) {
      let p = row;
      for (let q = 0; q < cols; q++) {
        acc = max(acc, load<f32>(p));
        p += pixel;
      }
      row += rowBytes;
    }
    store<f32>(out + (<usize>ch << 2), acc);
  }
}

function sumWindow(win: usize, rowBytes: usize, pixel: usize, rows: i32, cols: i32, c: i32, out: usize, count: f32): void {
  let ch = 0;
  if (ASC_FEATURE_SIMD) {
    const vcount = f32x4.splat(count);
    for (; ch + 4 <= c; ch += 4) {
      let acc = f32x4.splat(0);
      let row = win + (<usize>ch << 2);
      for (let r = 0; r < rows; r++) {
        let p = row;
        for (let q = 0; q < cols; q++) {
          acc = f32x4.add(acc, v128.load(p));
          p += pixel;
        }
        row += rowBytes;
      }
      v128.store(out + (<usize>ch << 2), f32x4.div(acc, vcount));
    }
  }
  for (; ch < c; ch++) {
    let acc: f32 = 0;
    let row = win + (<usize>ch << 2);
    for (let r = 0; r < rows; r++) {
      let p = row;
      for (let q = 0; q < cols; q++) {
        acc += load<f32>(p);
        p += pixel;
      }
      row += rowBytes;
    }
    store<f32>(out + (<usize>ch << 2), acc / count);
  }
}

/**
 * y[o][i] = mean over l of x[o][l][i], for an [outer, len, inner] view:
 * global average pooling is [N, H*W, C], the mean over time [N, T, C].
 * y must not overlap x (it holds the running sums).
 */
export function meanF32(x: usize, outer: i32, len: i32, inner: i32, y: usize): void {
  const divisor = <f32>len;
  if (inner == 1) {
    // Contiguous rows: a horizontal sum per output.
    for (let o = 0; o < outer; o++) {
      const row = x + (<usize>o * <usize>len << 2);
      let i = 0;
      let sum: f32 = 0;
      if (ASC_FEATURE_SIMD) {
        let acc = f32x4.splat(0);
        for (; i + 4 <= len; i += 4) acc = f32x4.add(acc, v128.load(row + (<usize>i << 2)));
        sum = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      }
      for (; i < len; i++) sum += load<f32>(row + (<usize>i << 2));
      store<f32>(y + (<usize>o << 2), sum / divisor);
    }
    return;
  }
  // Rows of `inner` floats are added into y one after another: unit-stride
  // streams over x, whatever len is.
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * <usize>len * rowBytes;
    const yo = y + <usize>o * rowBytes;
    memory.copy(yo, xo, rowBytes);
    for (let l = 1; l < len; l++) addRow(yo, xo + <usize>l * rowBytes, inner);
    scaleRow(yo, inner, divisor);
  }
}

function addRow(acc: usize, src: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(acc + o, f32x4.add(v128.load(acc + o), v128.load(src + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(src + o));
  }
}

function scaleRow(acc: usize, count: i32, divisor: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vd = f32x4.splat(divisor);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(acc + o, f32x4.div(v128.load(acc + o), vd));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) / divisor);
  }
}
