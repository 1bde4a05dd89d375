// Explanatory variables of one op, computed from its shapes, attributes and
// compiled records (no run): the work (MACs, and MACs padded to the GEMM's
// 8-column panels), the loop iterations its kernel runs (GEMM tiles, the
// depthwise kernel's paths, element-wise rows), the bytes it touches, channel
// counts and their remainders modulo the SIMD widths (4 f32 lanes; 8-column
// GEMM panels; 16-channel depthwise blocks), kernel size, stride, sequence
// length and hidden size. FastDeepIoT (Yao et al. 2018, section 4) fits its
// model trees on variables of this kind.
//
// Each op class lists its variables once (CLASS_FEATURES): which of them a
// tree may split on, and which its leaves regress on. The profiler and the
// predictor both go through opFeatures, so they can never disagree.
import { elementCount, type Op } from '../graph/model.ts';
import type { ShapeInfo } from '../ops/types.ts';
import { convGeometry, readConvWindow } from '../ops/conv.ts';
import type { WasmBuild } from '../runtime/wasm.ts';
import { OPCODES } from '../ops/opcodes.ts';
import type { CompiledPlan } from '../schedule/compile.ts';
import { ACT_CODE } from '../ops/activation-spec.ts';

export const OP_CLASSES = ['dense', 'conv1d', 'conv2d', 'depthwise', 'pool', 'gru', 'lstm', 'elementwise', 'softmax'] as const;
export type OpClass = (typeof OP_CLASSES)[number];

export interface ClassSpec {
  /** Every variable, in the order of a feature vector. */
  features: readonly string[];
  /** The variables a leaf's linear model may use (times in us grow with them). */
  regressors: readonly string[];
}

const ACT = 'activation cost';
/** The fused activation epilogue, applied row by row (activationF32: SIMD for 4 lanes, scalar libm for the rest). */
const EPILOGUE = ['activation rows', 'cheap activation elements', 'transcendental vectors', 'transcendental tail'] as const;

export const CLASS_FEATURES: Record<OpClass, ClassSpec> = {
  dense: {
    features: ['MACs', 'padded MACs', 'tile steps', 'row steps', 'tiles', 'outputs', 'weight bytes', ...EPILOGUE, 'rows', 'k', 'n', 'panels', 'k % 4', 'n % 8', 'rows % 4', ACT],
    regressors: ['tile steps', 'row steps', 'tiles', 'weight bytes', ...EPILOGUE],
  },
  conv1d: convSpec(),
  conv2d: convSpec(),
  depthwise: {
    features: [
      'MACs', 'wide taps', 'vector taps', 'scalar taps', '3x3 taps', 'pixel calls', 'channel blocks', '3x3 row blocks', 'clipped pixels', 'strip lines', 'strips',
      'outputs', 'output pixels', 'inputs', ...EPILOGUE, 'channels', 'channels % 4', 'channels % 16', 'taps', 'stride', 'row length', 'multiplier', '3x3 path', ACT,
    ],
    regressors: ['wide taps', 'vector taps', 'scalar taps', '3x3 taps', 'pixel calls', '3x3 row blocks', 'strip lines', 'strips', ...EPILOGUE],
  },
  pool: {
    features: ['MACs', 'vector taps', 'scalar taps', 'output pixels', 'outputs', 'inputs', 'channels', 'channels % 4', 'window', 'stride', 'kind'],
    regressors: ['vector taps', 'scalar taps', 'output pixels'],
  },
  gru: recurrentSpec(),
  lstm: recurrentSpec(),
  elementwise: {
    features: ['elements', 'row calls', 'vectors', 'scalar elements', 'rows', 'row length', 'elements % 4', 'kind'],
    regressors: ['row calls', 'vectors', 'scalar elements'],
  },
  softmax: {
    features: ['elements', 'vectors', 'length', 'inner', 'length % 4'],
    regressors: ['elements', 'vectors'],
  },
};

function convSpec(): ClassSpec {
  return {
    features: [
      'MACs', 'padded MACs', 'tile steps', 'row steps', 'tiles', 'patch bytes', 'patch runs', 'outputs', 'output pixels', 'weight bytes', ...EPILOGUE,
      'channels', 'filters', 'channels % 4', 'filters % 8', 'patch length', 'patch length % 4', 'taps', 'stride', 'groups', 'pointwise', ACT,
    ],
    regressors: ['tile steps', 'row steps', 'tiles', 'patch bytes', 'patch runs', ...EPILOGUE],
  };
}

