// The runtime module's ABI: plain numbers and byte offsets into linear
// memory, the same exports in the SIMD and the scalar build. The host owns
// the memory layout (weights, arena, scratch) above heapBase(); kernels never
// allocate. The training module (assembly/training.ts) is this one plus the
// backward kernels, so inference ships without them.

import "./abort";

export function heapBase(): usize {
  return __heap_base;
}

/** 1 in the SIMD build, 0 in the scalar twin (lets the host verify which it loaded). */
export function simdBuild(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

/** 1 in the relaxed-SIMD build (fused multiply-add), 0 in the others. */
export function relaxedSimdBuild(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

export { runPlan, runOp } from './run';
export * from './kernels/activation';
export * from './kernels/pool';
export * from './kernels/dense';
export * from './kernels/conv';
export * from './kernels/depthwise';
export * from './kernels/elementwise';
export * from './kernels/copy';
export * from './kernels/vector';
export * from './kernels/gru';
export * from './kernels/lstm';
export * from './kernels/fft';
export * from './kernels/crc32';
