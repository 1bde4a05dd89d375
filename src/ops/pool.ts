// Pooling and means over channels-last activations. Kernel: assembly/kernels/pool.ts.
//
// maxPool1d / avgPool1d: x [N, L, C]; maxPool2d / avgPool2d: x [N, H, W, C].
// Attrs: kernel [kh, kw] (or [k]); strides (default = kernel); padding
// 'valid' | 'same' | 'explicit' (default 'valid'); pads [top, left, bottom,
// right] (or [left, right]) with padding 'explicit' only; ceilMode 0|1
// (ONNX ceil_mode); countIncludePad 0|1 for the averages (ONNX
// count_include_pad, default 0). 1-D pooling runs as 2-D pooling with h = 1.
//
// globalAvgPool: [N, H, W, C] or [N, L, C] -> [N, C].
// mean: attr axes (a contiguous run of axes, negatives from the end),
// keepDims 0|1 (default 0): e.g. the mean over time [N, T, C], axes [1] -> [N, C].
import { fail, type ErrorWhere } from '../errors.ts';
import { elementCount, type Attrs } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { enumAttr, intAttr, intsAttr, opWhere } from './attrs.ts';
import type { CompiledOp, OpDef, ShapeInfo } from './types.ts';

const PADDINGS = ['valid', 'same', 'explicit'] as const;

/** Everything the kernels take, with 1-D pooling folded into 2-D (h = 1). */
export interface PoolGeometry {
  n: number; h: number; w: number; c: number;
  oh: number; ow: number;
  kh: number; kw: number;
  sh: number; sw: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
}

/**
 * Output length of one spatial axis and its (begin, end) pads. 'same' is
 * TensorFlow SAME (ONNX SAME_UPPER): ceil(size / stride) outputs, the odd pad
 * at the end. With ceilMode, a last window that would start in the end
 * padding is dropped (ONNX and PyTorch), so every window overlaps the input.
 */
function poolAxis(
  size: number, k: number, s: number, padding: (typeof PADDINGS)[number], pads: [number, number], ceilMode: number,
  where: ErrorWhere, axis: string,
): { out: number; begin: number; end: number } {
  let [begin, end] = pads;
  if (padding === 'same') {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + k - size);
    begin = Math.floor(total / 2);
    end = total - begin;
  }
  if (begin >= k || end >= k) {
    fail('MODEL_ATTRIBUTE', `pads on the ${axis} axis must be smaller than the kernel, or windows would see only padding`, {
      where: { ...where, field: 'pads' }, expected: `< ${k}`, found: `[${begin}, ${end}]`,
    });
  }
  const span = size + begin + end - k;
  if (span < 0) {
    fail('MODEL_SHAPE_MISMATCH', `the pooling window is larger than the padded ${axis} axis`, {
      where: { ...where, field: 'kernel' }, expected: `kernel <= ${size + begin + end}`, found: k,
    });
  }
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= size + begin) out--;
  return { out, begin, end };
}

function readPoolGeometry(dims: 1 | 2, type: string, x: ShapeInfo | undefined, attrs: Attrs, where: ErrorWhere): PoolGeometry {
  const layout = dims === 2 ? '[N, H, W, C]' : '[N, L, C]';
  if (!x) return fail('MODEL_SHAPE_MISMATCH', `${type} needs an input`, { where });
  if (x.shape.length !== dims + 2) {
    fail('MODEL_SHAPE_MISMATCH', `${type} input must be ${dims + 2}-D ${layout}`, { where: { ...where, field: 'x' }, found: `[${x.shape}]` });
  }
  const kernel = intsAttr(attrs, 'kernel', where, dims, undefined, 1);
  const strides = intsAttr(attrs, 'strides', where, dims, kernel, 1);
  const padding = enumAttr(attrs, 'padding', where, PADDINGS, 'valid');
  const ceilMode = intAttr(attrs, 'ceilMode', where, 0, 0, 1);
  let pads = new Array<number>(2 * dims).fill(0);
  if (padding === 'explicit') pads = intsAttr(attrs, 'pads', where, 2 * dims, undefined, 0);
  else if (attrs.pads !== undefined) {
    fail('MODEL_ATTRIBUTE', `${type} reads pads only with padding 'explicit'`, { where: { ...where, field: 'pads' }, found: `padding '${padding}'` });
  }
  const [n, ...rest] = x.shape;
  const c = rest[dims];
  const spatial = rest.slice(0, dims);
  const axes = spatial.map((size, i) =>
    poolAxis(size, kernel[i], strides[i], padding, [pads[i], pads[dims + i]], ceilMode, where, dims === 2 ? (i === 0 ? 'H' : 'W') : 'L'),
  );
  if (dims === 1) {
    const [a] = axes;
    return { n, h: 1, w: spatial[0], c, oh: 1, ow: a.out, kh: 1, kw: kernel[0], sh: 1, sw: strides[0], padTop: 0, padLeft: a.begin, padBottom: 0, padRight: a.end };
  }
  const [ay, ax] = axes;
  return {
    n, h: spatial[0], w: spatial[1], c, oh: ay.out, ow: ax.out, kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1],
    padTop: ay.begin, padLeft: ax.begin, padBottom: ay.end, padRight: ax.end,
  };
}

