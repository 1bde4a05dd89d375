// The multiply-add the SIMD kernels accumulate with (GEMM tiles, depthwise,
// LSTM cell). Not exported from the module: only the kernels inline it.

/**
 * a * b + c on four lanes. The relaxed-SIMD build (wasm/tinysense.relaxed.wasm)
 * emits f32x4.relaxed_madd, which engines lower to one fused multiply-add
 * where the CPU has one (rounding once instead of twice; the relaxed-SIMD
 * proposal lets the engine pick either). The SIMD build keeps the multiply
 * and the add, so its results do not change.
 */
// @ts-ignore: decorator
@inline export function mulAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
