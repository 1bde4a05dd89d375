// The report fixture both report suites use: a small conv + GRU model rendered
// for one target, against all targets.
import { createBuilder } from '../../src/graph/builder.ts';
import { estimateAll, estimateModel } from '../../src/targets/estimate.ts';
import { loadAllTargets, loadTarget } from '../../src/targets/profile.ts';
import { renderReport } from '../../src/targets/report.ts';

function harModel() {
  const b = createBuilder('report-fixture');
  const x = b.input('x', [1, 64, 6]);
  let h = b.conv1d(x, { filters: 16, kernel: 5, activation: 'relu' });
  h = b.op('maxPool1d', [h], { kernel: [2] })[0];
  h = b.gru(h, { units: 16 });
  b.output(b.softmax(b.dense(h, { units: 4 })));
  return b.build();
}

/** The HTML report of the fixture model on the STM32L4R5 profile. */
export async function renderFixtureReport(): Promise<string> {
  const p = loadTarget('stm32l4r5');
  const m = harModel();
  return renderReport(estimateModel(m, p), estimateAll(m, loadAllTargets()), p);
}
