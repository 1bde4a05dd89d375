// Gradients of broadcast element-wise ops: the gradient of an operand that
// was broadcast is the sum of the output gradient over the broadcast dims
// (NumPy broadcasting read backwards). The host describes the reduction once,
// as the output shape and the operand's strides (0 on broadcast dims) after
// merging dims (ops/shape.ts collapseDims), exactly as for binaryF32.

import { accumulateF32 } from '../kernels/vector';

const MAX_RANK: i32 = 6;
const counters: usize = memory.data(MAX_RANK * 4, 16);

/**
 * y[idx . yStrides] += x[idx] over `shape` (x contiguous), after zeroing the
 * yCount floats of y. desc: shape[rank] then yStrides[rank] (i32 words).
 */
export function reduceBroadcastF32(x: usize, y: usize, yCount: i32, rank: i32, desc: usize): void {
  memory.fill(y, 0, <usize>yCount << 2);
  const last = rank - 1;
  const len = load<i32>(desc + (<usize>last << 2));
  const stride = load<i32>(desc + (<usize>(rank + last) << 2));
  for (let d = 0; d < last; d++) store<i32>(counters + (<usize>d << 2), 0);
  let src = x;
  for (;;) {
    let yo: usize = 0;
    for (let d = 0; d < last; d++) yo += <usize>(load<i32>(counters + (<usize>d << 2)) * load<i32>(desc + (<usize>(rank + d) << 2)));
    const dst = y + (yo << 2);
    if (stride == 1) accumulateF32(src, dst, len);
    else if (stride == 0) store<f32>(dst, load<f32>(dst) + rowSum(src, len));
    else for (let i = 0; i < len; i++) store<f32>(dst + (<usize>(i * stride) << 2), load<f32>(dst + (<usize>(i * stride) << 2)) + load<f32>(src + (<usize>i << 2)));
    src += <usize>len << 2;
    // Odometer over the outer dims.
    let d = last - 1;
    for (; d >= 0; d--) {
      const p = counters + (<usize>d << 2);
      const v = load<i32>(p) + 1;
      if (v < load<i32>(desc + (<usize>d << 2))) {
        store<i32>(p, v);
        break;
      }
      store<i32>(p, 0);
    }
    if (d < 0) return;
  }
}

function rowSum(x: usize, len: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= len; i += 4) acc = f32x4.add(acc, v128.load(x + (<usize>i << 2)));
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < len; i++) s += load<f32>(x + (<usize>i << 2));
  return s;
}
