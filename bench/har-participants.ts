// Where DeepSense's activity-recognition errors come from (issue 4): the
// accuracy of each given model on each participant, and of the models'
// averaged class probabilities (an ensemble). If independently trained models
// gain nothing from being averaged, their errors are shared, i.e. they come
// from the participants (how each wears the watch and moves), not from the
// variance of one training run that more seeds or epochs would remove.
//
// Participants default to the first model's validation participants (its
// training record): diagnose there, not on the test participants.
//
//   node --import tsx bench/har-participants.ts --data <wisdm-watch folder> --models a.tsm,b.tsm[,...] [--subjects validation|test|ID,ID]
import { parseArgs } from 'node:util';
import { loadModelFile } from '../src/cli/common.ts';
import { selectSubjects, trainingRecord } from '../src/cli/eval.ts';
import { loadModel } from '../src/runtime/session.ts';
import { loadData, toWindows } from '../src/train/data/index.ts';
import { describeMachine } from './machine.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, models: { type: 'string' }, subjects: { type: 'string' } } });
if (!values.data || !values.models) {
  console.error('usage: bench/har-participants.ts --data <wisdm-watch folder> --models a.tsm,b.tsm[,...] [--subjects validation|test|ID,ID]');
  process.exit(2);
}
const files = values.models.split(',').filter(Boolean);
const models = files.map((f) => loadModelFile(f).model);
const length = models[0].tensors[models[0].inputs[0]].shape[1];
const all = toWindows(loadData(values.data), { length, stride: Math.floor(length / 2) });
const set = selectSubjects(all, values.subjects ?? 'validation', trainingRecord(models[0]));
const classes = set.labels.length;
const per = set.length * set.channels.length;

// Class probabilities of every model on every window, summed for the ensemble.
const sum = new Float64Array(set.count * classes);
const predicted = models.map((model, m) => {
  const session = loadModel(model);
  const out = new Int32Array(set.count);
  for (let w = 0; w < set.count; w++) {
    const p = Object.values(session.run([set.x.subarray(w * per, (w + 1) * per)])).at(-1)!.data;
    if (p.length !== classes) throw new Error(`${files[m]}: ${p.length} outputs, the data has ${classes} classes`);
    let best = 0;
    for (let c = 0; c < classes; c++) {
      sum[w * classes + c] += p[c];
      if (p[c] > p[best]) best = c;
    }
    out[w] = best;
  }
  return out;
});
const ensemble = Int32Array.from({ length: set.count }, (_, w) => {
  let best = 0;
  for (let c = 1; c < classes; c++) if (sum[w * classes + c] > sum[w * classes + best]) best = c;
  return best;
});

// The ensemble column only when there is something to average.
const columns = [...files.map((f) => f.split('/').pop()!), ...(models.length > 1 ? ['ensemble'] : [])];
const rows = models.length > 1 ? [...predicted, ensemble] : predicted;
const width = Math.max(12, ...columns.map((c) => c.length)) + 2;
const accuracy = (pred: Int32Array, subject: number) => {
  let n = 0;
  let ok = 0;
  for (let w = 0; w < set.count; w++) {
    if (subject >= 0 && set.subject[w] !== subject) continue;
    n++;
    if (pred[w] === set.y[w]) ok++;
  }
  return { n, pct: (100 * ok) / n };
};

console.log(`machine: ${describeMachine()}; ${set.count} windows of ${set.length} samples`);
console.log(`${'participant'.padEnd(12)}${'windows'.padStart(8)}${columns.map((c) => c.padStart(width)).join('')}`);
const present = set.subjects.map((s, i) => ({ s, i })).filter(({ i }) => set.subject.includes(i));
for (const { s, i } of present) {
  console.log(`${s.padEnd(12)}${String(accuracy(ensemble, i).n).padStart(8)}${rows.map((r) => `${accuracy(r, i).pct.toFixed(1)} %`.padStart(width)).join('')}`);
}
console.log(`${'all'.padEnd(12)}${String(set.count).padStart(8)}${rows.map((r) => `${accuracy(r, -1).pct.toFixed(1)} %`.padStart(width)).join('')}`);
