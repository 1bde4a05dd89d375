// lstm: an LSTM layer over a whole sequence, ONNX semantics (gate order
// i, o, f, c; sigmoid and tanh; no peepholes, no cell clip).
// Inputs: x [N, T, I]; W constant [I, 4H] (columns i|o|f|c); R constant
// [H, 4H]; bW optional constant [4H]; bR optional constant [4H]; h0 optional
// [N, H]; c0 optional [N, H].
// Attrs: hidden (H), returnSequences 0|1 (output [N, T, H], else the last h
// [N, H]), reverse 0|1 (run from the last time step; the sequence output
// stays in time order).
// Note W and R are the transposes of ONNX's per-direction W[4H, I], R[4H, H];
// Keras and PyTorch order their gates i|f|c|o and i|f|g|o, so importers
// permute the column blocks.
//
// One op is one direction of one layer. A multi-layer LSTM is a chain of
// lstm ops (returnSequences = 1 on all but the last); a bidirectional one is
// a forward and a reverse lstm on the same x joined by a concat on the
// channel axis. The kernel is assembly/kernels/lstm.ts.
import { gemmPackedBytes } from './dense.ts';
import { inferRecurrent, readRecurrentAttrs, recurrentScratchBytes, RECURRENT_INPUTS } from './gru.ts';
import { OPCODES } from './opcodes.ts';
import type { OpDef } from './types.ts';

type KernelFn = (...a: number[]) => number;

/** Mirrors lstmScratchBytes in assembly/kernels/lstm.ts. */
export function lstmScratchBytes(n: number, t: number, hidden: number): number {
  return recurrentScratchBytes(n, t, hidden, 4);
}

export const lstmOp: OpDef = {
  type: 'lstm',
  inputs: [...RECURRENT_INPUTS, { name: 'c0', optional: true }],
  outputs: 1,
  infer(ins, attrs, where) {
    return inferRecurrent('lstm', 4, [5, 6], ins, attrs, where);
  },
  macs({ ins, attrs, op }) {
    const [N, T, I] = ins[0]!.shape;
    const H = readRecurrentAttrs(attrs, { op: op.name }).hidden;
    return N * T * (I + H) * 4 * H;
  },
  compile({ op, ins, attrs }) {
    const { hidden: H, returnSequences, reverse } = readRecurrentAttrs(attrs, { op: op.name });
    const [N, T, I] = ins[0]!.shape;
    const [wData, rData, bWData, bRData] = [ins[1]!.data!, ins[2]!.data!, ins[3]?.data, ins[4]?.data];
    return {
      scratchBytes: lstmScratchBytes(N, T, H),
      weights: [
        {
          bytes: gemmPackedBytes(I, 4 * H),
          init(k, dst, stage) {
            (k.packLstmInputF32 as KernelFn)(stage(wData), bWData ? stage(bWData) : 0, bRData ? stage(bRData) : 0, dst, I, H);
          },
        },
        {
          bytes: gemmPackedBytes(H, 4 * H),
          init(k, dst, stage) {
            (k.packLstmRecurrentF32 as KernelFn)(stage(rData), dst, H);
          },
        },
      ],
      records: (a) => [{
        opcode: OPCODES.LSTM,
        args: [a.input(0), a.weight(0), a.weight(1), a.input(5), a.input(6), a.output(0), a.scratch, N, T, I, H, returnSequences, reverse],
      }],
    };
  },
};
