// Activation attributes shared by every op that fuses one (dense, conv,
// depthwise) and by the standalone activation op. The codes mirror
// assembly/kernels/activation.ts.
import type { Attrs } from '../graph/model.ts';
import type { ErrorWhere } from '../errors.ts';
import { enumAttr, floatAttr } from './attrs.ts';

const F32_MAX = 3.4028234663852886e38;

export const ACTIVATIONS = ['none', 'relu', 'relu6', 'clip', 'leakyRelu', 'sigmoid', 'tanh', 'hardSwish', 'hardSigmoid'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The kernels' activation codes (assembly/kernels/activation.ts ACT_*). */
export const ACT_CODE = { none: 0, relu: 1, clip: 2, leakyRelu: 3, sigmoid: 4, tanh: 5, hardSwish: 6, hardSigmoid: 7 } as const;

export interface ActivationAbi {
  code: number;
  p0: number;
  p1: number;
}

/**
 * Reads `activation` (default 'none') and its parameters: `min`/`max` for
 * clip, `alpha` for leakyRelu (default 0.01), `alpha`/`beta` for hardSigmoid
 * (defaults 0.2, 0.5 as in ONNX).
 */
export function readActivation(attrs: Attrs, where: ErrorWhere, name = 'activation'): ActivationAbi {
  const act = enumAttr(attrs, name, where, ACTIVATIONS, 'none');
  switch (act) {
    case 'none': return { code: ACT_CODE.none, p0: 0, p1: 0 };
    case 'relu': return { code: ACT_CODE.relu, p0: 0, p1: 0 };
    case 'relu6': return { code: ACT_CODE.clip, p0: 0, p1: 6 };
    case 'clip': return { code: ACT_CODE.clip, p0: floatAttr(attrs, 'min', where, -F32_MAX), p1: floatAttr(attrs, 'max', where, F32_MAX) };
    case 'leakyRelu': return { code: ACT_CODE.leakyRelu, p0: floatAttr(attrs, 'alpha', where, 0.01), p1: 0 };
    case 'sigmoid': return { code: ACT_CODE.sigmoid, p0: 0, p1: 0 };
    case 'tanh': return { code: ACT_CODE.tanh, p0: 0, p1: 0 };
    case 'hardSwish': return { code: ACT_CODE.hardSwish, p0: 0, p1: 0 };
    case 'hardSigmoid': return { code: ACT_CODE.hardSigmoid, p0: floatAttr(attrs, 'alpha', where, 0.2), p1: floatAttr(attrs, 'beta', where, 0.5) };
  }
}
