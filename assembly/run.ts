// The in-wasm plan interpreter. The host compiles a model into a compact op
// list once (src/schedule); one call to runPlan then executes a whole
// inference, so JS/wasm crossings do not grow with the number of layers.
//
// Record layout (i32 words): [opcode, wordCount, arg0, arg1, ...]. Pointers
// are byte offsets, floats are stored as their f32 bit patterns. Records are
// built and checked by the host, so nothing here re-validates them.

import * as op from './opcodes';
import { denseF32 } from './kernels/dense';

// @ts-ignore: decorator
@inline function argI(rec: usize, i: i32): i32 {
  return load<i32>(rec + 8 + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function argP(rec: usize, i: i32): usize {
  return <usize>load<u32>(rec + 8 + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function argF(rec: usize, i: i32): f32 {
  return load<f32>(rec + 8 + (<usize>i << 2));
}

/** Runs the record at `rec` and returns the address of the next one. */
export function runOp(rec: usize): usize {
  const code = load<i32>(rec);
  switch (code) {
    case op.OP_DENSE: {
      denseF32(argP(rec, 0), argP(rec, 1), argP(rec, 2), argI(rec, 3), argI(rec, 4), argI(rec, 5), argI(rec, 6), argF(rec, 7), argF(rec, 8));
      break;
    }
    default: unreachable();
  }
  return rec + (<usize>load<i32>(rec, 4) << 2);
}

/** Runs `count` consecutive records starting at `rec`. */
export function runPlan(rec: usize, count: i32): void {
  for (let i = 0; i < count; i++) rec = runOp(rec);
}
