// A model tree: binary splits on explanatory variables, a linear model in
// each leaf (Quinlan 1992, "Learning with continuous classes", M5; used for
// execution time by Yao et al. 2018, "FastDeepIoT"). Growth is greedy and
// best-first: the leaf whose best split most reduces the children's
// least-squares error is split next, up to `maxLeaves`. The grown tree is
// then pruned on held-out rows (reduced-error pruning: a subtree becomes a
// leaf when that does not raise the held-out error). The leaves are then
// refitted with the held-out rows that their own training rows bracket on
// every feature their path tests: a held-out row in the gap between a
// threshold's two training neighbours may sit on the wrong side of a sharp
// boundary, so it stays out.
//
// Split search keeps sufficient statistics (sums of w, wx, wy, wxx', wxy,
// wy^2) while sweeping a sorted feature, so each candidate threshold costs
// one small p x p solve instead of a pass over the rows.
import { fail } from '../errors.ts';
import { makeRng } from '../util/rng.ts';

export interface LinearModel {
  /** Prediction when every regressor is 0. */
  intercept: number;
  /** [feature index, slope] pairs; regressors that did not help are absent. */
  terms: [number, number][];
}

export interface TreeSplit {
  /** Rows with x[feature] <= threshold go to `le`, the others to `gt`. */
  feature: number;
  threshold: number;
  le: TreeNode;
  gt: TreeNode;
}

export type TreeNode = { model: LinearModel; rows: number } | { split: TreeSplit };

export interface ModelTree {
  features: string[];
  root: TreeNode;
}

export interface FitOptions {
  featureNames: string[];
  /** Columns a split may test (default: all). */
  splitFeatures?: number[];
  /** Columns the leaf models regress on (default: all). */
  regressors?: number[];
  /** Per-row weights (default 1); 1/y^2 makes the fit minimise relative error. */
  weights?: number[];
  /** Fewest training rows in a leaf (default max(5, 2 * (regressors + 1))). */
  minLeaf?: number;
  maxLeaves?: number;
  /** Share of rows held out for pruning (default 0.25; none below 8 rows). */
  validationFraction?: number;
  seed?: number;
  /** Keep slopes >= 0 (time never falls as work grows): drop negative regressors and refit. */
  nonNegative?: boolean;
  /** Candidate thresholds tried per feature and node (default 48). */
  maxThresholds?: number;
}

export interface FitReport {
  tree: ModelTree;
  leaves: number;
  trainRows: number;
  validationRows: number;
  /** Root of the weighted mean squared error on training and held-out rows. */
  trainRmse: number;
  validationRmse: number;
  /** Indices of the held-out rows. */
  validation: number[];
}

export function fitModelTree(X: readonly (readonly number[])[], y: readonly number[], options: FitOptions): FitReport {
  checkData(X, y, options);
  const names = options.featureNames;
  const nf = names.length;
  const splitFeatures = options.splitFeatures ?? range(nf);
  const regressors = options.regressors ?? range(nf);
  const w = options.weights ?? y.map(() => 1);
  const minLeaf = Math.max(1, options.minLeaf ?? Math.max(5, 2 * (regressors.length + 1)));
  const maxLeaves = Math.max(1, options.maxLeaves ?? 16);
  const ctx: FitContext = {
    X, y, w, regressors, nonNegative: options.nonNegative ?? false,
    // Regressors are scaled to unit RMS so the sums stay well conditioned whatever their units.
    scale: regressors.map((j) => Math.sqrt(X.reduce((s, r) => s + r[j] * r[j], 0) / X.length) || 1),
  };

  const rows = range(y.length);
  const fraction = options.validationFraction ?? 0.25;
  let validation: number[] = [];
  let train = rows;
  if (fraction > 0 && y.length >= 8) {
    const rng = makeRng(options.seed ?? 1);
    const order = rows.map((i) => ({ i, k: rng.next() })).sort((a, b) => a.k - b.k).map((e) => e.i);
    const nv = Math.max(1, Math.round(fraction * y.length));
    validation = order.slice(0, nv).sort((a, b) => a - b);
    train = order.slice(nv).sort((a, b) => a - b);
  }

  const grown = grow(ctx, train, splitFeatures, minLeaf, maxLeaves, options.maxThresholds ?? 48);
  const trainRmse = rmse(ctx, grown, train);
  if (validation.length > 0) prune(ctx, grown, validation);
  const validationRmse = validation.length > 0 ? rmse(ctx, grown, validation) : trainRmse;
  if (validation.length > 0) refit(ctx, grown, validation, []);
  const root = freeze(grown);
  return { tree: { features: [...names], root }, leaves: countLeaves(root), trainRows: train.length, validationRows: validation.length, trainRmse, validationRmse, validation };
}

