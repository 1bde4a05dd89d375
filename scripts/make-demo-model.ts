// Writes the bundled default of `npm start`: trains models/deepsense-wisdm.tsm
// with the exact command below (the default recipe of `tinysense train
// deepsense` on all training participants, seed 1) and writes models/samples/ (two raw 10 s windows per
// activity from two different test participants of the WISDM 2019
// smartwatch data, never seen in training) and models/default.json.
//
//   npm run build && node --import tsx scripts/make-demo-model.ts --data <wisdm-watch folder> [--skip-train]
//
// The training step is exactly:
//   nice -n 10 node dist/cli.js train deepsense --data <wisdm-watch folder> -o models/deepsense-wisdm.tsm --validation-subjects 0 --epochs 22 --seed 1 --workers 1
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadData } from '../src/train/data/index.ts';
import { writeNpy } from '../src/util/npy.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string', default: 'models' }, 'skip-train': { type: 'boolean' } } });
if (!values.data) throw new Error('usage: make-demo-model.ts --data <wisdm-watch folder> [--out models] [--skip-train]');
const outDir = values.out!;
const MODEL = 'deepsense-wisdm.tsm';
// All 28 suggested training participants (no validation hold-out: the recipe was chosen with 4 held out, and its
// cosine schedule ends at the last epoch, which is the one kept).
const TRAIN_ARGS = ['train', 'deepsense', '--data', values.data, '-o', path.join(outDir, MODEL), '--validation-subjects', '0', '--epochs', '22', '--seed', '1', '--workers', '1'];

if (!values['skip-train']) {
  console.log(`tinysense ${TRAIN_ARGS.join(' ')}`);
  const r = spawnSync('nice', ['-n', '10', process.execPath, 'dist/cli.js', ...TRAIN_ARGS], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`training failed (exit ${r.status})`);
}

const loaded = loadData(values.data);
if (loaded.kind !== 'recordings' || !loaded.dataset.suggestedSplit?.test) throw new Error('expected the WISDM watch folder (recordings with a suggested test split)');
const ds = loaded.dataset;
const test = new Set(ds.suggestedSplit!.test);
const WINDOW = 200;
const C = ds.channels.length;
const PER_CLASS = 2;
const picked: Float32Array[] = [];
const pickedLabels: string[] = [];
const pickedSubjects: string[] = [];
for (let label = 0; label < ds.labels.length; label++) {
  const used = new Set<string>();
  // Segments long enough to skip the first 10 s (putting the watch on, starting the activity).
  const segments = ds.segments.filter((s) => s.label === label && test.has(s.subject) && s.length >= 3 * WINDOW).sort((a, b) => Number(a.subject) - Number(b.subject));
  // Start at another participant for each activity, so the samples come from all of them.
  const shift = (PER_CLASS * label) % Math.max(1, segments.length);
  segments.push(...segments.splice(0, shift));
  for (const s of segments) {
    if (used.has(s.subject) || used.size === PER_CLASS) continue;
    used.add(s.subject);
    picked.push(s.data.slice(WINDOW * C, 2 * WINDOW * C));
    pickedLabels.push(ds.labels[label]);
    pickedSubjects.push(s.subject);
  }
}

mkdirSync(path.join(outDir, 'samples'), { recursive: true });
const all = new Float32Array(picked.length * WINDOW * C);
picked.forEach((p, i) => all.set(p, i * WINDOW * C));
writeFileSync(path.join(outDir, 'samples', 'windows.npy'), writeNpy(all, [picked.length, WINDOW, C]));
writeFileSync(path.join(outDir, 'samples', 'labels.json'), `${JSON.stringify(pickedLabels)}\n`);
writeFileSync(path.join(outDir, 'samples', 'subjects.json'), `${JSON.stringify(pickedSubjects)}\n`);
writeFileSync(path.join(outDir, 'default.json'), `${JSON.stringify({
  model: MODEL,
  samples: 'samples/windows.npy',
  sampleLabels: 'samples/labels.json',
  targets: ['stm32h7a3', 'stm32l4r5'],
  description: `Bundled default: DeepSense (Yao et al. 2017) trained on the WISDM 2019 smartwatch accelerometer + gyroscope data (18 activities, 20 Hz, 10 s windows; training participants only), on ${picked.length} raw windows of the test participants (${PER_CLASS} per activity, from different people). Made by scripts/make-demo-model.ts.`,
}, null, 2)}\n`);
console.log(`wrote ${outDir}/samples (${picked.length} windows) and ${outDir}/default.json`);
