// The in-wasm plan interpreter. The host compiles a model into a compact op
// list once (src/schedule); one call to runPlan then executes a whole
// inference, so JS/wasm crossings do not grow with the number of layers.
//
// Record layout (i32 words): [opcode, wordCount, arg0, arg1, ...]. Pointers
// are byte offsets, floats are stored as their f32 bit patterns. Records are
// built and checked by the host, so nothing here re-validates them.

import * as op from './opcodes';
import { denseF32 } from './kernels/dense';
import { conv2dF32 } from './kernels/conv';
import { depthwiseConv2dF32 } from './kernels/depthwise';
import { activationF32, softmaxF32, logSoftmaxF32 } from './kernels/activation';
import { maxPool2dF32, avgPool2dF32, meanF32 } from './kernels/pool';
import { binaryF32 } from './kernels/elementwise';
import { copyStridedF32, transposeF32 } from './kernels/copy';
import { gruF32 } from './kernels/gru';
import { lstmF32 } from './kernels/lstm';
import { fftF32 } from './kernels/fft';

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
    case op.OP_GRU: {
      gruF32(argP(rec, 0), argP(rec, 1), argP(rec, 2), argP(rec, 3), argP(rec, 4), argP(rec, 5), argI(rec, 6), argI(rec, 7), argI(rec, 8), argI(rec, 9), argI(rec, 10), argI(rec, 11), argI(rec, 12));
      break;
    }
    case op.OP_LSTM: {
      lstmF32(argP(rec, 0), argP(rec, 1), argP(rec, 2), argP(rec, 3), argP(rec, 4), argP(rec, 5), argP(rec, 6), argI(rec, 7), argI(rec, 8), argI(rec, 9), argI(rec, 10), argI(rec, 11), argI(rec, 12));
      break;
    }
    // Descriptors sit inline after the fixed args; kernels read them in place.
    case op.OP_BINARY: binaryF32(argI(rec, 0), argP(rec, 1), argP(rec, 2), argP(rec, 3), argI(rec, 4), rec + 8 + (5 << 2)); break;
    case op.OP_COPY_STRIDED: copyStridedF32(argP(rec, 0), argP(rec, 1), argI(rec, 2), rec + 8 + (3 << 2)); break;
    case op.OP_TRANSPOSE: transposeF32(argP(rec, 0), argP(rec, 1), argI(rec, 2), rec + 8 + (3 << 2)); break;
    case op.OP_MAX_POOL2D: maxPool2dF32(argP(rec, 0), argI(rec, 1), argI(rec, 2), argI(rec, 3), argI(rec, 4), argP(rec, 5), argI(rec, 6), argI(rec, 7), argI(rec, 8), argI(rec, 9), argI(rec, 10), argI(rec, 11), argI(rec, 12), argI(rec, 13)); break;
    case op.OP_AVG_POOL2D: avgPool2dF32(argP(rec, 0), argI(rec, 1), argI(rec, 2), argI(rec, 3), argI(rec, 4), argP(rec, 5), argI(rec, 6), argI(rec, 7), argI(rec, 8), argI(rec, 9), argI(rec, 10), argI(rec, 11), argI(rec, 12), argI(rec, 13), argI(rec, 14), argI(rec, 15), argI(rec, 16)); break;
    case op.OP_MEAN: meanF32(argP(rec, 0), argI(rec, 1), argI(rec, 2), argI(rec, 3), argP(rec, 4)); break;
    case op.OP_ACTIVATION: activationF32(argP(rec, 0), argP(rec, 1), argI(rec, 2), argI(rec, 3), argF(rec, 4), argF(rec, 5)); break;
    case op.OP_SOFTMAX: softmaxF32(argP(rec, 0), argP(rec, 1), argI(rec, 2), argI(rec, 3), argI(rec, 4)); break;
    case op.OP_LOG_SOFTMAX: logSoftmaxF32(argP(rec, 0), argP(rec, 1), argI(rec, 2), argI(rec, 3), argI(rec, 4)); break;
    case op.OP_CONV2D: conv2dF32(argP(rec, 0), argI(rec, 1), argI(rec, 2), argI(rec, 3), argI(rec, 4), argP(rec, 5), argP(rec, 6), argI(rec, 7), argI(rec, 8), argI(rec, 9), argI(rec, 10), argI(rec, 11), argI(rec, 12), argI(rec, 13), argI(rec, 14), argI(rec, 15), argI(rec, 16), argI(rec, 17), argI(rec, 18), argI(rec, 19), argF(rec, 20), argF(rec, 21), argP(rec, 22)); break;
    case op.OP_DEPTHWISE_CONV2D: depthwiseConv2dF32(argP(rec, 0), argI(rec, 1), argI(rec, 2), argI(rec, 3), argI(rec, 4), argP(rec, 5), argP(rec, 6), argP(rec, 7), argI(rec, 8), argI(rec, 9), argI(rec, 10), argI(rec, 11), argI(rec, 12), argI(rec, 13), argI(rec, 14), argI(rec, 15), argI(rec, 16), argI(rec, 17), argI(rec, 18), argI(rec, 19), argF(rec, 20), argF(rec, 21)); break;
    case op.OP_FFT: fftF32(argP(rec, 0), argP(rec, 1), argP(rec, 2), argI(rec, 3), argI(rec, 4), argI(rec, 5), argP(rec, 6)); break;
    default: unreachable();
  }
  return rec + (<usize>load<i32>(rec, 4) << 2);
}

/** Runs `count` consecutive records starting at `rec`. */
export function runPlan(rec: usize, count: i32): void {
  for (let i = 0; i < count; i++) rec = runOp(rec);
}
