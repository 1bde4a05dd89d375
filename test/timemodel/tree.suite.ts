// The model-tree fitter on synthetic data whose true structure is known:
// piecewise-linear targets (the splits and slopes must come back), noisy
// targets (no overfit), and degenerate inputs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitModelTree, predictTree, treeLeaves, type ModelTree, type TreeNode } from '../../src/timemodel/tree.ts';
import { isTinysenseError } from '../../src/errors.ts';
import { makeRng } from '../helpers/random.ts';

function gaussian(rng: ReturnType<typeof makeRng>): number {
  // Box-Muller; 1 - u keeps the log finite.
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function rootSplit(tree: ModelTree): { feature: string; threshold: number } {
  const root = tree.root as Extract<TreeNode, { split: unknown }>;
  assert.ok('split' in root, 'the root must split');
  return { feature: tree.features[root.split.feature], threshold: root.split.threshold };
}

function slopeOf(model: { terms: [number, number][] }, feature: number): number {
  return model.terms.find(([j]) => j === feature)?.[1] ?? 0;
}

test('recovers one threshold split and the slope and intercept of each side', () => {
  const rng = makeRng(11);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 300; i++) {
    const a = rng.next() * 10;
    const distractor = rng.next() * 100;
    X.push([a, distractor]);
    y.push(a <= 4 ? 2 + 3 * a : 30 + 0.5 * a);
  }
  const fit = fitModelTree(X, y, { featureNames: ['a', 'distractor'], regressors: [0] });
  const split = rootSplit(fit.tree);
  assert.is(split.feature, 'a');
  assert.ok(Math.abs(split.threshold - 4) < 0.15, `threshold ${split.threshold}`);
  assert.is(fit.leaves, 2);
  const leaves = treeLeaves(fit.tree);
  const low = leaves.find((l) => l.bounds.get(0)![1] < 5)!;
  const high = leaves.find((l) => l.bounds.get(0)![0] > 3)!;
  assert.ok(Math.abs(slopeOf(low.model, 0) - 3) < 1e-6 && Math.abs(low.model.intercept - 2) < 1e-6, JSON.stringify(low.model));
  assert.ok(Math.abs(slopeOf(high.model, 0) - 0.5) < 1e-6 && Math.abs(high.model.intercept - 30) < 1e-6, JSON.stringify(high.model));
});

test('recovers a split on a remainder (channels % 4 != 0 costs more per MAC)', () => {
  const rng = makeRng(5);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) {
    const c = rng.int(1, 64);
    const macs = c * rng.int(10, 1000);
    X.push([macs, c, c % 4]);
    y.push(c % 4 === 0 ? 0.2 + 0.001 * macs : 0.5 + 0.004 * macs);
  }
  const fit = fitModelTree(X, y, { featureNames: ['MACs', 'channels', 'channels % 4'], regressors: [0] });
  const split = rootSplit(fit.tree);
  assert.is(split.feature, 'channels % 4');
  assert.ok(split.threshold > 0 && split.threshold < 1);
  for (const leaf of treeLeaves(fit.tree)) {
    const aligned = leaf.bounds.get(2)![1] < 1;
    assert.ok(Math.abs(slopeOf(leaf.model, 0) - (aligned ? 0.001 : 0.004)) < 1e-6, JSON.stringify(leaf.model));
  }
});

test('recovers nested splits on two features (four regions, four slopes)', () => {
  const rng = makeRng(3);
  const X: number[][] = [];
  const y: number[] = [];
  const truth = (a: number, b: number, m: number) => (a <= 50 ? (b <= 0.5 ? 1 + 2 * m : 4 + 5 * m) : b <= 0.5 ? 10 + 1 * m : 20 + 0.2 * m);
  for (let i = 0; i < 800; i++) {
    const a = rng.next() * 100;
    const b = rng.next();
    const m = rng.next() * 50;
    X.push([a, b, m]);
    y.push(truth(a, b, m));
  }
  const fit = fitModelTree(X, y, { featureNames: ['a', 'b', 'm'], regressors: [2] });
  // Greedy growth may place the first cut a sample or two off the boundary and
  // patch the sliver with a small extra leaf; the four regions must be there.
  assert.ok(fit.leaves >= 4 && fit.leaves <= 6, `${fit.leaves} leaves`);
  const slopes = treeLeaves(fit.tree).map((l) => slopeOf(l.model, 2));
  for (const want of [2, 5, 1, 0.2]) assert.ok(slopes.some((s) => Math.abs(s - want) < 0.02 * want), `slope ${want} in [${slopes}]`);
  const rngTest = makeRng(4);
  let good = 0;
  for (let i = 0; i < 400; i++) {
    const [a, b, m] = [rngTest.next() * 100, rngTest.next(), rngTest.next() * 50];
    const want = truth(a, b, m);
    if (Math.abs(predictTree(fit.tree, [a, b, m]) - want) < 0.02 * want) good++;
  }
  assert.ok(good >= 0.95 * 400, `${good} / 400 predictions within 2 %`);
});