function recurrentSpec(): ClassSpec {
  return {
    features: ['MACs', 'input MACs', 'recurrent MACs', 'steps x hidden', 'steps', 'batch', 'input size', 'hidden', 'hidden % 4', 'gates % 8', 'input size % 4', 'weight bytes'],
    regressors: ['input MACs', 'recurrent MACs', 'steps x hidden', 'steps'],
  };
}

/** Which class times an op, or 'free' for ops that run no record (reshape, flatten, ...). */
export type OpKind = OpClass | 'free';

export interface OpFeatures {
  kind: OpKind;
  /** Values in CLASS_FEATURES[kind].features order (empty when free). */
  values: number[];
  macs: number;
  /** True when the op has no class of its own and borrows the element-wise model. */
  approximate: boolean;
}

/**
 * Element-wise kinds; the tree can split cheap from costly ones. sigmoid and
 * tanh differ: their SIMD bodies cost about the same, but the scalar tail
 * (and the whole scalar build) calls libm's tanh, measured 2x sigmoid's exp.
 */
export const ELEMENTWISE_KINDS = { cheap: 0, hard: 1, sigmoid: 2, tanh: 3, binary: 4, broadcast: 5, divide: 6, copy: 7 } as const;
const POOL_KINDS: Record<string, number> = { maxPool1d: 0, maxPool2d: 0, avgPool1d: 1, avgPool2d: 1, globalAvgPool: 2, mean: 2 };

export interface OpShapes {
  ins: readonly (ShapeInfo | undefined)[];
  outs: readonly ShapeInfo[];
}

/**
 * The features of one op. `weightBytes` is the op's packed weight size (the
 * plan's `weightBytes`), `records` the words of the records it runs (none =
 * free; see planRecords): element-wise ops and copies are described by the
 * rows their records walk.
 */
export function opFeatures(op: Op, shapes: OpShapes, macs: number, weightBytes: number, records: readonly Int32Array[], build: WasmBuild): OpFeatures {
  if (records.length === 0) return { kind: 'free', values: [], macs, approximate: false };
  const v = new Map<string, number>();
  const kind = fill(op, shapes, macs, weightBytes, records, v, build !== 'scalar');
  const approximate = kind === 'copy';
  const cls: OpClass = kind === 'copy' ? 'elementwise' : kind;
  const values = CLASS_FEATURES[cls].features.map((f) => v.get(f) ?? 0);
  return { kind: cls, values, macs, approximate };
}

/** The SIMD GEMM clamps relu / clip (relu6) in its stores: no epilogue pass left. */
function gemmEpilogueCost(op: Op, simd: boolean): number {
  const a = op.attrs.activation;
  return simd && (a === 'relu' || a === 'relu6' || a === 'clip') ? 0 : activationCost(op);
}

function activationCost(op: Op): number {
  const a = op.attrs.activation;
  if (a === undefined || a === 'none') return 0;
  return a === 'sigmoid' || a === 'tanh' ? 2 : 1;
}

