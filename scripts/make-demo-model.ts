// Writes the bundled default of `npm start`: a small conv -> GRU -> dense
// HAR model (seeded, untrained: it exercises the whole runtime until the
// trained DeepSense model replaces it) and one real 10 s window per activity
// from the WISDM smartwatch test participants.
//   node --import tsx scripts/make-demo-model.ts --data <wisdm-watch folder>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBuilder } from '../src/graph/builder.ts';
import { writeModel } from '../src/format/write.ts';
import { writeNpy } from '../src/util/npy.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string', default: 'models' } } });
if (!values.data) throw new Error('usage: make-demo-model.ts --data <wisdm-watch folder> [--out models]');
const dataDir = values.data;
const outDir = values.out!;

interface Segment { subject: number; activity: string; label: number; offset: number; length: number }
const manifest = JSON.parse(readFileSync(path.join(dataDir, 'manifest.json'), 'utf8'));
const index = JSON.parse(readFileSync(path.join(dataDir, 'index.json'), 'utf8')) as Segment[];
const labels = (manifest.labels as { id: number; name: string }[]).sort((a, b) => a.id - b.id).map((l) => l.name);
const testSubjects = new Set<number>(manifest.suggested_split.test_subjects);
const raw = readFileSync(path.join(dataDir, 'sequences.f32'));
const seq = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);

const WINDOW = 200;
const CHANNELS = 6;
const picked: Float32Array[] = [];
const pickedLabels: string[] = [];
for (const label of [0, 1, 2, 3, 5, 16]) {
  const seg = index.find((s) => s.label === label && testSubjects.has(s.subject) && s.length >= 3 * WINDOW)!;
  const start = (seg.offset + WINDOW) * CHANNELS; // skip the first 10 s of the recording
  picked.push(seq.slice(start, start + WINDOW * CHANNELS));
  pickedLabels.push(labels[label]);
}

const b = createBuilder('demo-har', { seed: 2026 });
const x = b.input('window', [1, WINDOW, CHANNELS]);
let h = b.conv1d(x, { filters: 32, kernel: 5, stride: 2, padding: 'same', activation: 'relu' });
h = b.conv1d(h, { filters: 32, kernel: 3, padding: 'same', activation: 'relu' });
h = b.op('maxPool1d', [h], { kernel: [2], strides: [2] })[0];
h = b.gru(h, { units: 32 });
h = b.dense(h, { units: labels.length });
b.output(b.softmax(h), 'probabilities');
const model = b.build({ labels, provenance: 'scripts/make-demo-model.ts (seeded, untrained)' });

mkdirSync(path.join(outDir, 'samples'), { recursive: true });
writeFileSync(path.join(outDir, 'demo-har.tsm'), writeModel(model));
const all = new Float32Array(picked.length * WINDOW * CHANNELS);
picked.forEach((p, i) => all.set(p, i * WINDOW * CHANNELS));
writeFileSync(path.join(outDir, 'samples', 'windows.npy'), writeNpy(all, [picked.length, WINDOW, CHANNELS]));
writeFileSync(path.join(outDir, 'samples', 'labels.json'), `${JSON.stringify(pickedLabels)}\n`);
writeFileSync(path.join(outDir, 'default.json'), `${JSON.stringify({
  model: 'demo-har.tsm',
  samples: 'samples/windows.npy',
  sampleLabels: 'samples/labels.json',
  description: 'Bundled default: demo-har, a small conv1d -> GRU -> dense model with seeded (untrained) weights, on six real 10 s smartwatch windows (WISDM 2019, test participants). Predictions are not meaningful until a trained model replaces it.',
}, null, 2)}\n`);
console.log(`wrote ${outDir}/demo-har.tsm and ${picked.length} sample windows`);