export function predictTree(tree: ModelTree, x: readonly number[]): number {
  let node = tree.root;
  while ('split' in node) node = x[node.split.feature] <= node.split.threshold ? node.split.le : node.split.gt;
  return evalLinear(node.model, x);
}

export function evalLinear(m: LinearModel, x: readonly number[]): number {
  let t = m.intercept;
  for (const [j, b] of m.terms) t += b * x[j];
  return t;
}

export function countLeaves(node: TreeNode): number {
  return 'split' in node ? countLeaves(node.split.le) + countLeaves(node.split.gt) : 1;
}

/** Each leaf with the path to it: the conditions as [feature, lower bound (exclusive), upper bound (inclusive)]. */
export function treeLeaves(tree: ModelTree): { bounds: Map<number, [number, number]>; model: LinearModel; rows: number }[] {
  const out: { bounds: Map<number, [number, number]>; model: LinearModel; rows: number }[] = [];
  const walk = (node: TreeNode, bounds: Map<number, [number, number]>) => {
    if (!('split' in node)) {
      out.push({ bounds, model: node.model, rows: node.rows });
      return;
    }
    const { feature: f, threshold: t } = node.split;
    const [lo, hi] = bounds.get(f) ?? [-Infinity, Infinity];
    walk(node.split.le, new Map(bounds).set(f, [lo, Math.min(hi, t)]));
    walk(node.split.gt, new Map(bounds).set(f, [Math.max(lo, t), hi]));
  };
  walk(tree.root, new Map());
  return out;
}

// ---------------------------------------------------------------------------

interface FitContext {
  X: readonly (readonly number[])[];
  y: readonly number[];
  w: readonly number[];
  regressors: number[];
  scale: number[];
  nonNegative: boolean;
}

interface GrowNode {
  rows: number[];
  model: LinearModel;
  split?: { feature: number; threshold: number; le: GrowNode; gt: GrowNode };
}

/** Sufficient statistics of a weighted linear fit over a set of rows (regressors scaled). */
class Stats {
  sw = 0;
  sy = 0;
  syy = 0;
  readonly sx: Float64Array;
  readonly sxy: Float64Array;
  readonly sxx: Float64Array;
  constructor(readonly p: number) {
    this.sx = new Float64Array(p);
    this.sxy = new Float64Array(p);
    this.sxx = new Float64Array(p * p);
  }
  add(x: Float64Array, y: number, w: number, sign = 1): void {
    const ws = w * sign;
    const p = this.p;
    this.sw += ws;
    this.sy += ws * y;
    this.syy += ws * y * y;
    for (let a = 0; a < p; a++) {
      this.sx[a] += ws * x[a];
      this.sxy[a] += ws * x[a] * y;
      for (let b = 0; b < p; b++) this.sxx[a * p + b] += ws * x[a] * x[b];
    }
  }
  minus(o: Stats): Stats {
    const s = new Stats(this.p);
    s.sw = this.sw - o.sw;
    s.sy = this.sy - o.sy;
    s.syy = this.syy - o.syy;
    for (let a = 0; a < this.p; a++) {
      s.sx[a] = this.sx[a] - o.sx[a];
      s.sxy[a] = this.sxy[a] - o.sxy[a];
    }
    for (let a = 0; a < this.p * this.p; a++) s.sxx[a] = this.sxx[a] - o.sxx[a];
    return s;
  }
}

interface StatsFit {
  /** Slopes on the scaled regressors (0 for dropped ones). */
  beta: Float64Array;
  intercept: number;
  sse: number;
}

/**
 * Weighted least squares from the statistics: centre, standardise, a tiny
 * ridge for rank-deficient sets (constant columns, one row), and with
 * nonNegative the most negative slope is dropped until none is left.
 */
