// The cost model on hand-computable models, the profile schema, and the
// shipped profiles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBuilder } from '../../src/graph/builder.ts';
import { isTinysenseError } from '../../src/errors.ts';
import { estimateModel } from '../../src/targets/estimate.ts';
import { loadAllTargets, loadTarget, parseTargetProfile, targetsDir } from '../../src/targets/profile.ts';

function singleDense(k: number, n: number) {
  const b = createBuilder('one-dense');
  const x = b.input('x', [1, k]);
  b.output(b.dense(x, { units: n }));
  return b.build();
}

test('a single dense layer: cycles = MACs x cycles/MAC + overhead, exactly', () => {
  const p = loadTarget('stm32l4r5');
  for (const [quality, dtype] of [['optimized', 'int8'], ['reference', 'f32']] as const) {
    const e = estimateModel(singleDense(64, 10), p, { quality, dtype });
    const cpm = p.kernels[quality].cyclesPerMac.dense[dtype].value;
    const overhead = p.kernels[quality].overheadCycles.value;
    assert.is(e.layers.length, 1);
    assert.is(e.totals.macs, 640);
    assert.is(e.totals.ops, 1280);
    assert.is(e.totals.cycles, 640 * cpm + overhead);
    const seconds = (640 * cpm + overhead) / p.clockHz.value;
    assert.ok(Math.abs(e.totals.latencyMs - seconds * 1e3) < 1e-12);
    assert.ok(Math.abs(e.totals.energyUj - p.activePowerW.value * seconds * 1e6) < 1e-9);
    assert.ok(Math.abs(e.totals.gopPerW - 1280 / seconds / 1e9 / p.activePowerW.value) < 1e-9);
    // int8 counts one byte per parameter (640 weights + 10 biases).
    if (dtype === 'int8') assert.is(e.totals.weightBytes, 650);
    assert.is(e.layers[0].activationBytes, (64 + 10) * (dtype === 'int8' ? 1 : 4));
  }
});

test('aliases (flatten) cost nothing, not even the per-op overhead', () => {
  const b = createBuilder('flat');
  const x = b.input('x', [1, 4, 4]);
  const f = b.op('flatten', [x], { axis: 1 })[0];
  b.output(b.dense(f, { units: 2 }));
  const p = loadTarget('stm32u575');
  const e = estimateModel(b.build(), p, { quality: 'optimized', dtype: 'int8' });
  assert.is(e.layers[0].cycles, 0);
  assert.is(e.layers[0].cls, null);
  assert.is(e.totals.cycles, 32 * p.kernels.optimized.cyclesPerMac.dense.int8.value + p.kernels.optimized.overheadCycles.value);
});

test('duty cycle and battery life follow from active and idle power', () => {
  const p = loadTarget('nrf52840');
  const e = estimateModel(singleDense(64, 10), p, { rateHz: 2, battery: { mAh: 1000, volts: 3 } });
  const busy = (e.totals.latencyMs / 1e3) * 2;
  const avg = p.activePowerW.value * busy + p.idlePowerW.value * (1 - busy);
  assert.ok(Math.abs(e.duty!.averagePowerW - avg) < 1e-15);
  assert.ok(Math.abs(e.duty!.battery!.hours - 3 / avg) < 1e-6);
  assert.ok(e.provisional.includes('idlePowerW'));
});

test('GOP/W outside the profile range is flagged', () => {
  const p = loadTarget('stm32l4r5');
  // A single tiny layer is dominated by the per-op overhead: far below 0.6 GOP/W.
  const e = estimateModel(singleDense(2, 1), p, { quality: 'reference', dtype: 'f32' });
  assert.ok(e.flags.some((f) => f.includes('GOP/W')), e.flags.join('; '));
});

test('every shipped profile loads, and every number names a source it lists', () => {
  const all = loadAllTargets();
  assert.equal(all.map((p) => p.name).sort(), ['esp32s3', 'nrf52840', 'rp2040', 'rpi-zero-2w', 'rpi4', 'stm32h7a3', 'stm32l4r5', 'stm32u575']);
  for (const p of all) assert.ok(p.sramBytes.value > p.runtime.sramOverheadBytes.value);
});

function expectProfileError(mutate: (j: any) => void, field: string) {
  const json = JSON.parse(readFileSync(path.join(targetsDir(), 'stm32l4r5.json'), 'utf8'));
  mutate(json);
  const dir = mkdtempSync(path.join(tmpdir(), 'tinysense-target-'));
  const file = path.join(dir, 'stm32l4r5.json');
  writeFileSync(file, JSON.stringify(json));
  try {
    loadTarget(file);
    assert.unreachable('a malformed profile loaded');
  } catch (e) {
    assert.ok(isTinysenseError(e), String(e));
    assert.is(e.code, 'TARGET_PROFILE');
    assert.is(e.where.field, field);
    assert.ok(e.where.file?.endsWith('stm32l4r5.json'));
  }
}

test('a malformed profile is a TARGET_PROFILE error naming the file and field', () => {
  expectProfileError((j) => (j.kernels.optimized.cyclesPerMac.conv.int8.value = 'fast'), 'kernels.optimized.cyclesPerMac.conv.int8.value');
  expectProfileError((j) => delete j.sramBytes, 'sramBytes');
  expectProfileError((j) => (j.clockHz.sources = ['a-paper-nobody-listed']), 'clockHz.sources[0]');
  expectProfileError((j) => (j.kind = 'toaster'), 'kind');
  expectProfileError((j) => (j.flashBytes.value = 1.5), 'flashBytes.value');
  expectProfileError((j) => (j.idlePowerW.value = 10), 'idlePowerW.value');
  assert.throws(() => parseTargetProfile([]), (e: unknown) => isTinysenseError(e) && e.code === 'TARGET_PROFILE');
  assert.throws(() => loadTarget('no-such-board'), (e: unknown) => isTinysenseError(e) && e.code === 'TARGET_PROFILE' && /known targets: .*stm32l4r5/.test(e.message));
});

test.run();
