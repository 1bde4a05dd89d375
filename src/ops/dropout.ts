// dropout: the identity at inference (inverted dropout scales at training
// time, Srivastava et al. 2014), so it relabels its input like `identity`.
// Attr: rate in [0, 1) (the fraction dropped while training, read by
// src/train). Exported models drop the op altogether.
import { fail } from '../errors.ts';
import { floatAttr } from './attrs.ts';
import { identityOp } from './shape.ts';
import type { OpDef } from './types.ts';

export const dropoutOp: OpDef = {
  ...identityOp,
  type: 'dropout',
  infer(ins, attrs, where) {
    const rate = floatAttr(attrs, 'rate', where, 0.5);
    if (rate < 0 || rate >= 1) fail('MODEL_ATTRIBUTE', 'dropout rate must be in [0, 1)', { where: { ...where, field: 'rate' }, expected: '0 <= rate < 1', found: rate });
    return identityOp.infer(ins, attrs, where);
  },
};
