// The saved profile: a valid one round-trips and predicts; malformed ones and
// ones from another schema or tinysense version are refused with
// TIMEMODEL_PROFILE naming the field. No timing is asserted anywhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import { isTinysenseError } from '../../src/errors.ts';
import { explainProfile, parseProfile, PROFILE_SCHEMA_VERSION } from '../../src/timemodel/profile-file.ts';
import { syntheticProfile } from './synthetic.ts';
import { predictLatency } from '../../src/timemodel/predict.ts';
import { runProfile } from '../../src/timemodel/profile.ts';

function codeAndField(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isTinysenseError(e) ? `${e.code} ${e.where.field ?? ''}`.trim() : `untyped ${(e as Error).message}`;
  }
  return 'accepted';
}

const text = (p: unknown) => JSON.stringify(p);

test('a valid profile round-trips through JSON', () => {
  const p = syntheticProfile();
  assert.equal(parseProfile(text(p)), JSON.parse(text(p)));
});

test('malformed profiles are refused naming the field', () => {
  const p = syntheticProfile();
  const mutate = (f: (q: any) => void) => {
    const q = JSON.parse(text(p));
    f(q);
    return text(q);
  };
  assert.is(codeAndField(() => parseProfile('{"schema": ')), 'TIMEMODEL_PROFILE');
  assert.is(codeAndField(() => parseProfile('[1, 2]')), 'TIMEMODEL_PROFILE (top level)');
  assert.is(codeAndField(() => parseProfile(mutate((q) => (q.schema = 'something else')))), 'TIMEMODEL_PROFILE schema');
  assert.is(codeAndField(() => parseProfile(mutate((q) => delete q.machine))), 'TIMEMODEL_PROFILE machine');
  assert.is(codeAndField(() => parseProfile(mutate((q) => (q.builds = {})))), 'TIMEMODEL_PROFILE builds');
  assert.is(codeAndField(() => parseProfile(mutate((q) => (q.builds.simd.overheadUs = -1)))), 'TIMEMODEL_PROFILE builds.simd.overheadUs');
  assert.is(codeAndField(() => parseProfile(mutate((q) => (q.builds.simd.classes.conv3d = q.builds.simd.classes.dense)))), 'TIMEMODEL_PROFILE builds.simd.classes.conv3d');
  assert.is(codeAndField(() => parseProfile(mutate((q) => q.builds.simd.classes.dense.tree.features.pop()))), 'TIMEMODEL_PROFILE builds.simd.classes.dense.tree.features');
  assert.is(codeAndField(() => parseProfile(mutate((q) => (q.builds.simd.classes.dense.tree.root.split.feature = 99)))), 'TIMEMODEL_PROFILE builds.simd.classes.dense.tree.root.split');
  assert.is(codeAndField(() => parseProfile(mutate((q) => (q.builds.simd.classes.dense.tree.root.split.le = { model: { intercept: 'x', terms: [] }, rows: 1 })))), 'TIMEMODEL_PROFILE builds.simd.classes.dense.tree.root.split.le');
  assert.is(codeAndField(() => parseProfile(mutate((q) => (q.builds.simd.classes.dense.leaves = 40)))), 'TIMEMODEL_PROFILE builds.simd.classes.dense.leaves');
});

test('a profile from another schema or tinysense version is refused', () => {
  const p = syntheticProfile();
  assert.is(codeAndField(() => parseProfile(text({ ...p, schemaVersion: PROFILE_SCHEMA_VERSION + 1 }))), 'TIMEMODEL_PROFILE schemaVersion');
  assert.is(codeAndField(() => parseProfile(text({ ...p, tinysenseVersion: '0.0.0-other' }))), 'TIMEMODEL_PROFILE tinysenseVersion');
  // Kernels rebuilt since profiling (same version, other wasm): refused too.
  const rebuilt = JSON.parse(text(p));
  rebuilt.builds.simd.wasmSha256 = '0'.repeat(64);
  assert.is(codeAndField(() => parseProfile(text(rebuilt))), 'TIMEMODEL_PROFILE builds.simd.wasmSha256');
  try {
    parseProfile(text({ ...p, tinysenseVersion: '0.0.0-other' }), 'old.json');
  } catch (e) {
    assert.match((e as Error).message, /another tinysense version/);
    assert.match((e as Error).message, /old\.json/);
  }
});

test('predictLatency: overhead + the sum of the layers; baseline = usPerMac x MACs', () => {
  const p = syntheticProfile();
  const b = createBuilder('m');
  const h = b.dense(b.input('x', [1, 32]), { units: 12 });
  b.output(b.softmax(b.dense(h, { units: 16 })));
  const pred = predictLatency(b.build(), p);
  assert.is(pred.build, 'simd');
  assert.is(pred.layers.length, 3);
  const sum = pred.layers.reduce((s, l) => s + l.us, 0);
  assert.ok(Math.abs(pred.totalUs - (0.5 + sum)) < 1e-9);
  assert.ok(Math.abs(pred.baselineUs - 2e-3 * (32 * 12 + 12 * 16 + 16)) < 1e-9);
  // The synthetic tree: 12 % 8 != 0 costs 3 ns per padded MAC, 16 % 8 == 0 costs 1 ns.
  assert.ok(Math.abs(pred.layers[0].us - (0.1 + 3e-3 * 32 * 16)) < 0.02, String(pred.layers[0].us));
  assert.ok(Math.abs(pred.layers[1].us - (0.1 + 1e-3 * 12 * 16)) < 0.02, String(pred.layers[1].us));
  assert.ok(pred.layers[2].approximate, 'softmax has no class in this profile');
  assert.is(codeAndField(() => predictLatency(b.build(), p, { build: 'scalar' })), 'TIMEMODEL_PROFILE builds.scalar');
});

test('explain prints one rule per leaf with its equation', () => {
  const out = explainProfile(syntheticProfile());
  assert.match(out, /machine: test CPU, 2 cores/);
  assert.match(out, /n % 8 != 0 -> t = /);
  assert.match(out, /n % 8 == 0 -> t = /);
  assert.match(out, /ns x padded MACs/);
});

test('runProfile produces a profile that parses (tiny run, nothing timed is asserted)', () => {
  const p = runProfile({ quick: true, builds: ['scalar'], classes: ['softmax'], sampleScale: 0.05 });
  const back = parseProfile(JSON.stringify(p));
  assert.ok(back.builds.scalar?.classes.softmax);
  assert.ok(back.machine.cores >= 1);
});

test('a relaxed-SIMD profile parses, and predictions default to it (the build auto loads there)', () => {
  const p = runProfile({ quick: true, builds: ['relaxed', 'simd'], classes: ['softmax'], sampleScale: 0.05 });
  const back = parseProfile(JSON.stringify(p));
  assert.ok(back.builds.relaxed?.classes.softmax);
  const b = createBuilder('m');
  b.output(b.softmax(b.input('x', [1, 16])));
  assert.is(predictLatency(b.build(), back).build, 'relaxed');
  assert.is(predictLatency(b.build(), back, { build: 'simd' }).build, 'simd');
  const wrong = JSON.parse(JSON.stringify(p));
  wrong.builds.fast = wrong.builds.relaxed;
  assert.is(codeAndField(() => parseProfile(JSON.stringify(wrong))), 'TIMEMODEL_PROFILE builds.fast');
});

test.run();