function makePoolOp(type: string, dims: 1 | 2, kind: 'max' | 'avg'): OpDef {
  const readCountIncludePad = (attrs: Attrs, where: ErrorWhere) => (kind === 'avg' ? intAttr(attrs, 'countIncludePad', where, 0, 0, 1) : 0);
  return {
    type,
    inputs: [{ name: 'x' }],
    outputs: 1,
    infer([x], attrs, where) {
      const g = readPoolGeometry(dims, type, x, attrs, where);
      readCountIncludePad(attrs, where);
      return [{ shape: dims === 2 ? [g.n, g.oh, g.ow, g.c] : [g.n, g.ow, g.c], dtype: 'f32' }];
    },
    macs({ outs, attrs, op }) {
      const kernel = intsAttr(attrs, 'kernel', opWhere(op), dims, undefined, 1);
      return elementCount(outs[0].shape) * elementCount(kernel);
    },
    compile({ op, ins, attrs }) {
      const where = opWhere(op);
      const g = readPoolGeometry(dims, type, ins[0], attrs, where);
      const countIncludePad = readCountIncludePad(attrs, where);
      const common = (x: number, y: number) => [x, g.n, g.h, g.w, g.c, y, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft];
      return {
        weights: [],
        scratchBytes: 0,
        records: (a) => [
          kind === 'max'
            ? { opcode: OPCODES.MAX_POOL2D, args: common(a.input(0), a.output(0)) }
            : { opcode: OPCODES.AVG_POOL2D, args: [...common(a.input(0), a.output(0)), g.padBottom, g.padRight, countIncludePad] },
        ],
      };
    },
  };
}

export const maxPool1dOp = makePoolOp('maxPool1d', 1, 'max');
export const maxPool2dOp = makePoolOp('maxPool2d', 2, 'max');
export const avgPool1dOp = makePoolOp('avgPool1d', 1, 'avg');
export const avgPool2dOp = makePoolOp('avgPool2d', 2, 'avg');

/** The [outer, len, inner] view a mean reduces (len is the middle factor). */
interface MeanView {
  outer: number;
  len: number;
  inner: number;
  shape: number[];
}

function meanCompiled(v: MeanView): CompiledOp {
  return {
    weights: [],
    scratchBytes: 0,
    records: (a) => [{ opcode: OPCODES.MEAN, args: [a.input(0), v.outer, v.len, v.inner, a.output(0)] }],
  };
}

function globalAvgPoolView(x: ShapeInfo | undefined, where: ErrorWhere): MeanView {
  if (!x) return fail('MODEL_SHAPE_MISMATCH', 'globalAvgPool needs an input', { where });
  if (x.shape.length !== 3 && x.shape.length !== 4) {
    fail('MODEL_SHAPE_MISMATCH', 'globalAvgPool input must be [N, H, W, C] or [N, L, C]', { where: { ...where, field: 'x' }, found: `[${x.shape}]` });
  }
  const n = x.shape[0];
  const c = x.shape[x.shape.length - 1];
  return { outer: n, len: elementCount(x.shape.slice(1, -1)), inner: c, shape: [n, c] };
}

export const globalAvgPoolOp: OpDef = {
  type: 'globalAvgPool',
  inputs: [{ name: 'x' }],
  outputs: 1,
  infer([x], _attrs, where) {
    return [{ shape: globalAvgPoolView(x, where).shape, dtype: 'f32' }];
  },
  macs({ ins }) {
    return elementCount(ins[0]!.shape);
  },
  compile({ op, ins }) {
    return meanCompiled(globalAvgPoolView(ins[0], opWhere(op)));
  },
};

function meanView(x: ShapeInfo | undefined, attrs: Attrs, where: ErrorWhere): MeanView {
  if (!x) return fail('MODEL_SHAPE_MISMATCH', 'mean needs an input', { where });
  const rank = x.shape.length;
  const raw = intsAttr(attrs, 'axes', where, undefined);
  const keepDims = intAttr(attrs, 'keepDims', where, 0, 0, 1);
  const axes = raw.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (axes.length === 0 || axes[0] < 0 || axes[axes.length - 1] >= rank || !contiguous) {
    fail('MODEL_ATTRIBUTE', 'mean axes must be a non-empty run of adjacent axes of the input', {
      where: { ...where, field: 'axes' }, expected: `distinct adjacent axes in [${-rank}, ${rank - 1}]`, found: `[${raw}] for rank ${rank}`,
    });
  }
  const first = axes[0];
  const last = axes[axes.length - 1];
  const shape = keepDims
    ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
    : [...x.shape.slice(0, first), ...x.shape.slice(last + 1)];
  return {
    outer: elementCount(x.shape.slice(0, first)),
    len: elementCount(x.shape.slice(first, last + 1)),
    inner: elementCount(x.shape.slice(last + 1)),
    shape,
  };
}

export const meanOp: OpDef = {
  type: 'mean',
  inputs: [{ name: 'x' }],
  outputs: 1,
  infer([x], attrs, where) {
    return [{ shape: meanView(x, attrs, where).shape, dtype: 'f32' }];
  },
  macs({ ins }) {
    return elementCount(ins[0]!.shape);
  },
  compile({ op, ins, attrs }) {
    return meanCompiled(meanView(ins[0], attrs, opWhere(op)));
  },
};
