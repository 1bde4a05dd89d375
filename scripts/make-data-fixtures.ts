// Rebuilds the small data fixtures under test/fixtures/ from the real WISDM
// smartwatch folder (see its PROVENANCE.md), so loader tests run on real
// readings without the 57 MB data set:
//   wisdm-raw/      the original text layout, cut down: two participants, a few
//                   activities, a few hundred lines a file (cut at the same
//                   line ranges in both sensors, so edges misalign as in the
//                   real files), with a gap, a short run and a gyroscope dropout
//   wisdm-compact/  sequences.f32 + index.json + manifest.json with 10 short segments
//   csv/recording.csv, npz/windows.npz  the same kind of readings as users' own files
//   node --import tsx scripts/make-data-fixtures.ts --data <wisdm-watch folder> [--out test/fixtures]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { zipSync } from 'fflate';
import { writeNpy } from '../src/util/npy.ts';
import { loadWisdmCompact } from '../src/train/data/wisdm-compact.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string', default: 'test/fixtures' } } });
if (!values.data) throw new Error('usage: make-data-fixtures.ts --data <wisdm-watch folder> [--out test/fixtures]');
const dataDir = values.data;
const outDir = values.out!;

// --- wisdm-raw: line ranges [from, to) within each activity's lines, the same in both sensor files.
const RAW_SUBJECTS = ['1600', '1603'];
const RAW_CUTS: Record<string, [number, number][]> = {
  A: [[0, 220], [600, 810]], // two runs 30 s apart: a gap > 0.5 s splits them
  D: [[0, 120]], // shorter than 200 readings: dropped
  P: [[0, 230]], // the gyroscope loses 8 readings (0.45 s) in the middle (below)
};
const GYRO_DROPOUT = { activity: 'P', from: 100, to: 108 };

function cutRaw(lines: string[], sensor: 'accel' | 'gyro'): string[] {
  const byActivity = new Map<string, string[]>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    const code = line.split(',')[1];
    if (!byActivity.has(code)) byActivity.set(code, []);
    byActivity.get(code)!.push(line);
  }
  const out: string[] = [];
  for (const [code, cuts] of Object.entries(RAW_CUTS)) {
    const act = byActivity.get(code) ?? [];
    for (const [from, to] of cuts) {
      act.slice(from, to).forEach((line, i) => {
        if (sensor === 'gyro' && code === GYRO_DROPOUT.activity && from + i >= GYRO_DROPOUT.from && from + i < GYRO_DROPOUT.to) return;
        out.push(line);
      });
    }
  }
  return out;
}

const rawIn = path.join(dataDir, 'raw-sample');
const rawOut = path.join(outDir, 'wisdm-raw');
writeFileSync(path.join(mkdirp(rawOut), 'activity_key.txt'), readFileSync(path.join(rawIn, 'activity_key.txt')));
for (const subject of RAW_SUBJECTS) {
  for (const sensor of ['accel', 'gyro'] as const) {
    const name = `data_${subject}_${sensor}_watch.txt`;
    const lines = readFileSync(path.join(rawIn, 'watch', sensor, name), 'utf8').split('\n');
    writeFileSync(path.join(mkdirp(path.join(rawOut, 'raw', 'watch', sensor)), name), cutRaw(lines, sensor).join('\n') + '\n');
  }
}