function fill(op: Op, { ins, outs }: OpShapes, macs: number, weightBytes: number, records: readonly Int32Array[], v: Map<string, number>, simd: boolean): OpClass | 'copy' {
  const x = ins[0]?.shape ?? [];
  const y = outs[0]?.shape ?? [];
  const outputs = elementCount(y);
  const inputs = elementCount(x);
  v.set('MACs', macs).set('outputs', outputs).set('inputs', inputs).set('weight bytes', weightBytes).set(ACT, activationCost(op));
  switch (op.type) {
    case 'dense': {
      const [k, n] = ins[1]!.shape;
      const rows = outputs / n;
      setGemm(v, gemmCalls([{ m: rows, n, k, count: 1 }], simd));
      setEpilogue(v, gemmEpilogueCost(op, simd), rows, n, simd);
      v.set('padded MACs', rows * k * roundUp(n, 8)).set('rows', rows).set('k', k).set('n', n).set('panels', Math.ceil(n / 8));
      v.set('k % 4', k % 4).set('n % 8', n % 8).set('rows % 4', rows % 4);
      return 'dense';
    }
    case 'conv1d':
    case 'conv2d': {
      const rank = op.type === 'conv1d' ? 1 : 2;
      const w = ins[1]!.shape;
      const taps = elementCount(w.slice(0, rank));
      const cg = w[rank];
      const oc = w[rank + 1];
      const groups = Number(op.attrs.groups ?? 1);
      const c = x[x.length - 1];
      const pixels = outputs / oc;
      const patch = taps * cg;
      const strides = (op.attrs.strides as number[] | undefined) ?? [1];
      const stride = Math.max(...strides);
      const padded = pixels * patch * groups * roundUp(oc / groups, 8);
      // A 1x1, stride-1 conv with no padding reads x directly (no im2col copy).
      const pointwise = taps === 1 && stride === 1 && pixels * c === inputs ? 1 : 0;
      const conv = pointwise
        ? { calls: gemmCalls([{ m: pixels, n: oc / groups, k: patch, count: groups }], simd), runs: 0, copied: 0 }
        : convWork(op, x, w, rank, pixels, simd);
      setGemm(v, conv.calls);
      setEpilogue(v, gemmEpilogueCost(op, simd), pixels * groups, oc / groups, simd);
      v.set('padded MACs', padded).set('patch bytes', conv.copied * 4).set('patch runs', conv.runs).set('output pixels', pixels);
      v.set('channels', c).set('filters', oc).set('channels % 4', c % 4).set('filters % 8', oc % 8);
      v.set('patch length', patch).set('patch length % 4', patch % 4).set('taps', taps).set('stride', stride).set('groups', groups).set('pointwise', pointwise);
      return op.type;
    }
    case 'depthwiseConv1d':
    case 'depthwiseConv2d': {
      const g = depthwiseGeometry(op, x, ins[1]!.shape, op.type === 'depthwiseConv1d' ? 1 : 2);
      const co = g.c * g.multiplier;
      const work = depthwiseWork(g, simd);
      // One epilogue call per output row of ow * co floats.
      setEpilogue(v, activationCost(op), g.n * g.oh, g.ow * co, simd);
      v.set('wide taps', work.wideTaps).set('vector taps', work.vectorTaps).set('scalar taps', work.scalarTaps).set('3x3 taps', work.taps3x3);
      v.set('pixel calls', work.pixelCalls).set('channel blocks', work.blocks).set('3x3 row blocks', work.rowBlocks3x3).set('clipped pixels', work.clippedPixels);
      v.set('strip lines', work.stripLines).set('strips', work.strips);
      v.set('3x3 path', work.rowBlocks3x3 > 0 ? 1 : 0).set('output pixels', outputs / co).set('channels', co).set('channels % 4', co % 4).set('channels % 16', co % 16);
      v.set('taps', g.kh * g.kw).set('stride', Math.max(g.sh, g.sw)).set('row length', g.ow).set('multiplier', g.multiplier);
      return 'depthwise';
    }
    case 'maxPool1d': case 'maxPool2d': case 'avgPool1d': case 'avgPool2d': case 'globalAvgPool': case 'mean': {
      const c = x[x.length - 1];
      const kernel = (op.attrs.kernel as number[] | undefined) ?? [inputs / Math.max(1, outputs)];
      const strides = (op.attrs.strides as number[] | undefined) ?? kernel;
      v.set('channels', c).set('channels % 4', c % 4).set('window', elementCount(kernel)).set('stride', Math.max(...strides)).set('kind', POOL_KINDS[op.type]);
      // Windowed pools: per output pixel, the window's taps over c channels, 4 at a
      // time. Global pooling / mean adds one input row of c channels per step.
      if (POOL_KINDS[op.type] === 2) setLanes(v, inputs / c, 1, c);
      else setLanes(v, outputs / c, elementCount(kernel), c);
      return 'pool';
    }
    case 'gru':
    case 'lstm': {
      const gates = op.type === 'gru' ? 3 : 4;
      const [n, t, i] = x;
      const h = Number(op.attrs.hidden);
      v.set('input MACs', n * t * i * gates * h).set('recurrent MACs', n * t * h * gates * h).set('steps x hidden', n * t * h);
      v.set('steps', t).set('batch', n).set('input size', i).set('hidden', h).set('hidden % 4', h % 4).set('gates % 8', (gates * h) % 8).set('input size % 4', i % 4);
      return op.type;
    }
    case 'softmax':
    case 'logSoftmax': {
      const rank = x.length;
      const raw = Number(op.attrs.axis ?? -1);
      const axis = raw < 0 ? raw + rank : raw;
      const len = x[axis];
      const inner = elementCount(x.slice(axis + 1));
      v.set('elements', inputs).set('vectors', inputs / len).set('length', len).set('inner', inner).set('length % 4', len % 4);
      return 'softmax';
    }
    default: {
      const kindCode = elementwiseKind(op, ins);
      // The kernels walk the innermost run; a broadcast bias makes it the last dim.
      const rowLength = Math.max(1, y[y.length - 1] ?? 1);
      v.set('elements', outputs).set('rows', outputs / rowLength).set('row length', rowLength).set('elements % 4', outputs % 4).set('kind', kindCode);
      const rows = recordRows(records, outputs, simd);
      v.set('row calls', rows.calls).set('vectors', rows.vectors).set('scalar elements', rows.scalars);
      return kindCode === ELEMENTWISE_KINDS.copy ? 'copy' : 'elementwise';
    }
  }
}

