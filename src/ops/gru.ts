// gru: a GRU layer over a whole sequence, ONNX semantics (gate order z, r, h;
// sigmoid and tanh; linear_before_reset as an attribute).
// Inputs: x [N, T, I]; W constant [I, 3H] (columns z|r|h); R constant [H, 3H];
// bW optional constant [3H]; bR optional constant [3H]; h0 optional [N, H].
// Attrs: hidden (H), returnSequences 0|1 (output [N, T, H], else the last
// state [N, H]), reverse 0|1 (run from the last time step; the sequence output
// stays in time order), linearBeforeReset 0|1 (1 = PyTorch/Keras reset_after).
// Note W and R are the transposes of ONNX's per-direction W[3H, I], R[3H, H].
//
// One op is one direction of one layer. A multi-layer GRU is a chain of gru
// ops (returnSequences = 1 on all but the last); a bidirectional one is a
// forward and a reverse gru on the same x joined by a concat on the channel
// axis. The kernel is assembly/kernels/gru.ts; it runs the input projection
// of all steps as one GEMM and a small GEMM per step.
import { fail, type ErrorWhere } from '../errors.ts';
import type { Attrs } from '../graph/model.ts';
import { intAttr } from './attrs.ts';
import { gemmPackedBytes } from './dense.ts';
import { OPCODES } from './opcodes.ts';
import type { InputSpec, OpDef, ShapeInfo } from './types.ts';

type KernelFn = (...a: number[]) => number;

export interface RecurrentAttrs {
  hidden: number;
  returnSequences: number;
  reverse: number;
}

export function readRecurrentAttrs(attrs: Attrs, where: ErrorWhere): RecurrentAttrs {
  return {
    hidden: intAttr(attrs, 'hidden', where, undefined, 1),
    returnSequences: intAttr(attrs, 'returnSequences', where, 0, 0, 1),
    reverse: intAttr(attrs, 'reverse', where, 0, 0, 1),
  };
}

/**
 * Shape checks shared by gru and lstm (`gates` = 3 or 4). `stateInputs` are
 * the indices of the optional [N, H] state inputs (h0, and c0 for lstm).
 */
export function inferRecurrent(
  opType: string, gates: number, stateInputs: number[],
  ins: (ShapeInfo | undefined)[], attrs: Attrs, where: ErrorWhere,
): ShapeInfo[] {
  const { hidden: H, returnSequences } = readRecurrentAttrs(attrs, where);
  const [x, w, r, bW, bR] = ins;
  if (!x || !w || !r) return fail('MODEL_SHAPE_MISMATCH', `${opType} needs x, W and R`, { where });
  const show = (s: ShapeInfo) => `[${s.shape}]`;
  if (x.shape.length !== 3) fail('MODEL_SHAPE_MISMATCH', `${opType} input must be 3-D [N, T, I]`, { where: { ...where, field: 'x' }, found: show(x) });
  const [N, T, I] = x.shape;
  const G = gates * H;
  if (w.shape.length !== 2 || w.shape[0] !== I || w.shape[1] !== G) {
    fail('MODEL_SHAPE_MISMATCH', `${opType} W must be [I, ${gates}*hidden]`, { where: { ...where, field: 'W' }, expected: `[${I},${G}]`, found: show(w) });
  }
  if (r.shape.length !== 2 || r.shape[0] !== H || r.shape[1] !== G) {
    fail('MODEL_SHAPE_MISMATCH', `${opType} R must be [hidden, ${gates}*hidden]`, { where: { ...where, field: 'R' }, expected: `[${H},${G}]`, found: show(r) });
  }
  for (const [b, field] of [[bW, 'bW'], [bR, 'bR']] as const) {
    if (b && (b.shape.length !== 1 || b.shape[0] !== G)) {
      fail('MODEL_SHAPE_MISMATCH', `${opType} ${field} must be [${gates}*hidden]`, { where: { ...where, field }, expected: `[${G}]`, found: show(b) });
    }
  }
  for (const i of stateInputs) {
    const s = ins[i];
    if (s && (s.shape.length !== 2 || s.shape[0] !== N || s.shape[1] !== H)) {
      fail('MODEL_SHAPE_MISMATCH', `${opType} initial state must be [N, hidden]`, { where: { ...where, field: i === 5 ? 'h0' : 'c0' }, expected: `[${N},${H}]`, found: show(s) });
    }
  }
  return [{ shape: returnSequences ? [N, T, H] : [N, H], dtype: 'f32' }];
}

/** Mirrors gruPackedRBytes in assembly/kernels/gru.ts. */
export function gruPackedRBytes(hidden: number, linearBeforeReset: number): number {
  return linearBeforeReset ? gemmPackedBytes(hidden, 3 * hidden) : gemmPackedBytes(hidden, 2 * hidden) + gemmPackedBytes(hidden, hidden);
}

/**
 * Scratch of a recurrent kernel with `gates` gate blocks: the input
 * projection of every step, one step's recurrent projection and two states.
 * Mirrors gruScratchBytes / lstmScratchBytes in assembly/kernels/.
 */
export function recurrentScratchBytes(n: number, t: number, hidden: number, gates: number): number {
  return (n * t * gates * hidden + n * gates * hidden + 2 * n * hidden) * 4;
}

export function gruScratchBytes(n: number, t: number, hidden: number): number {
  return recurrentScratchBytes(n, t, hidden, 3);
}

/** Inputs shared by gru and lstm (lstm adds c0). */
export const RECURRENT_INPUTS: InputSpec[] = [
  { name: 'x' },
  { name: 'W', constant: true },
  { name: 'R', constant: true },
  { name: 'bW', optional: true, constant: true },
  { name: 'bR', optional: true, constant: true },
  { name: 'h0', optional: true },
];

export const gruOp: OpDef = {
  type: 'gru',
  inputs: RECURRENT_INPUTS,
  outputs: 1,
  infer(ins, attrs, where) {
    intAttr(attrs, 'linearBeforeReset', where, 0, 0, 1);
    return inferRecurrent('gru', 3, [5], ins, attrs, where);
  },
  macs({ ins, attrs, op }) {
    const [N, T, I] = ins[0]!.shape;
    const H = readRecurrentAttrs(attrs, { op: op.name }).hidden;
    return N * T * (I + H) * 3 * H;
  },
  compile({ op, ins, attrs }) {
    const where = { op: op.name };
    const { hidden: H, returnSequences, reverse } = readRecurrentAttrs(attrs, where);
    const lbr = intAttr(attrs, 'linearBeforeReset', where, 0, 0, 1);
    const [N, T, I] = ins[0]!.shape;
    const [wData, rData, bWData, bRData] = [ins[1]!.data!, ins[2]!.data!, ins[3]?.data, ins[4]?.data];
    return {
      scratchBytes: gruScratchBytes(N, T, H),
      weights: [
        {
          bytes: gemmPackedBytes(I, 3 * H),
          init(k, dst, stage) {
            (k.packGruInputF32 as KernelFn)(stage(wData), bWData ? stage(bWData) : 0, bRData ? stage(bRData) : 0, dst, I, H, lbr);
          },
        },
        {
          bytes: gruPackedRBytes(H, lbr),
          init(k, dst, stage) {
            (k.packGruRecurrentF32 as KernelFn)(stage(rData), bRData ? stage(bRData) : 0, dst, H, lbr);
          },
        },
      ],
      records: (a) => [{
        opcode: OPCODES.GRU,
        args: [a.input(0), a.weight(0), a.weight(1), a.input(5), a.output(0), a.scratch, N, T, I, H, returnSequences, reverse, lbr],
      }],
    };
  },
};
