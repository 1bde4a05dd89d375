// Metrics on a confusion matrix worked out by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argmaxRows, classificationReport, confusionMatrix, formatReport, reportFromConfusion } from '../../src/train/metrics.ts';

// truth:     a a a a b b b c c c
// predicted: a a b c b b a c c b
const TRUTH = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const PRED = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];

test('confusion matrix, accuracy, per-class precision/recall/F1, macro-F1', () => {
  const m = confusionMatrix(TRUTH, PRED, 3);
  assert.equal(m, [[2, 1, 1], [1, 2, 0], [0, 1, 2]]);
  const r = classificationReport(TRUTH, PRED, ['a', 'b', 'c']);
  assert.is(r.count, 10);
  assert.is(r.accuracy, 0.6);
  // a: precision 2/3, recall 2/4; b: 2/4, 2/3; c: 2/3, 2/3
  const close = (x: number, y: number) => Math.abs(x - y) < 1e-12;
  const f1 = (p: number, q: number) => (2 * p * q) / (p + q);
  const want = [[2 / 3, 1 / 2], [1 / 2, 2 / 3], [2 / 3, 2 / 3]];
  r.perClass.forEach((c, i) => {
    assert.ok(close(c.precision, want[i][0]) && close(c.recall, want[i][1]) && close(c.f1, f1(want[i][0], want[i][1])), c.label);
  });
  assert.equal(r.perClass.map((c) => c.support), [4, 3, 3]);
  assert.ok(close(r.macroF1, (f1(2 / 3, 1 / 2) * 2 + 2 / 3) / 3));
});

test('classes absent from labels and predictions do not count in macro-F1', () => {
  const r = reportFromConfusion([[3, 0, 0], [1, 1, 0], [0, 0, 0]], ['a', 'b', 'unused']);
  // a: p 3/4 r 1 -> 6/7; b: p 1 r 1/2 -> 2/3
  assert.ok(Math.abs(r.macroF1 - (6 / 7 + 2 / 3) / 2) < 1e-12);
  assert.is(r.perClass[2].f1, 0);
});

test('argmaxRows and the printed report', () => {
  assert.equal([...argmaxRows(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.4, 0.1]), 2, 3)], [1, 0]);
  const text = formatReport(classificationReport(TRUTH, PRED, ['a', 'b', 'c']), 'test');
  assert.match(text, 'accuracy 60.0 %');
  assert.match(text, 'macro-F1 0.603');
  assert.match(text, /0 a\s+2\s+1\s+1/);
});

test.run();
