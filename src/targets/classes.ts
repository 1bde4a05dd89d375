// Which cost class of a target profile prices each IR op, and how much work
// (MACs, or elements for element-wise work) it does.
//
// Decisions:
// - `dense` is the fully connected layer: a matrix-vector product at batch 1,
//   where every weight is read once per inference, so it is bound by weight
//   loads. A 1x1 convolution is priced as `conv`, not `dense`: it is the same
//   GEMM the other convolutions run (im2col is trivial), reusing each weight
//   across all output positions, and that is how CMSIS-NN and X-CUBE-AI run
//   it. This is what the MLPerf Tiny calibration supports: DS-CNN spends 77 %
//   of its MACs in 1x1 convolutions and is fitted well by the conv constant,
//   while the FC autoencoder (dense only) needs a higher cycles/MAC.
// - Pooling, activations, softmax, arithmetic and data movement (transpose,
//   concat, slice, split) are `elementwise`, priced per unit of the op's own
//   work count (pools: outputs x window; the rest: elements). Copies count
//   their output elements.
// - Ops that only rename a buffer (reshape, flatten, squeeze, unsqueeze,
//   identity: memory 'alias') cost nothing, not even the per-op overhead,
//   because compiled runtimes emit no code for them.
// - An op type not listed (a newer op) is priced as `elementwise` and marked
//   `guessed`, so reports can say so.
import type { OpPlan } from '../schedule/compile.ts';
import { getOpDef } from '../ops/registry.ts';
import type { KernelClass } from './profile.ts';

const CLASS_OF_TYPE: Record<string, KernelClass> = {
  dense: 'dense',
  conv1d: 'conv',
  conv2d: 'conv',
  depthwiseConv1d: 'depthwise',
  depthwiseConv2d: 'depthwise',
  gru: 'recurrent',
  lstm: 'recurrent',
};

const ELEMENTWISE_TYPES = new Set([
  'maxPool1d', 'maxPool2d', 'avgPool1d', 'avgPool2d', 'globalAvgPool', 'mean',
  'relu', 'relu6', 'clip', 'leakyRelu', 'sigmoid', 'tanh', 'hardSwish', 'hardSigmoid', 'softmax', 'logSoftmax',
  'add', 'sub', 'mul', 'div', 'max', 'min',
  'transpose', 'concat', 'slice', 'split',
]);

/** Op types whose OpDef reports 0 MACs although they move data. */
const COPY_TYPES = new Set(['transpose', 'concat', 'slice', 'split']);

export interface OpCost {
  /** null: a pure alias, free. */
  cls: KernelClass | null;
  /** MACs for dense/conv/depthwise/recurrent; elements (or window reads) for elementwise. */
  work: number;
  /** The type was not in the table: priced as elementwise by default. */
  guessed: boolean;
}

export function classifyOp(op: OpPlan, outputElements: number): OpCost {
  const cls = CLASS_OF_TYPE[op.type];
  if (cls) return { cls, work: op.macs, guessed: false };
  const def = getOpDef(op.type, { op: op.name });
  if (def.memory === 'alias') return { cls: null, work: 0, guessed: false };
  const work = COPY_TYPES.has(op.type) ? outputElements : op.macs;
  return { cls: 'elementwise', work, guessed: !ELEMENTWISE_TYPES.has(op.type) };
}
