// depthwiseConv1d / depthwiseConv2d on channels-last activations: each input
// channel ci has `multiplier` filters of its own, output channel
// o = ci * multiplier + m.
//   depthwiseConv2d: x [N, H, W, C], weights [KH, KW, C*multiplier], bias [C*multiplier] optional.
//   depthwiseConv1d: x [N, L, C],    weights [K, C*multiplier],      bias [C*multiplier] optional.
// Attrs: multiplier (default 1) and the window attributes of conv
// (strides, dilations, padding, pads; see conv.ts), activation (+ parameters).
// Weights and bias are used as stored; depthwiseConv1d runs the 2-D kernel
// with H = 1, KH = 1.
import { fail, type ErrorWhere } from '../errors.ts';
import { elementCount, type Attrs } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { readActivation } from './activation-spec.ts';
import { intAttr, opWhere } from './attrs.ts';
import { checkShape, convGeometry, readConvWindow } from './conv.ts';
import { f32Arg, rawWeight, type OpDef, type ShapeInfo, type WeightRequest } from './types.ts';

/** A depthwise conv resolved to the 2-D kernel's arguments. */
interface DepthwisePlan {
  n: number; h: number; w: number; c: number;
  oh: number; ow: number;
  kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number;
  padTop: number; padLeft: number; multiplier: number;
}

function resolveDepthwise(type: string, rank: 1 | 2, ins: (ShapeInfo | undefined)[], attrs: Attrs, where: ErrorWhere): DepthwisePlan {
  const [x, wt, b] = ins;
  const win = readConvWindow(attrs, where, rank);
  const multiplier = intAttr(attrs, 'multiplier', where, 1, 1);
  readActivation(attrs, where);
  if (!x || !wt) return fail('MODEL_SHAPE_MISMATCH', `${type} needs x and weights`, { where });
  checkShape(x, rank + 2, `${type} input`, rank === 1 ? '[N, L, C]' : '[N, H, W, C]', where);
  checkShape(wt, rank + 1, `${type} weights`, rank === 1 ? '[K, C*multiplier]' : '[KH, KW, C*multiplier]', where);
  const c = x.shape[rank + 1];
  const co = c * multiplier;
  if (wt.shape[rank] !== co) {
    fail('MODEL_SHAPE_MISMATCH', `${type} weights must have C*multiplier channels`, { where, expected: `${c} * ${multiplier} = ${co}`, found: `[${wt.shape}]` });
  }
  if (b) {
    checkShape(b, 1, `${type} bias`, `[${co}]`, where);
    if (b.shape[0] !== co) fail('MODEL_SHAPE_MISMATCH', `${type} bias must be [C*multiplier]`, { where, expected: `[${co}]`, found: `[${b.shape}]` });
  }
  const spatial = x.shape.slice(1, rank + 1);
  const axes = convGeometry(spatial, wt.shape.slice(0, rank), win, where);
  const last = rank - 1;
  return {
    n: x.shape[0], h: rank === 2 ? spatial[0] : 1, w: spatial[last], c,
    oh: rank === 2 ? axes[0].out : 1, ow: axes[last].out,
    kh: rank === 2 ? wt.shape[0] : 1, kw: wt.shape[last],
    sh: rank === 2 ? win.strides[0] : 1, sw: win.strides[last],
    dh: rank === 2 ? win.dilations[0] : 1, dw: win.dilations[last],
    padTop: rank === 2 ? axes[0].padBegin : 0, padLeft: axes[last].padBegin, multiplier,
  };
}

function makeDepthwiseOp(type: string, rank: 1 | 2): OpDef {
  return {
    type,
    inputs: [{ name: 'x' }, { name: 'weights', constant: true }, { name: 'bias', optional: true, constant: true }],
    outputs: 1,
    infer(ins, attrs, where) {
      const p = resolveDepthwise(type, rank, ins, attrs, where);
      const spatial = rank === 2 ? [p.oh, p.ow] : [p.ow];
      return [{ shape: [p.n, ...spatial, p.c * p.multiplier], dtype: 'f32' }];
    },
    macs({ ins, outs }) {
      return elementCount(outs[0].shape) * elementCount(ins[1]!.shape.slice(0, rank));
    },
    compile({ op, ins, attrs }) {
      const where = opWhere(op);
      const p = resolveDepthwise(type, rank, ins, attrs, where);
      const act = readActivation(attrs, where);
      const bData = ins[2]?.data;
      const weights: WeightRequest[] = [rawWeight(ins[1]!.data!)];
      if (bData) weights.push(rawWeight(bData));
      return {
        scratchBytes: 0,
        weights,
        records: (a) => [{
          opcode: OPCODES.DEPTHWISE_CONV2D,
          args: [
            a.input(0), p.n, p.h, p.w, p.c, a.weight(0), bData ? a.weight(1) : 0, a.output(0), p.oh, p.ow,
            p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.padTop, p.padLeft, p.multiplier,
            act.code, f32Arg(act.p0), f32Arg(act.p1),
          ],
        }],
      };
    },
  };
}

export const depthwiseConv1dOp: OpDef = makeDepthwiseOp('depthwiseConv1d', 1);
export const depthwiseConv2dOp: OpDef = makeDepthwiseOp('depthwiseConv2d', 2);
