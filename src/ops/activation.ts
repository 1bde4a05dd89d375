// Standalone activations and softmax. Kernel: assembly/kernels/activation.ts.
//
// relu, relu6, clip (min, max), leakyRelu (alpha), sigmoid, tanh, hardSwish,
// hardSigmoid (alpha, beta): element-wise, any shape, output = input shape.
// They take the same parameters, defaults and kernel codes as the activations
// fused into dense and conv (activation-spec.ts), so a graph pass can fold one
// into its producer unchanged.
//
// softmax, logSoftmax: attr axis (default -1, the last); the kernel sees the
// [outer, len, inner] view around that axis.
import { fail, type ErrorWhere } from '../errors.ts';
import { elementCount, type Attrs } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { readActivation, type ActivationAbi, type ActivationName } from './activation-spec.ts';
import { intAttr, opWhere } from './attrs.ts';
import { f32Arg, type OpDef, type ShapeInfo } from './types.ts';

function readStandalone(type: ActivationName, attrs: Attrs, where: ErrorWhere): ActivationAbi {
  // The op type is the activation; its parameters are read exactly as fused ones are.
  const act = readActivation({ ...attrs, activation: type }, where);
  if (type === 'clip' && act.p0 > act.p1) {
    fail('MODEL_ATTRIBUTE', 'clip min must not exceed max', { where: { ...where, field: 'min' }, expected: `<= ${act.p1}`, found: act.p0 });
  }
  return act;
}

function makeActivationOp(type: ActivationName): OpDef {
  return {
    type,
    inputs: [{ name: 'x' }],
    outputs: 1,
    memory: 'inplace',
    infer([x], attrs, where) {
      readStandalone(type, attrs, where);
      if (!x) return fail('MODEL_SHAPE_MISMATCH', `${type} needs an input`, { where });
      return [{ shape: [...x.shape], dtype: 'f32' }];
    },
    macs({ outs }) {
      return elementCount(outs[0].shape);
    },
    compile({ op, outs, attrs }) {
      const act = readStandalone(type, attrs, opWhere(op));
      const count = elementCount(outs[0].shape);
      return {
        weights: [],
        scratchBytes: 0,
        records: (a) => [{ opcode: OPCODES.ACTIVATION, args: [a.input(0), a.output(0), count, act.code, f32Arg(act.p0), f32Arg(act.p1)] }],
      };
    },
  };
}

export const reluOp = makeActivationOp('relu');
export const relu6Op = makeActivationOp('relu6');
export const clipOp = makeActivationOp('clip');
export const leakyReluOp = makeActivationOp('leakyRelu');
export const sigmoidOp = makeActivationOp('sigmoid');
export const tanhOp = makeActivationOp('tanh');
export const hardSwishOp = makeActivationOp('hardSwish');
export const hardSigmoidOp = makeActivationOp('hardSigmoid');

/** The [outer, len, inner] view of a softmax over `axis`. */
function softmaxView(type: string, x: ShapeInfo | undefined, attrs: Attrs, where: ErrorWhere): [number, number, number] {
  if (!x) return fail('MODEL_SHAPE_MISMATCH', `${type} needs an input`, { where });
  const rank = x.shape.length;
  if (rank < 1) fail('MODEL_SHAPE_MISMATCH', `${type} input must have at least one axis`, { where: { ...where, field: 'x' }, found: '[]' });
  const raw = intAttr(attrs, 'axis', where, -1, -rank, rank - 1);
  const axis = raw < 0 ? raw + rank : raw;
  return [elementCount(x.shape.slice(0, axis)), x.shape[axis], elementCount(x.shape.slice(axis + 1))];
}

function makeSoftmaxOp(type: 'softmax' | 'logSoftmax', opcode: number): OpDef {
  return {
    type,
    inputs: [{ name: 'x' }],
    outputs: 1,
    memory: 'inplace',
    infer([x], attrs, where) {
      softmaxView(type, x, attrs, where);
      return [{ shape: [...x!.shape], dtype: 'f32' }];
    },
    macs({ outs }) {
      return elementCount(outs[0].shape);
    },
    compile({ op, ins, attrs }) {
      const [outer, len, inner] = softmaxView(type, ins[0], attrs, opWhere(op));
      return {
        weights: [],
        scratchBytes: 0,
        records: (a) => [{ opcode, args: [a.input(0), a.output(0), outer, len, inner] }],
      };
    },
  };
}

export const softmaxOp = makeSoftmaxOp('softmax', OPCODES.SOFTMAX);
export const logSoftmaxOp = makeSoftmaxOp('logSoftmax', OPCODES.LOG_SOFTMAX);