function elementwiseKind(op: Op, ins: readonly (ShapeInfo | undefined)[]): number {
  switch (op.type) {
    case 'sigmoid':
      return ELEMENTWISE_KINDS.sigmoid;
    case 'tanh':
      return ELEMENTWISE_KINDS.tanh;
    case 'hardSwish': case 'hardSigmoid':
      return ELEMENTWISE_KINDS.hard;
    case 'relu': case 'relu6': case 'clip': case 'leakyRelu':
      return ELEMENTWISE_KINDS.cheap;
    case 'div':
      return ELEMENTWISE_KINDS.divide;
    case 'add': case 'sub': case 'mul': case 'max': case 'min': {
      const same = ins.length === 2 && ins[0] && ins[1] && elementCount(ins[0].shape) === elementCount(ins[1].shape);
      return same ? ELEMENTWISE_KINDS.binary : ELEMENTWISE_KINDS.broadcast;
    }
    default:
      return ELEMENTWISE_KINDS.copy;
  }
}

interface GemmWork {
  tileSteps: number;
  rowSteps: number;
  tiles: number;
}

/**
 * Inner-loop iterations of gemmF32 (assembly/kernels/dense.ts) over calls
 * of m x n x k. SIMD: rows go 4 at a time through 4x8 tiles, k steps each
 * ('tile steps'), a last 2 or 3 rows too (aliased rows); a last single row
 * runs the GEMV loop, k steps per pair of 8-column panels ('row steps',
 * latency-bound). Scalar: every row and panel is k scalar steps ('row
 * steps'). 'tiles' counts the passes (a fixed cost each).
 */
function gemmCalls(calls: { m: number; n: number; k: number; count: number }[], simd: boolean): GemmWork {
  const work: GemmWork = { tileSteps: 0, rowSteps: 0, tiles: 0 };
  for (const { m, n, k, count } of calls) {
    const panels = Math.ceil(n / 8);
    if (!simd) {
      work.rowSteps += count * m * panels * k;
      work.tiles += count * m * panels;
      continue;
    }
    const groups = Math.floor(m / 4) + (m % 4 >= 2 ? 1 : 0);
    const single = m % 4 === 1 ? 1 : 0;
    work.tileSteps += count * groups * panels * k;
    work.rowSteps += count * single * Math.ceil(panels / 2) * k;
    work.tiles += count * (groups * panels + single * Math.ceil(panels / 2));
  }
  return work;
}

function addWork(a: GemmWork, b: GemmWork): GemmWork {
  return { tileSteps: a.tileSteps + b.tileSteps, rowSteps: a.rowSteps + b.rowSteps, tiles: a.tiles + b.tiles };
}

function setGemm(v: Map<string, number>, w: GemmWork): void {
  v.set('tile steps', w.tileSteps).set('row steps', w.rowSteps).set('tiles', w.tiles);
}

/**
 * The GEMM calls and patch copies of a non-pointwise conv2dF32
 * (assembly/kernels/conv.ts). SIMD with one group, unit column dilation and
 * kernel rows of >= 8 floats: per output row, the columns whose window lies
 * inside the input are one GEMM reading the patches in place (rows of 4,
 * the last aliased; k = the kernel rows inside the image), and the border
 * columns are copied (one move per kernel row) and run as one GEMM per
 * column. Otherwise (scalar, groups, dilation, narrow rows): im2col tiles of
 * up to 64 KiB, one move per kernel row (groups 1, no column dilation) or per
 * tap, then one GEMM per tile and group.
 */
