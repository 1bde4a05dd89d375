// loadModel({ target }) enforces a profile's memory for real: a plan just
// over the SRAM (or flash) is refused naming the bytes over; a plan just
// under loads into capped memory and computes exactly what an uncapped
// session computes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import { validateModel } from '../../src/graph/validate.ts';
import { isTinysenseError } from '../../src/errors.ts';
import { compilePlan } from '../../src/schedule/compile.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { measureBudget, memoryCapBytes } from '../../src/runtime/budget.ts';
import { loadTarget } from '../../src/targets/profile.ts';
import { estimateModel } from '../../src/targets/estimate.ts';

const profile = loadTarget('nrf52840'); // 256 KB SRAM

/** x [1, n, 4] -> conv1d(4 filters, k3, same) -> relu: the arena grows with n. */
function model(n: number) {
  const b = createBuilder(`budget-${n}`, { seed: 3 });
  const x = b.input('x', [1, n, 4]);
  b.output(b.conv1d(x, { filters: 4, kernel: 3, padding: 'same', activation: 'relu' }));
  return b.build();
}
const sramUsed = (n: number) => {
  const m = model(n);
  return measureBudget(compilePlan(m, validateModel(m), 0), profile.budget).sramUsedBytes;
};

// The largest n that fits: usage grows by 32 bytes (two 16-byte-aligned buffers) per step of 4 floats... search it.
let lo = 1;
let hi = 1 << 16;
while (lo < hi) {
  const mid = (lo + hi + 1) >> 1;
  if (sramUsed(mid) <= profile.budget.sramBytes) lo = mid;
  else hi = mid - 1;
}
const under = lo;
let over = under + 1;
while (sramUsed(over) <= profile.budget.sramBytes) over++;

test('just under the SRAM: loads, runs in capped memory, same outputs as uncapped', () => {
  assert.ok(sramUsed(under) <= profile.budget.sramBytes);
  assert.ok(profile.budget.sramBytes - sramUsed(under) < 64, 'the fixture sits within 64 bytes of the budget');
  const m = model(under);
  const capped = loadModel(m, { target: profile, build: 'scalar' });
  const free = loadModel(m, { build: 'scalar' });
  const x = Float32Array.from({ length: under * 4 }, (_, i) => Math.sin(i * 0.37));
  const a = capped.run([x]);
  const b = free.run([x]);
  const name = capped.outputs[0].name;
  assert.equal(Array.from(a[name].data), Array.from(b[name].data));
  assert.ok(capped.memoryBytes() <= memoryCapBytes(capped.plan, profile.budget), `memory ${capped.memoryBytes()} over the cap`);
  assert.is(estimateModel(m, profile).verdict, 'fits');
});

test('just over the SRAM: PLAN_BUDGET_SRAM naming the bytes over', () => {
  const m = model(over);
  const overBytes = sramUsed(over) - profile.budget.sramBytes;
  assert.ok(overBytes > 0 && overBytes <= 64);
  try {
    loadModel(m, { target: profile });
    assert.unreachable('loaded over budget');
  } catch (e) {
    assert.ok(isTinysenseError(e), String(e));
    assert.is(e.code, 'PLAN_BUDGET_SRAM');
    assert.ok(e.message.includes(`by ${overBytes} bytes`), e.message);
    assert.ok(e.message.includes('nrf52840'), e.message);
  }
  const est = estimateModel(m, profile);
  assert.is(est.verdict, 'does not fit');
  assert.is(est.memory.sramOverBytes, overBytes);
});

test('weights over the flash: PLAN_BUDGET_FLASH naming the bytes over', () => {
  const b = createBuilder('big-weights');
  const x = b.input('x', [1, 512]);
  b.output(b.dense(x, { units: 512, useBias: false })); // 1 MiB of f32 weights + 64 KiB runtime > 1 MiB flash
  const m = b.build();
  const plan = compilePlan(m, validateModel(m), 0);
  const overBytes = plan.layout.weightBytes + profile.budget.runtimeFlashBytes - profile.budget.flashBytes;
  assert.ok(overBytes > 0);
  try {
    loadModel(m, { target: profile });
    assert.unreachable('loaded over budget');
  } catch (e) {
    assert.ok(isTinysenseError(e), String(e));
    assert.is(e.code, 'PLAN_BUDGET_FLASH');
    assert.ok(e.message.includes(`by ${overBytes} bytes`), e.message);
  }
  // Quantised to int8 the same weights take a quarter: the estimate says it would fit.
  assert.is(estimateModel(m, profile, { dtype: 'int8' }).verdict, 'fits');
});

test.run();
