// The committed profile constants reproduce every published MLPerf Tiny
// number they were fitted to (bench/calibrate), and the calibration models
// have the published MAC counts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateModel } from '../../src/graph/validate.ts';
import { compilePlan } from '../../src/schedule/compile.ts';
import { MLPERF_MODELS } from '../../src/targets/mlperf-models.ts';
import { CALIBRATION_TOLERANCE } from '../../src/targets/mlperf-results.ts';
import { loadAllTargets } from '../../src/targets/profile.ts';
import { calibrationTable } from '../../bench/calibrate.ts';

test('MLPerf Tiny models have the published conv/depthwise/FC MACs and parameters', () => {
  // KWS and IC from the published .tflite files (MACs of CONV_2D, DEPTHWISE_CONV_2D,
  // FULLY_CONNECTED); AD from its layer widths (weights plus 8 x 128 + 8 + 640 biases).
  const expected = { kws: [2656768, 22604], ic: [12501632, 77706], ad: [264192, 264192 + 8 * 128 + 8 + 640] };
  for (const [task, [macs, params]] of Object.entries(expected)) {
    const m = MLPERF_MODELS[task as keyof typeof expected]();
    const plan = compilePlan(m, validateModel(m), 0);
    const layerMacs = plan.ops.filter((o) => /^(conv|depthwise|dense)/.test(o.type)).reduce((s, o) => s + o.macs, 0);
    assert.is(layerMacs, macs, task);
    assert.is(plan.ops.reduce((s, o) => s + o.params, 0), params, task);
  }
});

test('committed profiles reproduce every calibration row within +-15 % latency and +-25 % energy', () => {
  const rows = calibrationTable(loadAllTargets()).filter((r) => r.row.use === 'fit');
  assert.ok(rows.length >= 14);
  for (const r of rows) {
    const what = `${r.row.target} ${r.row.quality} ${r.row.task}: latency ${r.latencyMs.toFixed(3)} ms vs ${r.row.latencyMs}`;
    assert.ok(Math.abs(r.latencyError) <= CALIBRATION_TOLERANCE.latency, what);
    if (r.energyError !== undefined) assert.ok(Math.abs(r.energyError) <= CALIBRATION_TOLERANCE.energy, `${what}; energy ${r.energyUj.toFixed(0)} uJ vs ${r.row.energyUj}`);
  }
});

test.run();