function convWork(op: Op, x: readonly number[], wt: readonly number[], rank: 1 | 2, pixels: number, simd: boolean): { calls: GemmWork; runs: number; copied: number } {
  const win = readConvWindow(op.attrs, { op: op.name }, rank);
  const spatial = x.slice(1, rank + 1);
  const axes = convGeometry(spatial, wt.slice(0, rank), win, { op: op.name });
  const nb = x[0];
  const c = x[x.length - 1];
  const [h, w] = rank === 2 ? spatial : [1, spatial[0]];
  const [kh, kw] = rank === 2 ? [wt[0], wt[1]] : [1, wt[0]];
  const [oh, ow] = rank === 2 ? [axes[0].out, axes[1].out] : [1, axes[0].out];
  const [sh, sw] = rank === 2 ? win.strides : [1, win.strides[0]];
  const [dh, dw] = rank === 2 ? win.dilations : [1, win.dilations[0]];
  const [padTop, padLeft] = rank === 2 ? [axes[0].padBegin, axes[1].padBegin] : [0, axes[0].padBegin];
  const groups = Number(op.attrs.groups ?? 1);
  const oc = wt[wt.length - 1];
  const cg = c / groups;
  const k = kh * kw * cg;
  const asRuns = groups === 1 && dw === 1;
  if (simd && asRuns && kw * c >= 8) {
    const oxIn0 = Math.min(ow, Math.floor((padLeft + sw - 1) / sw));
    const lastX = w - kw + padLeft;
    const oxIn1 = Math.max(oxIn0, lastX < 0 ? 0 : Math.min(ow, Math.floor(lastX / sw) + 1));
    const inner = oxIn1 - oxIn0;
    const calls: { m: number; n: number; k: number; count: number }[] = [];
    for (let oy = 0; oy < oh && inner > 0; oy++) {
      const iy0 = oy * sh - padTop;
      const kyLo = iy0 >= 0 ? 0 : Math.ceil(-iy0 / dh);
      const room = h - iy0;
      const kyHi = room <= 0 ? 0 : Math.min(kh, Math.ceil(room / dh));
      // The segmented GEMM runs every row group as a 4-row tile.
      calls.push({ m: 4 * Math.ceil(inner / 4), n: oc, k: Math.max(0, kyHi - kyLo) * kw * c, count: nb });
    }
    const border = ow - inner;
    const tile = convTilePixels(pixels, k);
    const rowsTotal = nb * oh;
    const chunks = Math.ceil(rowsTotal / tile);
    const last = rowsTotal - (chunks - 1) * tile;
    const edge = border > 0 ? gemmCalls([{ m: tile, n: oc, k, count: border * (chunks - 1) }, { m: last, n: oc, k, count: border }], true) : { tileSteps: 0, rowSteps: 0, tiles: 0 };
    return { calls: addWork(gemmCalls(calls, true), edge), runs: border * rowsTotal * kh, copied: border * rowsTotal * k };
  }
  const tile = convTilePixels(pixels, k);
  const full = Math.floor(pixels / tile);
  const calls = gemmCalls([{ m: tile, n: oc / groups, k, count: full * groups }, { m: pixels - full * tile, n: oc / groups, k, count: groups }], simd);
  // A kernel row outside the input is one fill; inside, one move per row (runs) or per tap.
  const perValidRow = asRuns ? ow : ow * kw;
  let runs = 0;
  for (let oy = 0; oy < oh; oy++) {
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh - padTop + ky * dh;
      runs += iy >= 0 && iy < h ? perValidRow : ow;
    }
  }
  return { calls, runs: runs * nb * groups, copied: pixels * k * groups };
}

/** A depthwise conv as depthwiseConv2dF32 sees it (1-D: h = oh = kh = 1). */
interface DepthwiseGeometry {
  n: number; h: number; w: number; c: number; oh: number; ow: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; padTop: number; padLeft: number; multiplier: number;
}

