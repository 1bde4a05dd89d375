// `tinysense train deepsense` on the committed WISDM fixture for one short
// epoch of a tiny DeepSense, then `eval` and `run` on the model it wrote:
// the report's numbers agree, and the model takes raw sensor windows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadData, toWindows } from '../../src/train/data/index.ts';
import { writeNpy } from '../../src/util/npy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DATA = 'test/fixtures/wisdm-compact';
const TINY = ['--window', '100', '--intervals', '5', '--conv-filters', '6', '--conv-kernels', '3', '--merge-filters', '6', '--merge-kernels', '3', '--gru-units', '6', '--gru-layers', '1'];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('train -> eval -> run on the fixture', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinysense-train-'));
  try {
    const model = path.join(dir, 'tiny.tsm');
    const t = cli('train', 'deepsense', '--data', DATA, '-o', model, '--epochs', '1', '--batch', '4', '--validation-subjects', '1', ...TINY, '--json');
    assert.is(t.code, 0, t.err);
    assert.ok(existsSync(model));
    assert.match(t.err, /epoch 1\/1 batch \d+\/3 loss [\d.]+ \d+ windows\/s/);
    const j = JSON.parse(t.out);
    assert.equal(j.split.testSubjects, ['1636', '1642']);
    assert.is(j.split.validationSubjects.length, 1);
    assert.ok(!j.split.trainSubjects.includes(j.split.validationSubjects[0]));
    assert.is(j.test.count, 12);
    assert.is(j.test.confusion.flat().reduce((a: number, b: number) => a + b, 0), 12);

    const e = cli('eval', model, '--data', DATA, '--json');
    assert.is(e.code, 0, e.err);
    const ej = JSON.parse(e.out);
    assert.equal(ej.confusion, j.test.confusion, 'eval recomputes the training report');
    assert.is(ej.accuracy, j.test.accuracy);
    const text = cli('eval', model, '--data', DATA);
    assert.match(text.out, 'macro-F1');
    assert.match(text.out, 'confusion matrix');
    // the raw text layout of the same recordings loads too
    assert.is(cli('eval', model, '--data', 'test/fixtures/wisdm-raw', '--subjects', 'all').code, 0);

    const w = toWindows(loadData(path.join(root, DATA)), { length: 100, stride: 50 });
    const npy = path.join(dir, 'w.npy');
    writeFileSync(npy, writeNpy(w.x.subarray(0, 3 * 100 * 6), [3, 100, 6]));
    const r = cli('run', model, '--input', npy);
    assert.is(r.code, 0, r.err);
    assert.is(r.out.split('\n').filter((l) => /^\d+\s/.test(l)).length, 3);

    assert.is(cli('train', 'lenet', '--data', DATA, '-o', model).code, 2);
    assert.is(cli('eval', model).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
