// Losses and their gradients, fused so the trainer needs one call per batch.
//   softmax cross-entropy over logits [n][classes] with integer labels, the
//   target smoothed by s (label smoothing, Szegedy et al. 2016, sec. 7):
//     q = (1 - s) onehot + s / classes
//     loss = -mean_b sum_j q_j log softmax(z_b)_j,  dz = (softmax(z) - q) * scale
//   mean-squared error: loss = mean((y - t)^2),  dy = 2 (y - t) * scale
// `scale` is 1/n for a plain batch mean (the host passes it, so weighted or
// accumulated batches need no other kernel). Losses are summed in f64.

/**
 * Returns the mean cross-entropy of the rows; writes softmax rows to probs
 * (0: not wanted) and the logit gradients to dz (0: not wanted). labels are
 * i32 class indices.
 */
export function softmaxCrossEntropyF32(z: usize, labels: usize, n: i32, classes: i32, probs: usize, dz: usize, scale: f32, smoothing: f32): f64 {
  let total: f64 = 0;
  const spread = <f64>smoothing / <f64>classes;
  const keep = 1 - <f64>smoothing;
  for (let b = 0; b < n; b++) {
    const row = z + ((<usize>b * <usize>classes) << 2);
    let m = <f32>-Infinity;
    for (let j = 0; j < classes; j++) m = max(m, load<f32>(row + (<usize>j << 2)));
    let sum: f64 = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(<f64>(load<f32>(row + (<usize>j << 2)) - m));
    const label = load<i32>(labels + (<usize>b << 2));
    const logSum = Math.log(sum);
    // -sum_j q_j log p_j = logSum - sum_j q_j (z_j - m)
    let targetDot = keep * <f64>(load<f32>(row + (<usize>label << 2)) - m);
    if (spread != 0) for (let j = 0; j < classes; j++) targetDot += spread * <f64>(load<f32>(row + (<usize>j << 2)) - m);
    total += logSum - targetDot;
    if (probs == 0 && dz == 0) continue;
    const inv = 1 / sum;
    for (let j = 0; j < classes; j++) {
      const o = ((<usize>b * <usize>classes + <usize>j) << 2);
      const p = <f32>(Math.exp(<f64>(load<f32>(row + (<usize>j << 2)) - m)) * inv);
      if (probs != 0) store<f32>(probs + o, p);
      if (dz != 0) store<f32>(dz + o, <f32>(<f64>p - (j == label ? keep : 0) - spread) * scale);
    }
  }
  return n > 0 ? total / <f64>n : 0;
}

/** Returns mean((y - t)^2) over count values; dy = 2 (y - t) * scale (0: not wanted). */
export function meanSquaredErrorF32(y: usize, t: usize, count: i32, dy: usize, scale: f32): f64 {
  let total: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const two = f32x4.splat(2 * scale);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.sub(v128.load(y + o), v128.load(t + o));
      const sq = f32x4.mul(d, d);
      total += <f64>f32x4.extract_lane(sq, 0) + <f64>f32x4.extract_lane(sq, 1) + <f64>f32x4.extract_lane(sq, 2) + <f64>f32x4.extract_lane(sq, 3);
      if (dy != 0) v128.store(dy + o, f32x4.mul(d, two));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(y + o) - load<f32>(t + o);
    total += <f64>d * <f64>d;
    if (dy != 0) store<f32>(dy + o, 2 * d * scale);
  }
  return count > 0 ? total / <f64>count : 0;
}
