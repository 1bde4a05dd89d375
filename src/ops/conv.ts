// conv1d / conv2d on channels-last activations, with fused bias and activation.
//   conv2d: x [N, H, W, C], weights [KH, KW, C/groups, OC] (HWIO), bias [OC] optional.
//   conv1d: x [N, L, C],    weights [K, C/groups, OC],         bias [OC] optional.
// Attrs: strides (default all 1), dilations (default all 1),
//   padding 'valid' | 'same' | 'explicit' (default 'valid'),
//   pads (explicit only): conv2d [top, left, bottom, right], conv1d [left, right],
//   groups (default 1), activation (+ its parameters, see activation-spec.ts).
// 'same' gives out = ceil(in / stride) with the odd pad at the end
// (TF SAME, ONNX auto_pad SAME_UPPER). conv1d runs the conv2d kernel with
// H = 1, KH = 1.
import { fail, type ErrorWhere } from '../errors.ts';
import { elementCount, type Attrs } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { readActivation } from './activation-spec.ts';
import { enumAttr, intAttr, intsAttr, opWhere } from './attrs.ts';
import { gemmPackedBytes } from './dense.ts';
import { f32Arg, type OpDef, type OpContext, type ShapeInfo } from './types.ts';

export const CONV_PADDINGS = ['valid', 'same', 'explicit'] as const;
export type ConvPadding = (typeof CONV_PADDINGS)[number];

/** One spatial axis of a convolution window, resolved. */
export interface ConvAxis {
  /** Output size; <= 0 when the window does not fit (callers reject it). */
  out: number;
  padBegin: number;
  padEnd: number;
}

/**
 * Output size and resolved pads of one spatial axis. Pure: the op files,
 * importers and the planner all size windows with it.
 */
export function convAxis(inSize: number, kernel: number, stride: number, dilation: number, padding: ConvPadding, padBegin = 0, padEnd = 0): ConvAxis {
  const span = (kernel - 1) * dilation + 1;
  switch (padding) {
    case 'valid':
      return { out: Math.floor((inSize - span) / stride) + 1, padBegin: 0, padEnd: 0 };
    case 'same': {
      const out = Math.ceil(inSize / stride);
      const total = Math.max(0, (out - 1) * stride + span - inSize);
      const begin = Math.floor(total / 2);
      return { out, padBegin: begin, padEnd: total - begin };
    }
    case 'explicit':
      return { out: Math.floor((inSize + padBegin + padEnd - span) / stride) + 1, padBegin, padEnd };
  }
}

/** The window attributes shared by conv and depthwise ops, validated. */
export interface ConvWindow {
  strides: number[];
  dilations: number[];
  padding: ConvPadding;
  /** [begin per axis..., end per axis...]; all zero unless padding is 'explicit'. */
  pads: number[];
}

export function readConvWindow(attrs: Attrs, where: ErrorWhere, rank: number): ConvWindow {
  const ones = new Array<number>(rank).fill(1);
  const strides = intsAttr(attrs, 'strides', where, rank, ones, 1);
  const dilations = intsAttr(attrs, 'dilations', where, rank, ones, 1);
  const padding = enumAttr(attrs, 'padding', where, CONV_PADDINGS, 'valid');
  let pads = new Array<number>(2 * rank).fill(0);
  if (padding === 'explicit') {
    pads = intsAttr(attrs, 'pads', where, 2 * rank, undefined, 0);
  } else if (attrs.pads !== undefined) {
    fail('MODEL_ATTRIBUTE', `attribute pads is only used with padding 'explicit'`, { where: { ...where, field: 'pads' }, found: `padding '${padding}' with pads ${JSON.stringify(attrs.pads)}` });
  }
  return { strides, dilations, padding, pads };
}

/** Resolves every spatial axis; rejects windows that leave no output. */
export function convGeometry(inSizes: readonly number[], kernel: readonly number[], win: ConvWindow, where: ErrorWhere): ConvAxis[] {
  const rank = inSizes.length;
  return inSizes.map((size, i) => {
    const axis = convAxis(size, kernel[i], win.strides[i], win.dilations[i], win.padding, win.pads[i], win.pads[rank + i]);
    if (axis.out <= 0) {
      fail('MODEL_SHAPE_MISMATCH', `the window (kernel ${kernel[i]}, dilation ${win.dilations[i]}) does not fit spatial axis ${i} of size ${size} with padding '${win.padding}'`, {
        where, expected: 'an output size >= 1', found: axis.out,
      });
    }
    return axis;
  });
}

/** Checks that a tensor is f32 with rank `rank` and positive dimensions. */
export function checkShape(t: ShapeInfo, rank: number, what: string, layout: string, where: ErrorWhere): void {
  if (t.dtype !== 'f32') fail('MODEL_TENSOR', `${what} must be f32`, { where, found: t.dtype });
  if (t.shape.length !== rank || t.shape.some((d) => !Number.isInteger(d) || d < 1)) {
    fail('MODEL_SHAPE_MISMATCH', `${what} must be ${layout} with positive dimensions`, { where, found: `[${t.shape}]` });
  }
}

// Mirrors assembly/kernels/conv.ts: conv2dPackedBytes, conv2dScratchBytes.
const CONV_TILE_BYTES = 64 * 1024;
const GEMM_MR = 4;

export function conv2dPackedBytes(kh: number, kw: number, cg: number, oc: number, groups: number): number {
  return groups * gemmPackedBytes(kh * kw * cg, oc / groups);
}