function depthwiseGeometry(op: Op, x: readonly number[], wt: readonly number[], rank: 1 | 2): DepthwiseGeometry {
  const win = readConvWindow(op.attrs, { op: op.name }, rank);
  const axes = convGeometry(x.slice(1, rank + 1), wt.slice(0, rank), win, { op: op.name });
  const two = rank === 2;
  return {
    n: x[0], h: two ? x[1] : 1, w: x[rank], c: x[rank + 1], oh: two ? axes[0].out : 1, ow: axes[rank - 1].out,
    kh: two ? wt[0] : 1, kw: wt[rank - 1], sh: two ? win.strides[0] : 1, sw: win.strides[rank - 1],
    dh: two ? win.dilations[0] : 1, dw: win.dilations[rank - 1], padTop: two ? axes[0].padBegin : 0, padLeft: axes[rank - 1].padBegin,
    multiplier: Number(op.attrs.multiplier ?? 1),
  };
}

/** What depthwiseConv2dF32 executes, counted by replaying its loop bounds. */
interface DepthwiseWork {
  /** Tap steps of four independent f32x4 accumulators (4 multiply-adds each): the pixel path's 16-channel blocks, the quad path's 4-channel blocks. */
  wideTaps: number;
  /** Tap steps of one accumulator: the pixel path's 4-channel blocks, the multiplier path's gathered blocks; scalar build: 4-channel passes. */
  vectorTaps: number;
  /** Scalar multiply-adds of the channels no block covers. */
  scalarTaps: number;
  /** 3x3 path: f32x4 multiply-adds (9 per interior pixel, 3 per border column inside the input). */
  taps3x3: number;
  /** Calls of the pixel, quad and multiplier routines (and 3x3 border pixels), each with its clipping and addressing. */
  pixelCalls: number;
  /** Channel blocks started: accumulators set from the bias, stored after the taps. */
  blocks: number;
  /** 3x3 path: output rows x 4-channel blocks, 9 weight vectors loaded for each. */
  rowBlocks3x3: number;
  /** Generic path: pixels whose columns are clipped (two divisions each). */
  clippedPixels: number;
  /** Strip path: kernel lines run by each strip x 4-channel blocks (3 weight and up to 6 input loads, 12 multiply-adds each). */
  stripLines: number;
  /** Strip path: strips x 4-channel blocks (accumulators from the bias, 4 stores). */
  strips: number;
}

/**
 * Replays the loop bounds of depthwiseConv2dF32 (assembly/kernels/depthwise.ts).
 * SIMD, 3x3, multiplier 1, no dilation, c % 4 == 0 and stride 1 along rows
 * of >= 4 outputs or down columns of >= 4: the strip path, strips of 4
 * outputs along whichever direction computes fewer (a line's last strip
 * overlaps the one before), each running the kernel lines inside the input.
 * Else, with at least 8 interior
 * columns: the 3x3 path, per output row and 4-channel block 9 weight loads,
 * then every pixel with all 3 kernel rows (rows outside the input run with
 * zero weights) over the columns inside the input. Otherwise every pixel's
 * window is clipped to the input; SIMD with multiplier 1 runs runs of 4
 * interior pixels (whole window) through the quad routine, the rest one
 * pixel at a time in 16-, then 4-channel blocks, then single channels.
 */
