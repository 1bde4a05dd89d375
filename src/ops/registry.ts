// Every op the runtime implements, by IR type. Adding an op: its kernel in
// assembly/kernels/, its record case in assembly/run.ts, its host file here.
import { fail, type ErrorWhere } from '../errors.ts';
import { denseOp } from './dense.ts';
import { maxPool1dOp, maxPool2dOp, avgPool1dOp, avgPool2dOp, globalAvgPoolOp, meanOp } from './pool.ts';
import { reluOp, relu6Op, clipOp, leakyReluOp, sigmoidOp, tanhOp, hardSwishOp, hardSigmoidOp, softmaxOp, logSoftmaxOp } from './activation.ts';
import { conv1dOp, conv2dOp } from './conv.ts';
import { depthwiseConv1dOp, depthwiseConv2dOp } from './depthwise.ts';
import { gruOp } from './gru.ts';
import { lstmOp } from './lstm.ts';
import { fftOp } from './fft.ts';
import { batchNormOp } from './batchnorm.ts';
import { dropoutOp } from './dropout.ts';
import { addOp, subOp, mulOp, divOp, maxOp, minOp } from './elementwise.ts';
import { reshapeOp, flattenOp, squeezeOp, unsqueezeOp, identityOp, transposeOp, concatOp, sliceOp, splitOp } from './shape.ts';
import type { OpDef } from './types.ts';

const ALL_OPS: OpDef[] = [
  denseOp,
  maxPool1dOp, maxPool2dOp, avgPool1dOp, avgPool2dOp, globalAvgPoolOp, meanOp,
  reluOp, relu6Op, clipOp, leakyReluOp, sigmoidOp, tanhOp, hardSwishOp, hardSigmoidOp, softmaxOp, logSoftmaxOp,
  conv1dOp, conv2dOp,
  depthwiseConv1dOp, depthwiseConv2dOp,
  gruOp,
  lstmOp,
  fftOp,
  batchNormOp, dropoutOp,
  addOp, subOp, mulOp, divOp, maxOp, minOp,
  reshapeOp, flattenOp, squeezeOp, unsqueezeOp, identityOp, transposeOp, concatOp, sliceOp, splitOp,
];

export const OP_REGISTRY: ReadonlyMap<string, OpDef> = new Map(ALL_OPS.map((d) => [d.type, d]));

export function getOpDef(type: string, where: ErrorWhere): OpDef {
  const def = OP_REGISTRY.get(type);
  if (!def) {
    return fail('OP_UNSUPPORTED', `op type "${type}" is not supported; supported: ${[...OP_REGISTRY.keys()].sort().join(', ')}`, { where });
  }
  return def;
}
