// dense: y[..., n] = act(x[..., k] . W[k, n] + b[n]).
// Inputs: x (f32, any rank >= 1, last dim k), W (constant [k, n]), b (optional constant [n]).
// Attrs: activation (+ its parameters, see activation-spec.ts).
import { fail } from '../errors.ts';
import { elementCount } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { readActivation } from './activation-spec.ts';
import { f32Arg, type OpDef } from './types.ts';

/** Bytes of a k x n matrix in the GEMM's packed panel layout (assembly/kernels/dense.ts). */
export function gemmPackedBytes(k: number, n: number): number {
  return Math.ceil(n / 8) * 8 * (k + 1) * 4;
}

export const denseOp: OpDef = {
  type: 'dense',
  inputs: [{ name: 'x' }, { name: 'weights', constant: true }, { name: 'bias', optional: true, constant: true }],
  outputs: 1,
  infer(ins, attrs, where) {
    const [x, w, b] = ins;
    readActivation(attrs, where);
    if (!x || !w) return fail('MODEL_SHAPE_MISMATCH', 'dense needs x and weights', { where });
    if (w.shape.length !== 2) fail('MODEL_SHAPE_MISMATCH', 'dense weights must be 2-D [k, n]', { where, found: `[${w.shape}]` });
    const [k, n] = w.shape;
    if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== k) {
      fail('MODEL_SHAPE_MISMATCH', 'dense input last dimension must equal weights rows', { where, expected: k, found: `[${x.shape}]` });
    }
    if (b && (b.shape.length !== 1 || b.shape[0] !== n)) fail('MODEL_SHAPE_MISMATCH', 'dense bias must be [n]', { where, expected: `[${n}]`, found: `[${b.shape}]` });
    return [{ shape: [...x.shape.slice(0, -1), n], dtype: 'f32' }];
  },
  macs({ ins, outs }) {
    return elementCount(outs[0].shape) * ins[1]!.shape[0];
  },
  compile({ op, ins, outs, attrs }) {
    const [k, n] = ins[1]!.shape;
    const m = elementCount(outs[0].shape) / n;
    const act = readActivation(attrs, { op: op.name });
    const wData = ins[1]!.data!;
    const bData = ins[2]?.data;
    return {
      scratchBytes: 0,
      weights: [{
        bytes: gemmPackedBytes(k, n),
        init(kx, dst, stage) {
          const w = stage(wData);
          const b = bData ? stage(bData) : 0;
          (kx.packGemmF32 as (...a: number[]) => void)(w, n, b, dst, k, n);
        },
      }],
      records: (a) => [{
        opcode: OPCODES.DENSE,
        args: [a.input(0), a.weight(0), a.output(0), m, n, k, act.code, f32Arg(act.p0), f32Arg(act.p1)],
      }],
    };
  },
};