function depthwiseWork(g: DepthwiseGeometry, simd: boolean): DepthwiseWork {
  const { n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft, multiplier } = g;
  const work: DepthwiseWork = { wideTaps: 0, vectorTaps: 0, scalarTaps: 0, taps3x3: 0, pixelCalls: 0, blocks: 0, rowBlocks3x3: 0, clippedPixels: 0, stripLines: 0, strips: 0 };
  const oxIn0 = Math.min(ow, Math.floor((padLeft + sw - 1) / sw));
  const plain3x3 = simd && kh === 3 && kw === 3 && multiplier === 1 && dh === 1 && dw === 1 && c % 4 === 0;
  if (plain3x3 && ((sw === 1 && ow >= 4) || (sh === 1 && oh >= 4))) {
    const computed = (along: number, across: number) => across * Math.ceil(along / 4) * 4;
    const vertical = sh === 1 && oh >= 4 && (sw !== 1 || ow < 4 || computed(oh, ow) < computed(ow, oh));
    const [nAlong, nAcross, strideAcross, padAcross, sizeAcross] = vertical ? [oh, ow, sw, padLeft, w] : [ow, oh, sh, padTop, h];
    let lines = 0;
    for (let a = 0; a < nAcross; a++) {
      const i0 = a * strideAcross - padAcross;
      lines += Math.max(0, Math.min(3, sizeAcross - i0) - Math.max(0, -i0));
    }
    const perLine = Math.ceil(nAlong / 4) * (c / 4);
    work.stripLines = n * lines * perLine;
    work.strips = n * nAcross * perLine;
    return work;
  }
  if (plain3x3) {
    const lastX = w - 3 + padLeft;
    const oxIn1 = Math.max(oxIn0, lastX < 0 ? 0 : Math.min(ow, Math.floor(lastX / sw) + 1));
    if (oxIn1 - oxIn0 >= 8) {
      let borderColumns = 0;
      for (let ox = 0; ox < ow; ox++) {
        if (ox >= oxIn0 && ox < oxIn1) continue;
        for (let k = 0; k < 3; k++) borderColumns += ox * sw - padLeft + k >= 0 && ox * sw - padLeft + k < w ? 1 : 0;
      }
      const rowBlocks = n * oh * (c / 4);
      work.rowBlocks3x3 = rowBlocks;
      work.taps3x3 = rowBlocks * (9 * (oxIn1 - oxIn0) + 3 * borderColumns);
      work.pixelCalls = rowBlocks * (ow - (oxIn1 - oxIn0));
      return work;
    }
  }
  const lastFit = w - 1 + padLeft - (kw - 1) * dw;
  const oxIn1 = lastFit < 0 ? 0 : Math.min(ow, Math.floor(lastFit / sw) + 1);
  const validTaps = (origin: number, d: number, size: number, taps: number) => {
    const lo = origin >= 0 ? 0 : Math.ceil(-origin / d);
    const room = size - origin;
    return Math.max(0, (room <= 0 ? 0 : Math.min(taps, Math.ceil(room / d))) - lo);
  };
  // Per pixel call: blocks of [wide, vector, scalar] channels.
  const co = c * multiplier;
  const pixel = !simd ? (multiplier === 1 ? [0, Math.floor(c / 4), c % 4] : [0, 0, co])
    : multiplier === 1 ? [Math.floor(c / 16), Math.floor((c % 16) / 4), c % 4] : [0, Math.floor(co / 4), co % 4];
  const quad = simd && multiplier === 1;
  // Column sums for a row whose window has rows inside the input (the quad
  // path needs one); a row without any runs single pixels with no taps.
  let quadCalls = 0;
  let quadColumnTaps = 0;
  let pixelCalls = 0;
  let pixelColumnTaps = 0;
  for (let ox = 0; ox < ow; ox++) {
    if (quad && ox >= oxIn0 && ox + 4 <= oxIn1) {
      quadCalls++;
      quadColumnTaps += kw;
      ox += 3;
      continue;
    }
    pixelCalls++;
    pixelColumnTaps += validTaps(ox * sw - padLeft, dw, w, kw);
  }
  const clippedColumns = ow - Math.max(0, oxIn1 - oxIn0);
  let rowTaps = 0;
  let liveRows = 0;
  for (let oy = 0; oy < oh; oy++) {
    const nky = validTaps(oy * sh - padTop, dh, h, kh);
    rowTaps += nky;
    liveRows += nky > 0 ? 1 : 0;
  }
  const deadRows = oh - liveRows;
  const quadTaps = n * rowTaps * quadColumnTaps;
  const pixelTaps = n * rowTaps * pixelColumnTaps;
  const calls = n * (liveRows * (quadCalls + pixelCalls) + deadRows * ow);
  const pixelCallsAll = n * (liveRows * pixelCalls + deadRows * ow);
  const quadCallsAll = n * liveRows * quadCalls;
  work.wideTaps = pixelTaps * pixel[0] + quadTaps * Math.floor(c / 4);
  work.vectorTaps = pixelTaps * pixel[1];
  work.scalarTaps = pixelTaps * pixel[2] + quadTaps * 4 * (c % 4);
  work.pixelCalls = calls;
  work.blocks = pixelCallsAll * (pixel[0] + pixel[1] + pixel[2]) + quadCallsAll * (Math.floor(c / 4) + 4 * (c % 4));
  work.clippedPixels = n * oh * clippedColumns;
  return work;
}

/** The words of op i's records in the plan's op list: [opcode, word count, args...] each. */
export function planRecords(plan: CompiledPlan, i: number): Int32Array[] {
  return plan.ops[i].records.map((address) => {
    const at = (address - plan.layout.opListOffset) >> 2;
    return plan.words.subarray(at, at + 2 + plan.words[at + 1]);
  });
}

