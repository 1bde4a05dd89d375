// Clipping a convolution window to the input, shared by the conv and
// depthwise kernels: padding is never materialised, so each output pixel
// runs only the taps that land inside the input. With dilation d the valid
// taps of a window starting at `origin` are still one contiguous range
// [firstValidTap, endValidTap).

/** Smallest t >= 0 with origin + t*d >= 0. */
// @ts-ignore: decorator
@inline export function firstValidTap(origin: i32, d: i32): i32 {
  return origin >= 0 ? 0 : (-origin + d - 1) / d;
}

/** One past the largest t < taps with origin + t*d < size (<= 0 when none). */
// @ts-ignore: decorator
@inline export function endValidTap(origin: i32, d: i32, size: i32, taps: i32): i32 {
  const room = size - origin;
  return room <= 0 ? 0 : min(taps, (room + d - 1) / d);
}
