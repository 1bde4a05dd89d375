// Explanatory variables of one op, computed from its shapes and attributes
// only (no run): the work (MACs, and MACs padded to the GEMM's 8-column
// panels), the bytes it touches, channel counts and their remainders modulo
// the SIMD widths (4 f32 lanes; 8-column GEMM panels; 16-channel depthwise
// blocks), kernel size, stride, sequence length and hidden size. FastDeepIoT
// (Yao et al. 2018, section 4) fits its model trees on variables of this kind.
//
// Each op class lists its variables once (CLASS_FEATURES): which of them a
// tree may split on, and which its leaves regress on. The profiler and the
// predictor both go through opFeatures, so they can never disagree.
import { elementCount, type Op } from '../graph/model.ts';
import type { ShapeInfo } from '../ops/types.ts';
import { convGeometry, readConvWindow } from '../ops/conv.ts';
import type { WasmBuild } from '../runtime/wasm.ts';

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
    features: ['MACs', 'vector taps', 'scalar taps', 'outputs', 'output pixels', 'inputs', ...EPILOGUE, 'channels', 'channels % 4', 'channels % 16', 'taps', 'stride', 'row length', 'multiplier', '3x3 path', ACT],
    regressors: ['vector taps', 'scalar taps', 'output pixels', ...EPILOGUE],
  },
  pool: {
    features: ['MACs', 'vector taps', 'scalar taps', 'output pixels', 'outputs', 'inputs', 'channels', 'channels % 4', 'window', 'stride', 'kind'],
    regressors: ['vector taps', 'scalar taps', 'output pixels'],
  },
  gru: recurrentSpec(),
  lstm: recurrentSpec(),
  elementwise: {
    features: ['elements', 'rows', 'row length', 'elements % 4', 'kind'],
    regressors: ['elements', 'rows', 'elements % 4'],
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

/** Element-wise kinds; the tree can split cheap from costly ones. */
export const ELEMENTWISE_KINDS = { cheap: 0, hard: 1, transcendental: 2, binary: 3, broadcast: 4, divide: 5, copy: 6 } as const;
const POOL_KINDS: Record<string, number> = { maxPool1d: 0, maxPool2d: 0, avgPool1d: 1, avgPool2d: 1, globalAvgPool: 2, mean: 2 };

export interface OpShapes {
  ins: readonly (ShapeInfo | undefined)[];
  outs: readonly ShapeInfo[];
}

/**
 * The features of one op. `weightBytes` is the op's packed weight size (the
 * plan's `weightBytes`), `records` how many records it runs (0 = free).
 */
export function opFeatures(op: Op, shapes: OpShapes, macs: number, weightBytes: number, records: number, build: WasmBuild): OpFeatures {
  if (records === 0) return { kind: 'free', values: [], macs, approximate: false };
  const v = new Map<string, number>();
  const kind = fill(op, shapes, macs, weightBytes, v, build === 'simd');
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

function fill(op: Op, { ins, outs }: OpShapes, macs: number, weightBytes: number, v: Map<string, number>, simd: boolean): OpClass | 'copy' {
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
      setEpilogue(v, gemmEpilogueCost(op, simd), rows, n);
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
      setEpilogue(v, gemmEpilogueCost(op, simd), pixels * groups, oc / groups);
      v.set('padded MACs', padded).set('patch bytes', conv.copied * 4).set('patch runs', conv.runs).set('output pixels', pixels);
      v.set('channels', c).set('filters', oc).set('channels % 4', c % 4).set('filters % 8', oc % 8);
      v.set('patch length', patch).set('patch length % 4', patch % 4).set('taps', taps).set('stride', stride).set('groups', groups).set('pointwise', pointwise);
      return op.type;
    }
    case 'depthwiseConv1d':
    case 'depthwiseConv2d': {
      const rank = op.type === 'depthwiseConv1d' ? 1 : 2;
      const co = y[y.length - 1];
      const taps = elementCount(ins[1]!.shape.slice(0, rank));
      const strides = (op.attrs.strides as number[] | undefined) ?? [1];
      const dil = (op.attrs.dilations as number[] | undefined) ?? [1];
      const multiplier = Number(op.attrs.multiplier ?? 1);
      // One epilogue call per output row of ow * co floats.
      setEpilogue(v, activationCost(op), outputs / (y[y.length - 2] * co), y[y.length - 2] * co);
      // The SIMD build's 3x3 kernel (assembly/kernels/depthwise.ts), roughly: its full condition also checks the row fits.
      const fast = simd && rank === 2 && taps === 9 && ins[1]!.shape[0] === 3 && multiplier === 1 && dil.every((d) => d === 1) && co % 4 === 0;
      v.set('3x3 path', fast ? 1 : 0);
      // Channels go 4 at a time through the window's taps; the last co % 4 one at a time.
      setLanes(v, outputs / co, taps, co);
      v.set('output pixels', outputs / co).set('channels', co).set('channels % 4', co % 4).set('channels % 16', co % 16);
      v.set('taps', taps).set('stride', Math.max(...strides)).set('row length', y[y.length - 2]).set('multiplier', Number(op.attrs.multiplier ?? 1));
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
      return kindCode === ELEMENTWISE_KINDS.copy ? 'copy' : 'elementwise';
    }
  }
}

function elementwiseKind(op: Op, ins: readonly (ShapeInfo | undefined)[]): number {
  switch (op.type) {
    case 'sigmoid': case 'tanh':
      return ELEMENTWISE_KINDS.transcendental;
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

function setLanes(v: Map<string, number>, pixels: number, taps: number, channels: number): void {
  v.set('output pixels', pixels).set('vector taps', pixels * taps * Math.floor(channels / 4)).set('scalar taps', pixels * taps * (channels % 4));
}

function setEpilogue(v: Map<string, number>, cost: number, rows: number, n: number): void {
  v.set('activation rows', cost > 0 ? rows : 0).set('cheap activation elements', cost === 1 ? rows * n : 0);
  v.set('transcendental vectors', cost === 2 ? rows * Math.floor(n / 4) : 0).set('transcendental tail', cost === 2 ? rows * (n % 4) : 0);
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