function solveStats(s: Stats, nonNegative: boolean): StatsFit {
  const p = s.p;
  const beta = new Float64Array(p);
  if (s.sw <= 0) return { beta, intercept: 0, sse: 0 };
  const mx = Array.from(s.sx, (v) => v / s.sw);
  const my = s.sy / s.sw;
  const cyy = Math.max(0, s.syy - s.sy * my);
  const cxx = (a: number, b: number) => s.sxx[a * p + b] - s.sx[a] * mx[b];
  const cxy = (a: number) => s.sxy[a] - s.sx[a] * my;
  let active = range(p).filter((a) => cxx(a, a) > 1e-12 * s.sw);
  for (;;) {
    beta.fill(0);
    if (active.length > 0) {
      const q = active.length;
      const d = active.map((a) => Math.sqrt(cxx(a, a)));
      const A = new Float64Array(q * q);
      const b = new Float64Array(q);
      for (let i = 0; i < q; i++) {
        b[i] = cxy(active[i]) / d[i];
        for (let j = 0; j < q; j++) A[i * q + j] = cxx(active[i], active[j]) / (d[i] * d[j]);
        A[i * q + i] += 1e-9;
      }
      const sol = solveSymmetric(A, b, q);
      for (let i = 0; i < q; i++) beta[active[i]] = sol[i] / d[i];
    }
    if (!nonNegative) break;
    let worst = -1;
    for (const a of active) if (beta[a] < 0 && (worst < 0 || beta[a] < beta[worst])) worst = a;
    if (worst < 0) break;
    active = active.filter((a) => a !== worst);
  }
  // SSE = cyy - 2 b'cxy + b'Cxx b, exact for any b.
  let sse = cyy;
  for (let a = 0; a < p; a++) {
    if (beta[a] === 0) continue;
    sse -= 2 * beta[a] * cxy(a);
    for (let b = 0; b < p; b++) if (beta[b] !== 0) sse += beta[a] * beta[b] * cxx(a, b);
  }
  let intercept = my;
  for (let a = 0; a < p; a++) intercept -= beta[a] * mx[a];
  return { beta, intercept, sse: Math.max(0, sse) };
}

/** Gaussian elimination with partial pivoting (q is at most a handful). */
function solveSymmetric(A: Float64Array, b: Float64Array, q: number): Float64Array {
  const M = Float64Array.from(A);
  const v = Float64Array.from(b);
  for (let c = 0; c < q; c++) {
    let piv = c;
    for (let r = c + 1; r < q; r++) if (Math.abs(M[r * q + c]) > Math.abs(M[piv * q + c])) piv = r;
    if (piv !== c) {
      for (let k = 0; k < q; k++) [M[c * q + k], M[piv * q + k]] = [M[piv * q + k], M[c * q + k]];
      [v[c], v[piv]] = [v[piv], v[c]];
    }
    const d = M[c * q + c];
    if (Math.abs(d) < 1e-300) continue;
    for (let r = c + 1; r < q; r++) {
      const f = M[r * q + c] / d;
      if (f === 0) continue;
      for (let k = c; k < q; k++) M[r * q + k] -= f * M[c * q + k];
      v[r] -= f * v[c];
    }
  }
  const x = new Float64Array(q);
  for (let c = q - 1; c >= 0; c--) {
    let s = v[c];
    for (let k = c + 1; k < q; k++) s -= M[c * q + k] * x[k];
    const d = M[c * q + c];
    x[c] = Math.abs(d) < 1e-300 ? 0 : s / d;
  }
  return x;
}

function scaledRow(ctx: FitContext, i: number): Float64Array {
  const r = ctx.X[i];
  return Float64Array.from(ctx.regressors, (j, a) => r[j] / ctx.scale[a]);
}

function statsOf(ctx: FitContext, rows: readonly number[]): Stats {
  const s = new Stats(ctx.regressors.length);
  for (const i of rows) s.add(scaledRow(ctx, i), ctx.y[i], ctx.w[i]);
  return s;
}

function toModel(ctx: FitContext, f: StatsFit): LinearModel {
  const terms: [number, number][] = [];
  ctx.regressors.forEach((j, a) => {
    if (f.beta[a] !== 0) terms.push([j, f.beta[a] / ctx.scale[a]]);
  });
  return { intercept: f.intercept, terms };
}

interface SplitCandidate {
  feature: number;
  threshold: number;
  gain: number;
}