test('noisy data: the pruned tree does not overfit (held-out error close to training error and to the noise)', () => {
  const rng = makeRng(21);
  const sigma = 0.5;
  const make = (n: number) => {
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = rng.next() * 10;
      const b = rng.next() * 10;
      X.push([a, b]);
      y.push((a <= 5 ? 1 + 2 * a : 11 + 0.5 * a) + sigma * gaussian(rng));
    }
    return { X, y };
  };
  const train = make(400);
  const fresh = make(400);
  const fit = fitModelTree(train.X, train.y, { featureNames: ['a', 'b'], regressors: [0, 1] });
  const rmseOn = (d: { X: number[][]; y: number[] }) => Math.sqrt(d.y.reduce((s, v, i) => s + (v - predictTree(fit.tree, d.X[i])) ** 2, 0) / d.y.length);
  const trainErr = rmseOn(train);
  const freshErr = rmseOn(fresh);
  assert.ok(fit.leaves <= 6, `${fit.leaves} leaves for a two-piece target`);
  assert.ok(freshErr < 1.25 * trainErr, `held-out ${freshErr} vs training ${trainErr}`);
  assert.ok(freshErr < 1.3 * sigma, `held-out ${freshErr} vs noise ${sigma}`);
  assert.ok(Math.abs(rootSplit(fit.tree).threshold - 5) < 0.5);
});

test('pure noise stays one leaf', () => {
  const rng = makeRng(8);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 200; i++) {
    X.push([rng.next(), rng.next()]);
    y.push(3 + gaussian(rng));
  }
  const fit = fitModelTree(X, y, { featureNames: ['a', 'b'], regressors: [0, 1] });
  assert.ok(fit.leaves <= 2, `${fit.leaves} leaves on noise`);
});

test('maxLeaves caps the tree', () => {
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) {
    X.push([i]);
    y.push(Math.floor(i / 10) % 2 === 0 ? i : 2 * i);
  }
  const fit = fitModelTree(X, y, { featureNames: ['i'], maxLeaves: 16, validationFraction: 0 });
  assert.is(fit.leaves, 16);
});

test('one sample: a single leaf predicting it', () => {
  const fit = fitModelTree([[3, 4]], [7], { featureNames: ['a', 'b'] });
  assert.is(fit.leaves, 1);
  assert.ok(Math.abs(predictTree(fit.tree, [3, 4]) - 7) < 1e-9);
  assert.ok(Math.abs(predictTree(fit.tree, [100, -4]) - 7) < 1e-9, 'no slope can be learnt from one row');
});

test('constant features: a single leaf predicting the (weighted) mean', () => {
  const X = Array.from({ length: 50 }, () => [2, 2]);
  const y = Array.from({ length: 50 }, (_, i) => i % 2);
  const fit = fitModelTree(X, y, { featureNames: ['a', 'b'] });
  assert.is(fit.leaves, 1);
  assert.ok(Math.abs(predictTree(fit.tree, [2, 2]) - 0.5) < 1e-9);
});

test('nonNegative keeps slopes >= 0', () => {
  const rng = makeRng(2);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 100; i++) {
    const a = rng.next();
    X.push([a, a + 0.01 * rng.next()]);
    y.push(1 + 2 * a - 0.05 * X[i][1]);
  }
  const fit = fitModelTree(X, y, { featureNames: ['a', 'b'], nonNegative: true, maxLeaves: 1 });
  for (const leaf of treeLeaves(fit.tree)) for (const [, s] of leaf.model.terms) assert.ok(s >= 0);
});

test('degenerate inputs are typed errors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return isTinysenseError(e) ? e.code : 'untyped';
    }
    return 'none';
  };
  assert.is(code(() => fitModelTree([], [], { featureNames: ['a'] })), 'TIMEMODEL_FIT');
  assert.is(code(() => fitModelTree([[1]], [1, 2], { featureNames: ['a'] })), 'TIMEMODEL_FIT');
  assert.is(code(() => fitModelTree([[1, 2]], [1], { featureNames: ['a'] })), 'TIMEMODEL_FIT');
  assert.is(code(() => fitModelTree([[NaN]], [1], { featureNames: ['a'] })), 'TIMEMODEL_FIT');
  assert.is(code(() => fitModelTree([[1]], [1], { featureNames: ['a'], regressors: [3] })), 'TIMEMODEL_FIT');
});

test.run();
