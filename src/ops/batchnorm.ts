// batchNorm: batch normalisation in inference form (Ioffe & Szegedy 2015),
// per channel of the last axis (channels-last):
//   y = (x - mean) / sqrt(variance + epsilon) * gamma + beta
// Inputs: x [N, ..., C]; gamma, beta, mean, variance constants [C].
// Attrs: epsilon (default 1e-5); momentum (default 0.9), read only by the
// trainer for its running averages (run = momentum run + (1 - momentum) batch).
// The builder normally folds batch-norm into the conv/dense before it; the
// op exists so training graphs keep it unfolded (src/train uses batch
// statistics) and a trained model can still run unfolded. At load the four
// vectors become one scale and one shift, so a run is two BINARY records
// (x * scale, then + shift in place): no kernel of its own.
import { fail } from '../errors.ts';
import { elementCount } from '../graph/model.ts';
import { floatAttr } from './attrs.ts';
import { BINARY_CODES, describeBinary } from './elementwise.ts';
import { OPCODES } from './opcodes.ts';
import type { TensorData } from '../graph/model.ts';
import type { OpDef, ShapeInfo } from './types.ts';

/** Per-channel scale and shift of the inference form. */
export function batchNormAffine(gamma: TensorData, beta: TensorData, mean: TensorData, variance: TensorData, epsilon: number): { scale: Float32Array; shift: Float32Array } {
  const c = gamma.length;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + epsilon);
    scale[i] = s;
    shift[i] = beta[i] - mean[i] * s;
  }
  return { scale, shift };
}

export const batchNormOp: OpDef = {
  type: 'batchNorm',
  inputs: [
    { name: 'x' },
    { name: 'gamma', constant: true },
    { name: 'beta', constant: true },
    { name: 'mean', constant: true },
    { name: 'variance', constant: true },
  ],
  outputs: 1,
  memory: 'inplace',
  infer(ins, attrs, where) {
    const [x, ...params] = ins;
    floatAttr(attrs, 'epsilon', where, 1e-5);
    const momentum = floatAttr(attrs, 'momentum', where, 0.9);
    if (momentum < 0 || momentum > 1) fail('MODEL_ATTRIBUTE', 'batchNorm momentum must be in [0, 1]', { where: { ...where, field: 'momentum' }, found: momentum });
    if (!x || x.shape.length < 2) return fail('MODEL_SHAPE_MISMATCH', 'batchNorm input must be [N, ..., C]', { where: { ...where, field: 'x' }, found: x ? `[${x.shape}]` : 'none' });
    const c = x.shape[x.shape.length - 1];
    const names = ['gamma', 'beta', 'mean', 'variance'];
    params.forEach((p: ShapeInfo | undefined, i) => {
      if (!p || p.shape.length !== 1 || p.shape[0] !== c) {
        fail('MODEL_SHAPE_MISMATCH', `batchNorm ${names[i]} must be [C]`, { where: { ...where, field: names[i] }, expected: `[${c}]`, found: p ? `[${p.shape}]` : 'none' });
      }
    });
    return [{ shape: [...x.shape], dtype: 'f32' }];
  },
  macs: ({ outs }) => 2 * elementCount(outs[0].shape),
  compile({ op, ins, attrs }) {
    const x = ins[0]!;
    const c = x.shape[x.shape.length - 1];
    const eps = floatAttr(attrs, 'epsilon', { op: op.name }, 1e-5);
    const [gamma, beta, mean, variance] = ins.slice(1).map((t) => t!.data!);
    const d = describeBinary(x.shape, [c], x.shape);
    // Scale and shift are computed when the weights are filled (not here), so
    // a trainer that refills weights after each step sees the current values.
    const vector = (which: 'scale' | 'shift') => ({
      bytes: c * 4,
      init(k: { memory: WebAssembly.Memory }, dst: number) {
        new Float32Array(k.memory.buffer, dst, c).set(batchNormAffine(gamma, beta, mean, variance, eps)[which]);
      },
    });
    const record = (code: number, a: number, b: number, y: number) => ({ opcode: OPCODES.BINARY, args: [code, a, b, y, d.shape.length, ...d.shape, ...d.strides[0], ...d.strides[1]] });
    return {
      weights: [vector('scale'), vector('shift')],
      scratchBytes: 0,
      records: (a) => elementCount(x.shape) === 0 ? [] : [
        record(BINARY_CODES.mul, a.input(0), a.weight(0), a.output(0)),
        record(BINARY_CODES.add, a.output(0), a.weight(1), a.output(0)),
      ],
    };
  },
};