function bestSplit(ctx: FitContext, rows: number[], total: Stats, splitFeatures: number[], minLeaf: number, maxThresholds: number): SplitCandidate | undefined {
  if (rows.length < 2 * minLeaf) return undefined;
  const parentSse = solveStats(total, ctx.nonNegative).sse;
  const scaled = new Map(rows.map((i) => [i, scaledRow(ctx, i)]));
  let best: SplitCandidate | undefined;
  for (const f of splitFeatures) {
    const sorted = [...rows].sort((a, b) => ctx.X[a][f] - ctx.X[b][f]);
    // Positions k where a threshold between sorted[k-1] and sorted[k] is possible.
    const cuts: number[] = [];
    for (let k = minLeaf; k <= sorted.length - minLeaf; k++) {
      if (ctx.X[sorted[k - 1]][f] < ctx.X[sorted[k]][f]) cuts.push(k);
    }
    if (cuts.length === 0) continue;
    // Coarse pass over evenly spaced cuts, then every cut around the best one.
    const step = Math.max(1, cuts.length / maxThresholds);
    const coarse: number[] = [];
    for (let t = 0; t < cuts.length; t += step) coarse.push(Math.floor(t));
    const first = sweep(ctx, sorted, scaled, total, cuts, coarse, f, parentSse);
    let bestHere = first;
    if (step > 1 && first) {
      const at = coarse.indexOf(first.index);
      const lo = at > 0 ? coarse[at - 1] : 0;
      const hi = at < coarse.length - 1 ? coarse[at + 1] : cuts.length - 1;
      const fine = sweep(ctx, sorted, scaled, total, cuts, range(hi - lo + 1).map((i) => lo + i), f, parentSse);
      if (fine && fine.gain > first.gain) bestHere = fine;
    }
    if (bestHere && (!best || bestHere.gain > best.gain)) best = { feature: f, threshold: bestHere.threshold, gain: bestHere.gain };
  }
  return best;
}

/** Evaluates the cuts `cuts[which[i]]` (ascending) of rows sorted on feature f. */
function sweep(
  ctx: FitContext, sorted: number[], scaled: Map<number, Float64Array>, total: Stats,
  cuts: number[], which: number[], f: number, parentSse: number,
): { index: number; threshold: number; gain: number } | undefined {
  const left = new Stats(total.p);
  let k = 0;
  let best: { index: number; threshold: number; gain: number } | undefined;
  for (const index of which) {
    const cut = cuts[index];
    for (; k < cut; k++) left.add(scaled.get(sorted[k])!, ctx.y[sorted[k]], ctx.w[sorted[k]]);
    const sse = solveStats(left, ctx.nonNegative).sse + solveStats(total.minus(left), ctx.nonNegative).sse;
    const gain = parentSse - sse;
    if (!best || gain > best.gain) best = { index, threshold: (ctx.X[sorted[cut - 1]][f] + ctx.X[sorted[cut]][f]) / 2, gain };
  }
  return best;
}

function grow(ctx: FitContext, rows: number[], splitFeatures: number[], minLeaf: number, maxLeaves: number, maxThresholds: number): GrowNode {
  const make = (r: number[]): { node: GrowNode; cand?: SplitCandidate } => {
    const s = statsOf(ctx, r);
    const fit = solveStats(s, ctx.nonNegative);
    const node: GrowNode = { rows: r, model: toModel(ctx, fit) };
    return { node, cand: bestSplit(ctx, r, s, splitFeatures, minLeaf, maxThresholds) };
  };
  const first = make(rows);
  const rootSse = solveStats(statsOf(ctx, rows), ctx.nonNegative).sse;
  const open = [first];
  let leaves = 1;
  while (leaves < maxLeaves) {
    let pick = -1;
    for (let i = 0; i < open.length; i++) {
      const c = open[i].cand;
      if (c && c.gain > 1e-9 * rootSse && (pick < 0 || c.gain > open[pick].cand!.gain)) pick = i;
    }
    if (pick < 0) break;
    const { node, cand } = open.splice(pick, 1)[0];
    const leRows = node.rows.filter((i) => ctx.X[i][cand!.feature] <= cand!.threshold);
    const gtRows = node.rows.filter((i) => ctx.X[i][cand!.feature] > cand!.threshold);
    const le = make(leRows);
    const gt = make(gtRows);
    node.split = { feature: cand!.feature, threshold: cand!.threshold, le: le.node, gt: gt.node };
    open.push(le, gt);
    leaves++;
  }
  return first.node;
}

function predictGrow(node: GrowNode, x: readonly number[]): number {
  while (node.split) node = x[node.split.feature] <= node.split.threshold ? node.split.le : node.split.gt;
  return evalLinear(node.model, x);
}