/**
 * The rows the element-wise and copy kernels run over, read from their
 * records: a unary activation is one call over all elements; a binary op
 * (assembly/kernels/elementwise.ts) and a strided copy (copy.ts) call a row
 * routine once per row of the merged descriptor's last dim, whose contiguous
 * or splat rows run f32x4 vectors (copies of 64 floats or more: one
 * memory.copy) and a scalar tail, and whose strided rows run scalar; the
 * tiled transpose moves 4x4 tiles and its edges one float at a time. The
 * scalar build runs every float scalar (memory.copy aside). Other records
 * count as one call over the op's outputs.
 */
function recordRows(records: readonly Int32Array[], outputs: number, simd: boolean): { calls: number; vectors: number; scalars: number } {
  const out = { calls: 0, vectors: 0, scalars: 0 };
  const run = (rows: number, n: number, vector: boolean) => {
    out.calls += rows;
    if (vector) {
      out.vectors += rows * Math.floor(n / 4);
      out.scalars += rows * (n % 4);
    } else out.scalars += rows * n;
  };
  for (const r of records) {
    const opcode = r[0];
    const args = r.subarray(2);
    if (opcode === OPCODES.ACTIVATION) {
      // The SIMD build runs a sigmoid/tanh tail as one more (zero-padded) vector.
      const padded = simd && (args[3] === ACT_CODE.sigmoid || args[3] === ACT_CODE.tanh);
      run(1, padded ? Math.ceil(args[2] / 4) * 4 : args[2], simd);
      continue;
    }
    // [..., rank, shape[rank], strides of each operand[rank]]
    const at = opcode === OPCODES.BINARY ? 4 : opcode === OPCODES.COPY_STRIDED || opcode === OPCODES.TRANSPOSE ? 2 : -1;
    if (at < 0) {
      run(1, outputs, simd);
      continue;
    }
    const rank = args[at];
    const shape = Array.from(args.subarray(at + 1, at + 1 + rank));
    const last = (k: number) => args[at + 1 + k * rank + rank - 1];
    const n = shape[rank - 1];
    const outer = shape.slice(0, rank - 1).reduce((a, b) => a * b, 1);
    if (opcode === OPCODES.BINARY) {
      const [sa, sb] = [last(1), last(2)];
      run(outer, n, simd && (sa === 1 || sb === 1) && (sa | sb) <= 1 && sa >= 0 && sb >= 0);
    } else if (opcode === OPCODES.COPY_STRIDED) {
      const [ss, ds] = [last(1), last(2)];
      if (ss === 1 && ds === 1 && (n >= 64 || !simd)) {
        out.calls += outer;
        if (n >= 64) out.vectors += outer * (n / 4);
        else out.scalars += outer * n;
      } else run(outer, n, simd && ds === 1 && (ss === 1 || ss === 0 || ss === -1));
    } else {
      const p = shape[rank - 2];
      const planes = outer / p;
      const tiled = Math.floor(p / 4) * Math.floor(n / 4) * 16;
      out.calls += planes;
      out.vectors += planes * (tiled / 4);
      out.scalars += planes * (p * n - tiled);
    }
  }
  return out;
}

function setLanes(v: Map<string, number>, pixels: number, taps: number, channels: number): void {
  v.set('output pixels', pixels).set('vector taps', pixels * taps * Math.floor(channels / 4)).set('scalar taps', pixels * taps * (channels % 4));
}

function setEpilogue(v: Map<string, number>, cost: number, rows: number, n: number, simd: boolean): void {
  v.set('activation rows', cost > 0 ? rows : 0).set('cheap activation elements', cost === 1 ? rows * n : 0);
  // sigmoid/tanh (activation.ts): the SIMD build runs a row's last 1..3 values as one more
  // zero-padded vector; the scalar build calls libm per value.
  const vectors = simd ? Math.ceil(n / 4) : Math.floor(n / 4);
  v.set('transcendental vectors', cost === 2 ? rows * vectors : 0).set('transcendental tail', cost === 2 && !simd ? rows * (n % 4) : 0);
}

/** Mirrors conv2dTilePixels in assembly/kernels/conv.ts (64 KiB of patches per tile). */
function convTilePixels(pixels: number, k: number): number {
  const t = Math.floor((64 * 1024) / (k * 4));
  if (t >= pixels) return pixels;
  if (t < 4) return Math.min(4, pixels);
  return t - (t % 4);
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