/** Same arguments as the kernel's; oc, dh and dw do not change the size. */
export function conv2dScratchBytes(
  n: number, h: number, w: number, c: number, oh: number, ow: number, oc: number,
  kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, groups: number,
): number {
  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && padTop === 0 && padLeft === 0 && oh === h && ow === w) return 0;
  const k = kh * kw * (c / groups);
  const pixels = n * oh * ow;
  let tile = Math.floor(CONV_TILE_BYTES / (k * 4));
  if (tile >= pixels) tile = pixels;
  else if (tile < GEMM_MR) tile = Math.min(GEMM_MR, pixels);
  else tile -= tile % GEMM_MR;
  return tile * k * 4;
}

/** A conv1d/conv2d resolved to the conv2d kernel's arguments. */
interface ConvPlan {
  n: number; h: number; w: number; c: number;
  oh: number; ow: number; oc: number;
  kh: number; kw: number; cg: number;
  sh: number; sw: number; dh: number; dw: number;
  padTop: number; padLeft: number; groups: number;
}

function resolveConv(type: string, rank: 1 | 2, ins: (ShapeInfo | undefined)[], attrs: Attrs, where: ErrorWhere): ConvPlan {
  const [x, wt, b] = ins;
  const win = readConvWindow(attrs, where, rank);
  const groups = intAttr(attrs, 'groups', where, 1, 1);
  readActivation(attrs, where);
  if (!x || !wt) return fail('MODEL_SHAPE_MISMATCH', `${type} needs x and weights`, { where });
  checkShape(x, rank + 2, `${type} input`, rank === 1 ? '[N, L, C]' : '[N, H, W, C]', where);
  checkShape(wt, rank + 2, `${type} weights`, rank === 1 ? '[K, C/groups, OC]' : '[KH, KW, C/groups, OC]', where);
  const c = x.shape[rank + 1];
  const [cg, oc] = wt.shape.slice(rank);
  if (c % groups !== 0) {
    fail('MODEL_SHAPE_MISMATCH', `${type} input channels must be divisible by groups`, { where: { ...where, field: 'groups' }, expected: `a divisor of ${c}`, found: groups });
  }
  if (cg !== c / groups) {
    fail('MODEL_SHAPE_MISMATCH', `${type} weights must have C/groups input channels`, { where, expected: c / groups, found: `[${wt.shape}]` });
  }
  if (oc % groups !== 0) {
    fail('MODEL_SHAPE_MISMATCH', `${type} output channels must be divisible by groups`, { where: { ...where, field: 'groups' }, expected: `a divisor of ${oc}`, found: groups });
  }
  if (b) {
    checkShape(b, 1, `${type} bias`, `[${oc}]`, where);
    if (b.shape[0] !== oc) fail('MODEL_SHAPE_MISMATCH', `${type} bias must be [OC]`, { where, expected: `[${oc}]`, found: `[${b.shape}]` });
  }
  const spatial = x.shape.slice(1, rank + 1);
  const axes = convGeometry(spatial, wt.shape.slice(0, rank), win, where);
  const last = rank - 1;
  return {
    n: x.shape[0], h: rank === 2 ? spatial[0] : 1, w: spatial[last], c,
    oh: rank === 2 ? axes[0].out : 1, ow: axes[last].out, oc,
    kh: rank === 2 ? wt.shape[0] : 1, kw: wt.shape[last], cg,
    sh: rank === 2 ? win.strides[0] : 1, sw: win.strides[last],
    dh: rank === 2 ? win.dilations[0] : 1, dw: win.dilations[last],
    padTop: rank === 2 ? axes[0].padBegin : 0, padLeft: axes[last].padBegin, groups,
  };
}

function makeConvOp(type: string, rank: 1 | 2): OpDef {
  return {
    type,
    inputs: [{ name: 'x' }, { name: 'weights', constant: true }, { name: 'bias', optional: true, constant: true }],
    outputs: 1,
    infer(ins, attrs, where) {
      const p = resolveConv(type, rank, ins, attrs, where);
      const spatial = rank === 2 ? [p.oh, p.ow] : [p.ow];
      return [{ shape: [p.n, ...spatial, p.oc], dtype: 'f32' }];
    },
    macs({ ins, outs }: OpContext) {
      const wt = ins[1]!.shape;
      return elementCount(outs[0].shape) * elementCount(wt.slice(0, rank + 1));
    },
    compile({ op, ins, attrs }) {
      const where = opWhere(op);
      const p = resolveConv(type, rank, ins, attrs, where);
      const act = readActivation(attrs, where);
      const wData = ins[1]!.data!;
      const bData = ins[2]?.data;
      return {
        scratchBytes: conv2dScratchBytes(p.n, p.h, p.w, p.c, p.oh, p.ow, p.oc, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.padTop, p.padLeft, p.groups),
        weights: [{
          bytes: conv2dPackedBytes(p.kh, p.kw, p.cg, p.oc, p.groups),
          init(kx, dst, stage) {
            const w = stage(wData);
            const b = bData ? stage(bData) : 0;
            (kx.packConv2dF32 as (...a: number[]) => void)(w, b, dst, p.kh, p.kw, p.cg, p.oc, p.groups);
          },
        }],
        records: (a) => [{
          opcode: OPCODES.CONV2D,
          args: [
            a.input(0), p.n, p.h, p.w, p.c, a.weight(0), a.output(0), p.oh, p.ow, p.oc,
            p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.padTop, p.padLeft, p.groups,
            act.code, f32Arg(act.p0), f32Arg(act.p1), a.scratch,
          ],
        }],
      };
    },
  };
}

export const conv1dOp: OpDef = makeConvOp('conv1d', 1);
export const conv2dOp: OpDef = makeConvOp('conv2d', 2);