function sse(ctx: FitContext, predict: (x: readonly number[]) => number, rows: readonly number[]): number {
  let s = 0;
  for (const i of rows) s += ctx.w[i] * (ctx.y[i] - predict(ctx.X[i])) ** 2;
  return s;
}

function rmse(ctx: FitContext, node: GrowNode, rows: readonly number[]): number {
  const sw = rows.reduce((s, i) => s + ctx.w[i], 0);
  return sw > 0 ? Math.sqrt(sse(ctx, (x) => predictGrow(node, x), rows) / sw) : 0;
}

/** Weighted absolute error: pruning judges by it, so one wild held-out row cannot decide. */
function sae(ctx: FitContext, predict: (x: readonly number[]) => number, rows: readonly number[]): number {
  let s = 0;
  for (const i of rows) s += Math.sqrt(ctx.w[i]) * Math.abs(ctx.y[i] - predict(ctx.X[i]));
  return s;
}

/** Reduced-error pruning, bottom-up; returns the held-out error of the (pruned) subtree. */
function prune(ctx: FitContext, node: GrowNode, held: number[]): number {
  const asLeaf = sae(ctx, (x) => evalLinear(node.model, x), held);
  if (!node.split) return asLeaf;
  const { feature, threshold } = node.split;
  const sub = prune(ctx, node.split.le, held.filter((i) => ctx.X[i][feature] <= threshold))
    + prune(ctx, node.split.gt, held.filter((i) => ctx.X[i][feature] > threshold));
  // Ties (and subtrees no held-out row reaches) favour the simpler model.
  if (asLeaf <= sub) {
    node.split = undefined;
    return asLeaf;
  }
  return sub;
}

function refit(ctx: FitContext, node: GrowNode, held: number[], path: number[]): void {
  if (node.split) {
    const { feature, threshold } = node.split;
    const nextPath = path.includes(feature) ? path : [...path, feature];
    refit(ctx, node.split.le, held.filter((i) => ctx.X[i][feature] <= threshold), nextPath);
    refit(ctx, node.split.gt, held.filter((i) => ctx.X[i][feature] > threshold), nextPath);
    return;
  }
  const hull = path.map((f) => {
    const v = node.rows.map((r) => ctx.X[r][f]);
    return { f, lo: Math.min(...v), hi: Math.max(...v) };
  });
  const inside = held.filter((i) => hull.every(({ f, lo, hi }) => ctx.X[i][f] >= lo && ctx.X[i][f] <= hi));
  if (inside.length === 0) return;
  node.rows = [...node.rows, ...inside];
  node.model = toModel(ctx, solveStats(statsOf(ctx, node.rows), ctx.nonNegative));
}

function freeze(node: GrowNode): TreeNode {
  if (!node.split) return { model: node.model, rows: node.rows.length };
  return { split: { feature: node.split.feature, threshold: node.split.threshold, le: freeze(node.split.le), gt: freeze(node.split.gt) } };
}

function checkData(X: readonly (readonly number[])[], y: readonly number[], o: FitOptions): void {
  if (y.length === 0) fail('TIMEMODEL_FIT', 'a model tree needs at least one sample', { expected: '>= 1 rows', found: 0 });
  if (X.length !== y.length) fail('TIMEMODEL_FIT', 'features and targets have different row counts', { expected: y.length, found: X.length });
  if (o.weights && o.weights.length !== y.length) fail('TIMEMODEL_FIT', 'weights and targets have different row counts', { expected: y.length, found: o.weights.length });
  const nf = o.featureNames.length;
  const cols = [...(o.splitFeatures ?? []), ...(o.regressors ?? [])];
  if (cols.some((j) => !Number.isInteger(j) || j < 0 || j >= nf)) fail('TIMEMODEL_FIT', 'a split feature or regressor index is out of range', { expected: `0..${nf - 1}`, found: `[${cols}]` });
  X.forEach((r, i) => {
    if (r.length !== nf) fail('TIMEMODEL_FIT', `row ${i} has the wrong number of features`, { expected: nf, found: r.length });
    if (!r.every(Number.isFinite) || !Number.isFinite(y[i])) fail('TIMEMODEL_FIT', `row ${i} holds a value that is not a finite number`, { found: `[${r}] -> ${y[i]}` });
    if (o.weights && !(o.weights[i] >= 0 && Number.isFinite(o.weights[i]))) fail('TIMEMODEL_FIT', `weight ${i} must be a finite number >= 0`, { found: o.weights[i] });
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
