// Inverted dropout (Srivastava et al. 2014, JMLR 15): in training each value
// is kept with probability 1 - rate and scaled by 1 / (1 - rate), so the
// layer is the identity at inference. The mask is a pure function of
// (seed, index) through a counter-based hash (the murmur3 32-bit finaliser),
// so a run is reproducible from its seed whatever the batch order, and both
// builds draw the same mask.

import { mulF32 } from '../kernels/vector';

// @ts-ignore: decorator
@inline function mix32(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

/**
 * y = x * mask, with mask[i] = 1/(1-rate) when hash(seed, i) >= rate * 2^32,
 * else 0; mask (count floats) is kept for the backward pass.
 */
export function dropoutForwardF32(x: usize, y: usize, mask: usize, count: i32, rate: f32, seed: i32): void {
  const keep: f32 = rate < 1 ? <f32>1 / (<f32>1 - rate) : 0;
  const threshold = <u32>min(<f64>rate * 4294967296.0, 4294967295.0);
  const s = mix32(<u32>seed ^ 0x9e3779b9);
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const m: f32 = mix32(<u32>i * 0x9e3779b1 + s) >= threshold ? keep : 0;
    store<f32>(mask + o, m);
  }
  mulF32(x, mask, y, count);
}

/** dx = dy * mask. */
export function dropoutBackwardF32(dy: usize, mask: usize, dx: usize, count: i32): void {
  mulF32(dy, mask, dx, count);
}