// --- wisdm-compact: the first SEG_LEN samples of two activities of five participants.
const COMPACT_SUBJECTS = ['1600', '1603', '1604', '1636', '1642'];
const COMPACT_ACTIVITIES = [0, 3];
const SEG_LEN = 230;
const full = loadWisdmCompact(dataDir);
const manifest = JSON.parse(readFileSync(path.join(dataDir, 'manifest.json'), 'utf8'));
const picked = full.segments.filter((s) => COMPACT_SUBJECTS.includes(s.subject) && COMPACT_ACTIVITIES.includes(s.label));
const firstPerPair = picked.filter((s, i) => picked.findIndex((t) => t.subject === s.subject && t.label === s.label) === i);
const c = full.channels.length;
const seq = new Float32Array(firstPerPair.length * SEG_LEN * c);
const index = firstPerPair.map((s, i) => {
  seq.set(s.data.subarray(0, SEG_LEN * c), i * SEG_LEN * c);
  return { subject: Number(s.subject), activity: manifest.labels[s.label].code, label: s.label, offset: i * SEG_LEN, length: SEG_LEN };
});
const compactOut = mkdirp(path.join(outDir, 'wisdm-compact'));
const seqBytes = new Uint8Array(seq.buffer);
const indexText = JSON.stringify(index, null, 1);
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const inSet = (xs: number[]) => xs.filter((s) => COMPACT_SUBJECTS.includes(String(s)));
writeFileSync(path.join(compactOut, 'sequences.f32'), seqBytes);
writeFileSync(path.join(compactOut, 'index.json'), indexText);
writeFileSync(path.join(compactOut, 'manifest.json'), JSON.stringify({
  ...manifest,
  note: `test fixture: the first ${SEG_LEN} samples of activities ${COMPACT_ACTIVITIES.join(', ')} of ${COMPACT_SUBJECTS.length} participants, cut by scripts/make-data-fixtures.ts`,
  subjects: COMPACT_SUBJECTS.map(Number),
  total_samples: seq.length / c,
  segments: index.length,
  files: { 'sequences.f32': { bytes: seqBytes.byteLength, sha256: sha(seqBytes) }, 'index.json': { sha256: sha(indexText) } },
  suggested_split: { ...manifest.suggested_split, train_subjects: inSet(manifest.suggested_split.train_subjects), test_subjects: inSet(manifest.suggested_split.test_subjects) },
}, null, 1));

// --- csv: 60 readings of two activities of two participants; one run has a 2 s gap.
const rows = ['time_s,participant,activity,' + full.channels.join(',')];
for (const subject of ['1600', '1636']) {
  for (const label of [0, 3]) {
    const s = full.segments.find((t) => t.subject === subject && t.label === label)!;
    for (let i = 0; i < 60; i++) {
      const t = (i + (subject === '1636' && label === 3 && i >= 30 ? 40 : 0)) / 20;
      const vals = Array.from(s.data.subarray(i * c, (i + 1) * c), (v) => String(v));
      rows.push([t.toFixed(2), subject, full.labels[label], ...vals].join(','));
    }
  }
}
writeFileSync(path.join(mkdirp(path.join(outDir, 'csv')), 'recording.csv'), rows.join('\n') + '\n');

// --- npz: 8 windows of 40 samples (x deflated as np.savez_compressed does, y and subject stored as np.savez does).
const W = 40;
const x = new Float32Array(8 * W * c);
const y: number[] = [];
const subj: number[] = [];
[['1600', 0], ['1600', 3], ['1603', 0], ['1603', 3], ['1604', 0], ['1604', 3], ['1636', 0], ['1636', 3]].forEach(([subject, label], i) => {
  const s = full.segments.find((t) => t.subject === subject && t.label === label)!;
  x.set(s.data.subarray(0, W * c), i * W * c);
  y.push(label as number);
  subj.push(Number(subject));
});
const npz = zipSync({
  'x.npy': [writeNpy(x, [8, W, c]), { level: 6 }],
  'y.npy': [intNpy(y, '<i8'), { level: 0 }],
  'subject.npy': [intNpy(subj, '<i4'), { level: 0 }],
});
writeFileSync(path.join(mkdirp(path.join(outDir, 'npz')), 'windows.npz'), npz);
console.log(`fixtures written under ${outDir}: wisdm-raw (${RAW_SUBJECTS.length} participants), wisdm-compact (${index.length} segments), csv, npz`);

/** A 1-D integer .npy (writeNpy writes f32 only; labels in real .npz files are int64). */
function intNpy(values: number[], descr: '<i8' | '<i4'): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${values.length},), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  const text = header.padEnd(total - 11, ' ') + '\n';
  const size = descr === '<i8' ? 8 : 4;
  const out = new Uint8Array(total + values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  values.forEach((v, i) => (size === 8 ? dv.setBigInt64(total + i * 8, BigInt(v), true) : dv.setInt32(total + i * 4, v, true)));
  return out;
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
