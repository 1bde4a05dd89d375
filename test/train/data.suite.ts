// Training-data loaders on the committed fixtures (cut from the real WISDM
// smartwatch data by scripts/make-data-fixtures.ts): shapes, label mapping,
// participant ids, sensor alignment checked by hand against the raw lines,
// windowing counts, normalisation from the training split only, splits by
// participant, and a DATA_FORMAT error naming file and line for every kind of
// malformed input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import {
  classCounts, computeNormalization, detectDataFormat, loadCsv, loadData, loadNpy, loadWisdmCompact, loadWisdmRaw, makeWindows,
  normalizationAffine, normalizationFromMetadata, normalizationToMetadata, normalizeWindows, pickSubjects, splitBySubject, splitCsvLine, toWindows,
  windowCount, WISDM_CHANNELS, type WindowSet,
} from '../../src/train/data/index.ts';
import { writeNpy } from '../../src/util/npy.ts';
import { isTinysenseError, type ErrorCode } from '../../src/errors.ts';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const RAW = path.join(FIX, 'wisdm-raw');
const COMPACT = path.join(FIX, 'wisdm-compact');
const CSV = path.join(FIX, 'csv', 'recording.csv');
const NPZ = path.join(FIX, 'npz', 'windows.npz');

const tmpDirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tinysense-data-'));
  tmpDirs.push(d);
  return d;
}
/** A copy of a fixture folder to break. */
function copyOf(dir: string): string {
  const d = tmp();
  cpSync(dir, d, { recursive: true });
  return d;
}
/** Replaces line `n` (1-based) of a text file. */
function setLine(file: string, n: number, text: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[n - 1] = text;
  writeFileSync(file, lines.join('\n'));
}
function lineOf(file: string, n: number): string {
  return readFileSync(file, 'utf8').split('\n')[n - 1];
}

/** Expects DATA_FORMAT (or `code`) whose where names `file` (a suffix) and `line`. */
function expectDataError(fn: () => unknown, file: string, line: number | undefined, label: string, code: ErrorCode = 'DATA_FORMAT'): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isTinysenseError(e), `${label}: not a TinysenseError: ${String(e)}`);
    assert.is(e.code, code, `${label}: ${e.message}`);
    if (file) assert.ok(e.where.file?.endsWith(file), `${label}: names file ${e.where.file}, expected …${file}`);
    if (line !== undefined) {
      assert.is(e.where.line, line, `${label}: line (${e.message})`);
      assert.ok(e.message.includes(`${file}:${line}`), `${label}: message names file:line: ${e.message}`);
    }
    return;
  }
  assert.unreachable(`${label}: no error`);
}

// ---------------------------------------------------------------- WISDM raw

test('wisdm raw: segments, labels, participants, channels', () => {
  const ds = loadWisdmRaw(RAW);
  assert.equal(ds.channels, WISDM_CHANNELS);
  assert.is(ds.labels.length, 18);
  assert.is(ds.labels[0], 'walking');
  assert.is(ds.labels[14], 'dribbling'); // code P (the key has no N)
  assert.is(ds.labels[17], 'folding');
  assert.is(ds.sampleRateHz, 20);
  // Per participant: walking cut in two runs 30 s apart (split at the gap; the
  // first reading precedes the gyroscope's first and is dropped), sitting with
  // 120 readings (dropped: < 200), dribbling with 230 readings of which the
  // first and the 4 inside a 0.45 s gyroscope dropout are dropped.
  const summary = ds.segments.map((s) => `${s.subject}/${ds.labels[s.label]}/${s.length}`);
  assert.equal(summary, ['1600/walking/219', '1600/walking/210', '1600/dribbling/225', '1603/walking/220', '1603/walking/210', '1603/dribbling/226']);
  for (const s of ds.segments) assert.is(s.data.length, s.length * 6);
  assert.ok(ds.segments[0].source?.endsWith('data_1600_accel_watch.txt:2'), ds.segments[0].source);
  // Only the participants asked for.
  assert.equal([...new Set(loadWisdmRaw(RAW, { subjects: ['1603'] }).segments.map((s) => s.subject))], ['1603']);
});

test('wisdm raw: sensor alignment by hand from the raw lines', () => {
  const ds = loadWisdmRaw(RAW, { subjects: ['1600'] });
  const row = (seg: number, i: number) => Array.from(ds.segments[seg].data.subarray(i * 6, i * 6 + 6));
  const f = Math.fround;
  // accel line 2 `1600,A,90426757696641,4.972757,-0.15831658,6.6967316;` has a gyroscope reading
  // at the same instant (gyro line 1 `1600,A,90426757696641,0.3149441,-1.0222765,-0.3099616;`).
  assert.equal(row(0, 0), [f(4.972757), f(-0.15831658), f(6.6967316), f(0.3149441), f(-1.0222765), f(-0.3099616)]);
  // Dribbling: accel `1600,P,91232279499982,19.761143,19.990686,9.378238;` lies 49.77 ms after gyro
  // `1600,P,91232229733042,1.4379141,-9.77595,-5.3520374;` and before the next gyro reading after the
  // dropout, `1600,P,91232677794062,5.1503606,-8.702164,-10.585682;`: linear interpolation.
  const seg = 2;
  const rows = Array.from({ length: ds.segments[seg].length }, (_, i) => row(seg, i));
  const at = rows.findIndex((r) => r[0] === f(19.761143) && r[1] === f(19.990686) && r[2] === f(9.378238));
  assert.ok(at >= 0, 'the interpolated reading is kept');
  const w = (91232279499982 - 91232229733042) / (91232677794062 - 91232229733042);
  const g0 = [1.4379141, -9.77595, -5.3520374];
  const g1 = [5.1503606, -8.702164, -10.585682];
  for (let a = 0; a < 3; a++) assert.ok(Math.abs(rows[at][3 + a] - (g0[a] + w * (g1[a] - g0[a]))) < 1e-5, `gyro axis ${a}: ${rows[at][3 + a]}`);
  // The next reading (99.79 ms after the gyro one) is kept; the four after it are > 100 ms from
  // any gyroscope reading and dropped: `...,91232379073502,17.99482,...` is not in the segment.
  assert.is(rows[at + 1][0], f(8.540117));
  assert.ok(!rows.some((r) => r[0] === f(17.99482) && r[1] === f(-3.5772367)), 'reading 149 ms from the gyroscope dropped');
  assert.is(rows[at + 2][0], f(-9.662998), 'the first reading within 100 ms after the dropout follows directly (no segment split)');
});

test('wisdm raw: reproduces the published compact conversion', () => {
  // Both fixtures were cut from the same participants: the raw loader's first
  // walking segment equals the compact layout's, value for value.
  const raw = loadWisdmRaw(RAW);
  const compact = loadWisdmCompact(COMPACT);
  for (const subject of ['1600', '1603']) {
    const a = raw.segments.find((s) => s.subject === subject && s.label === 0)!;
    const b = compact.segments.find((s) => s.subject === subject && s.label === 0)!;
    assert.equal(Array.from(a.data), Array.from(b.data.subarray(0, a.data.length)), `participant ${subject}`);
  }
});

test('wisdm raw: malformed files name file and line', () => {
  const accel = 'raw/watch/accel/data_1600_accel_watch.txt';
  const cases: [string, string, number, string][] = [
    ['wrong field count', '1600,A,90426807196641,3.25372,-0.19183542;', 3, accel],
    ['ragged row (extra field)', '1600,A,90426807196641,3.25372,-0.19183542,6.107758,1.0;', 3, accel],
    ['non-number', '1600,A,90426807196641,3.25372,abc,6.107758;', 3, accel],
    ['unknown activity code', '1600,N,90426807196641,3.25372,-0.19183542,6.107758;', 3, accel],
    ['subject differs from file name', '1601,A,90426807196641,3.25372,-0.19183542,6.107758;', 3, accel],
    ['non-number timestamp', '1600,A,9042680x196641,3.25372,-0.19183542,6.107758;', 3, accel],
  ];
  for (const [label, text, line, file] of cases) {
    const dir = copyOf(RAW);
    setLine(path.join(dir, file), line, text);
    expectDataError(() => loadWisdmRaw(dir), file, line, label);
  }
  // Timestamps that go backwards: sorted by default (the published procedure), an error on request.
  const dir = copyOf(RAW);
  const f = path.join(dir, accel);
  const l5 = lineOf(f, 5);
  setLine(f, 5, lineOf(f, 4));
  setLine(f, 4, l5);
  assert.is(loadWisdmRaw(dir).segments[0].length, 219, 'swapped lines are sorted back');
  expectDataError(() => loadWisdmRaw(dir, { unsorted: 'error' }), accel, 5, 'unsorted timestamps');
  // Missing files.
  const noGyro = copyOf(RAW);
  unlinkSync(path.join(noGyro, 'raw/watch/gyro/data_1603_gyro_watch.txt'));
  expectDataError(() => loadWisdmRaw(noGyro), 'data_1603_gyro_watch.txt', undefined, 'missing gyro file');
  const noKey = copyOf(RAW);
  unlinkSync(path.join(noKey, 'activity_key.txt'));
  expectDataError(() => loadWisdmRaw(noKey), 'activity_key.txt', undefined, 'missing activity key');
  const badKey = copyOf(RAW);
  setLine(path.join(badKey, 'activity_key.txt'), 3, 'stairs C');
  expectDataError(() => loadWisdmRaw(badKey), 'activity_key.txt', 3, 'malformed activity key');
  expectDataError(() => loadWisdmRaw(tmp()), '', undefined, 'not a raw layout');
});

// ---------------------------------------------------------------- WISDM compact

test('wisdm compact: segments, labels, participants, suggested split', () => {
  const ds = loadWisdmCompact(COMPACT);
  assert.equal(ds.channels, WISDM_CHANNELS);
  assert.is(ds.labels[3], 'sitting');
  assert.is(ds.segments.length, 10);
  assert.equal([...new Set(ds.segments.map((s) => s.subject))], ['1600', '1603', '1604', '1636', '1642']);
  assert.equal(ds.segments.map((s) => s.label), [0, 3, 0, 3, 0, 3, 0, 3, 0, 3]);
  for (const s of ds.segments) assert.is(s.length, 230);
  assert.equal(ds.suggestedSplit, { train: ['1600', '1603', '1604'], test: ['1636', '1642'] });
  // Segments are consecutive views of sequences.f32.
  const raw = readFileSync(path.join(COMPACT, 'sequences.f32'));
  assert.is(ds.segments[1].data[0], raw.readFloatLE(230 * 6 * 4));
});

test('wisdm compact: malformed files name file and field', () => {
  const breakIndex = (edit: (index: Record<string, unknown>[]) => void) => {
    const dir = copyOf(COMPACT);
    const file = path.join(dir, 'index.json');
    const index = JSON.parse(readFileSync(file, 'utf8'));
    edit(index);
    writeFileSync(file, JSON.stringify(index));
    return dir;
  };
  const fieldOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(isTinysenseError(e) && e.code === 'DATA_FORMAT', String(e));
      return `${path.basename(e.where.file ?? '')} ${e.where.field ?? ''}`;
    }
    return 'no error';
  };
  assert.is(fieldOf(() => loadWisdmCompact(breakIndex((ix) => (ix[3].offset = 2200)))), 'index.json [3].offset');
  assert.is(fieldOf(() => loadWisdmCompact(breakIndex((ix) => (ix[2].label = 18)))), 'index.json [2].label');
  assert.is(fieldOf(() => loadWisdmCompact(breakIndex((ix) => (ix[2].activity = 'B')))), 'index.json [2].activity');
  assert.is(fieldOf(() => loadWisdmCompact(breakIndex((ix) => (ix[0].subject = null as unknown as string)))), 'index.json [0].subject');
  // A truncated sequences.f32.
  const short = copyOf(COMPACT);
  const seq = path.join(short, 'sequences.f32');
  writeFileSync(seq, readFileSync(seq).subarray(0, 1000));
  expectDataError(() => loadWisdmCompact(short), 'sequences.f32', undefined, 'truncated sequences');
  // Broken JSON: the line is named.
  const broken = copyOf(COMPACT);
  setLine(path.join(broken, 'index.json'), 4, '"label": ,');
  expectDataError(() => loadWisdmCompact(broken), 'index.json', 4, 'invalid JSON');
  const noIndex = copyOf(COMPACT);
  unlinkSync(path.join(noIndex, 'manifest.json'));
  expectDataError(() => loadWisdmCompact(noIndex), 'manifest.json', undefined, 'missing manifest');
});

// ---------------------------------------------------------------- CSV

test('csv: auto-detected columns, labels, participants, gap split', () => {
  const ds = loadCsv(CSV);
  assert.equal(ds.channels, WISDM_CHANNELS);
  assert.equal(ds.labels, ['sitting', 'walking']);
  assert.equal(ds.segments.map((s) => `${s.subject}/${ds.labels[s.label]}/${s.length}`), ['1600/walking/60', '1600/sitting/60', '1636/walking/60', '1636/sitting/30', '1636/sitting/30']);
  // The CSV rows are the compact layout's samples.
  const compact = loadWisdmCompact(COMPACT);
  assert.equal(Array.from(ds.segments[1].data.subarray(0, 12)), Array.from(compact.segments[1].data.subarray(0, 12)));
  // Options: label order given, no subject column (the file is the participant), no timestamp.
  const o = loadCsv(CSV, { labels: ['walking', 'sitting'], subject: false, timestamp: false, channels: ['gyro_z', 'accel_x'] });
  assert.equal(o.channels, ['gyro_z', 'accel_x']);
  assert.equal(o.segments.map((s) => `${s.subject}/${s.label}/${s.length}`), ['recording/0/60', 'recording/1/60', 'recording/0/60', 'recording/1/60']);
  assert.is(o.segments[0].data[1], ds.segments[0].data[0]);
  // Semicolons, quoted fields, CRLF.
  const d = tmp();
  writeFileSync(path.join(d, 'a.csv'), 'Time;Label;"acc x"\r\n0;"brushing; teeth";1.5\r\n1;"brushing; teeth";2\r\n');
  const q = loadCsv(path.join(d, 'a.csv'));
  assert.equal([q.labels, q.channels, Array.from(q.segments[0].data)], [['brushing; teeth'], ['acc x'], [1.5, 2]]);
  assert.equal(splitCsvLine('a,"b ""c"", d",e', ','), ['a', 'b "c", d', 'e']);
});

test('csv: malformed files name file and line', () => {
  const d = tmp();
  const header = 'timestamp,subject,label,ax,ay';
  const write = (name: string, lines: string[]) => {
    const f = path.join(d, name);
    writeFileSync(f, [header, ...lines].join('\n') + '\n');
    return f;
  };
  expectDataError(() => loadCsv(write('ragged.csv', ['0,s1,walk,1,2', '1,s1,walk,1'])), 'ragged.csv', 3, 'ragged row');
  expectDataError(() => loadCsv(write('nan.csv', ['0,s1,walk,1,2', '1,s1,walk,1,x2'])), 'nan.csv', 3, 'non-number');
  expectDataError(() => loadCsv(write('time.csv', ['0,s1,walk,1,2', '0.05,s1,walk,1,2', '0.02,s1,walk,1,2'])), 'time.csv', 4, 'timestamps backwards');
  expectDataError(() => loadCsv(write('label.csv', ['0,s1,walk,1,2', '1,s1,jog,1,2']), { labels: ['walk'] }), 'label.csv', 3, 'unknown label');
  expectDataError(() => loadCsv(write('empty-label.csv', ['0,s1,,1,2'])), 'empty-label.csv', 2, 'empty label');
  const noLabel = path.join(d, 'nolabel.csv');
  writeFileSync(noLabel, 'timestamp,ax\n0,1\n');
  expectDataError(() => loadCsv(noLabel), 'nolabel.csv', 1, 'no label column');
  expectDataError(() => loadCsv(write('named.csv', ['0,s1,walk,1,2']), { timestamp: 'when' }), 'named.csv', 1, 'named column missing');
  expectDataError(() => loadCsv(path.join(d, 'absent.csv')), 'absent.csv', undefined, 'missing file');
});

// ---------------------------------------------------------------- NumPy

test('npz / npy: windows, labels, participants', () => {
  const w = loadNpy(NPZ, { channels: WISDM_CHANNELS });
  assert.equal([w.count, w.length, w.channels.length], [8, 40, 6]);
  assert.equal(Array.from(w.y), [0, 3, 0, 3, 0, 3, 0, 3]);
  assert.equal(w.subjects, ['1600', '1603', '1604', '1636']);
  assert.equal(Array.from(w.subject), [0, 0, 1, 1, 2, 2, 3, 3]);
  assert.equal(w.labels, ['0', '1', '2', '3']);
  // Window 1 is the compact layout's participant 1600 sitting segment (x was deflated in the archive).
  const compact = loadWisdmCompact(COMPACT);
  assert.equal(Array.from(w.x.subarray(40 * 6, 80 * 6)), Array.from(compact.segments[1].data.subarray(0, 240)));
  // A folder of .npy files, one channel, f32 labels.
  const d = tmp();
  writeFileSync(path.join(d, 'x.npy'), writeNpy(Float32Array.from({ length: 12 }, (_, i) => i), [3, 4]));
  writeFileSync(path.join(d, 'y.npy'), writeNpy(Float32Array.from([2, 0, 1]), [3]));
  const v = loadNpy(d, { labels: ['a', 'b', 'c'] });
  assert.equal([v.count, v.length, v.channels, Array.from(v.y), v.subjects, Array.from(v.subject)], [3, 4, ['ch0'], [2, 0, 1], [], [-1, -1, -1]]);
  expectDataError(() => splitBySubject(v, { test: ['1'] }), '', undefined, 'no participants', 'DATA_FORMAT');
});

test('npz: malformed archives name the file and array', () => {
  const d = tmp();
  const x = writeNpy(new Float32Array(2 * 4 * 3), [2, 4, 3]);
  const npz = (name: string, members: Record<string, Uint8Array>) => {
    const f = path.join(d, name);
    writeFileSync(f, zipSync(members));
    return f;
  };
  const field = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(isTinysenseError(e) && e.code === 'DATA_FORMAT', String(e));
      return `${path.basename(e.where.file ?? '')} ${e.where.field ?? ''}`;
    }
    return 'no error';
  };
  assert.is(field(() => loadNpy(npz('noy.npz', { 'x.npy': x }))), 'noy.npz ');
  assert.is(field(() => loadNpy(npz('ylen.npz', { 'x.npy': x, 'y.npy': writeNpy(new Float32Array(3), [3]) }))), 'ylen.npz y');
  assert.is(field(() => loadNpy(npz('yfrac.npz', { 'x.npy': x, 'y.npy': writeNpy(Float32Array.from([0, 0.5]), [2]) }))), 'yfrac.npz y[1]');
  assert.is(field(() => loadNpy(npz('ybig.npz', { 'x.npy': x, 'y.npy': writeNpy(Float32Array.from([0, 2]), [2]) }), { labels: ['a', 'b'] })), 'ybig.npz y[1]');
  assert.is(field(() => loadNpy(npz('x4.npz', { 'x.npy': writeNpy(new Float32Array(8), [1, 2, 2, 2]), 'y.npy': writeNpy(new Float32Array(1), [1]) }))), 'x4.npz x');
  assert.is(field(() => loadNpy(npz('subj.npz', { 'x.npy': x, 'y.npy': writeNpy(new Float32Array(2), [2]), 'subject.npy': writeNpy(new Float32Array(1), [1]) }))), 'subj.npz subject');
  const notZip = path.join(d, 'text.npz');
  writeFileSync(notZip, 'not a zip');
  assert.is(field(() => loadNpy(notZip)), 'text.npz ');
});

// ---------------------------------------------------------------- layout detection

test('loadData: detects each layout', () => {
  assert.equal([RAW, COMPACT, CSV, NPZ, path.dirname(CSV), path.dirname(NPZ)].map(detectDataFormat), ['wisdm-raw', 'wisdm-compact', 'csv', 'npz', 'csv', 'npz']);
  const raw = loadData(RAW);
  assert.ok(raw.kind === 'recordings' && raw.format === 'wisdm-raw' && raw.dataset.segments.length === 6);
  const npz = loadData(NPZ);
  assert.ok(npz.kind === 'windows' && npz.windows.count === 8);
  assert.is(toWindows(npz, { length: 40 }).count, 8);
  expectDataError(() => toWindows(npz, { length: 200 }), '', undefined, 'window length mismatch', 'DATA_FORMAT');
  expectDataError(() => loadData(tmp()), '', undefined, 'unrecognised layout');
  expectDataError(() => loadData(path.join(FIX, 'nowhere')), 'nowhere', undefined, 'missing folder');
});

// ---------------------------------------------------------------- windows, splits, normalisation

test('windows: counts per segment, contents, class counts', () => {
  assert.equal([windowCount(199, 200, 100), windowCount(200, 200, 100), windowCount(399, 200, 100), windowCount(400, 200, 100), windowCount(230, 100, 50)], [0, 1, 2, 3, 3]);
  const raw = loadWisdmRaw(RAW);
  // Segments 219, 210, 225, 220, 210, 226 readings: 3 windows of 100 (stride 50) each; 1 of 200 (stride 100) each.
  const w = makeWindows(raw, { length: 100, stride: 50 });
  assert.equal([w.count, w.length, w.x.length], [18, 100, 18 * 100 * 6]);
  assert.is(makeWindows(raw, { length: 200, stride: 100 }).count, 6);
  assert.is(makeWindows(raw, { length: 200 }).count, 6, 'default stride: 50 % overlap');
  assert.equal(w.subjects, ['1600', '1603']);
  assert.equal(Array.from(w.subject), [...new Array(9).fill(0), ...new Array(9).fill(1)]);
  // Window 1 of segment 0 starts 50 samples in.
  assert.equal(Array.from(w.x.subarray(100 * 6, 100 * 6 + 6)), Array.from(raw.segments[0].data.subarray(50 * 6, 51 * 6)));
  // Window 3 is the first of segment 1: windows never span two segments.
  assert.equal(Array.from(w.x.subarray(3 * 600, 3 * 600 + 6)), Array.from(raw.segments[1].data.subarray(0, 6)));
  const counts = classCounts(w);
  assert.is(counts.length, 18);
  assert.equal([counts[0], counts[14], counts.reduce((a, b) => a + b, 0)], [12, 6, 18]);
  assert.is(makeWindows(raw, { length: 100, stride: 50, subjects: ['1603'] }).count, 9);
  expectDataError(() => makeWindows(raw, { length: 0 }), '', undefined, 'bad window length');
});

test('splits are by participant, never by window', () => {
  const ds = loadWisdmCompact(COMPACT);
  const all = makeWindows(ds, { length: 100, stride: 50 });
  assert.is(all.count, 30);
  const validation = pickSubjects(ds.suggestedSplit!.train!, 1, 7);
  assert.equal(validation, pickSubjects(ds.suggestedSplit!.train!, 1, 7), 'seeded');
  const split = splitBySubject(all, { test: ds.suggestedSplit!.test, validation });
  const names = (s: WindowSet) => new Set(Array.from(s.subject, (i) => s.subjects[i]));
  const [tr, va, te] = [names(split.train), names(split.validation), names(split.test)];
  assert.equal([...te].sort(), ['1636', '1642']);
  assert.equal([...va], validation);
  for (const s of tr) assert.ok(!va.has(s) && !te.has(s), `participant ${s} in two splits`);
  assert.equal([split.train.count, split.validation.count, split.test.count], [12, 6, 12]);
  // An explicit train list leaves everyone else out.
  assert.is(splitBySubject(all, { train: ['1600'], test: ['1636'] }).train.count, 6);
  expectDataError(() => splitBySubject(all, { test: ['1600'], validation: ['1600'] }), '', undefined, 'overlapping split');
  expectDataError(() => splitBySubject(all, { train: ['1636'], test: ['1636'] }), '', undefined, 'overlapping train split');
});

test('normalisation: from the training split only, through model metadata', () => {
  const ds = loadWisdmCompact(COMPACT);
  const all = makeWindows(ds, { length: 100, stride: 50 });
  const { train, test: held } = splitBySubject(all, { test: ds.suggestedSplit!.test });
  const norm = computeNormalization(train);
  // By hand, over the training windows only.
  const c = 6;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let n = 0;
    for (let i = ch; i < train.x.length; i += c, n++) s += train.x[i];
    const mean = s / n;
    let v = 0;
    for (let i = ch; i < train.x.length; i += c) v += (train.x[i] - mean) ** 2;
    assert.ok(Math.abs(norm.mean[ch] - mean) < 1e-9 * Math.max(1, Math.abs(mean)) && Math.abs(norm.std[ch] - Math.sqrt(v / n)) < 1e-9, `channel ${ch}`);
  }
  // The test participants do not move it; statistics over everything would differ.
  held.x.fill(1e6);
  assert.equal(computeNormalization(train), norm);
  assert.not.equal(computeNormalization(all).mean, norm.mean);
  // Normalised training data has mean 0 and deviation 1 per channel.
  const z = normalizeWindows(train, norm);
  const zn = computeNormalization(z);
  for (let ch = 0; ch < c; ch++) assert.ok(Math.abs(zn.mean[ch]) < 1e-5 && Math.abs(zn.std[ch] - 1) < 1e-5, `normalised channel ${ch}`);
  // The affine form a model applies to raw values gives the same numbers.
  const { scale, shift } = normalizationAffine(norm);
  assert.ok(Math.abs(train.x[7] * scale[1] + shift[1] - z.x[7]) < 1e-5);
  // Round trip through ModelMetadata.extra, other metadata kept.
  const meta = normalizationToMetadata(norm, { labels: ['a'], extra: { sampleRateHz: '20' } });
  assert.equal(meta.labels, ['a']);
  assert.is(meta.extra!.sampleRateHz, '20');
  assert.equal(normalizationFromMetadata(meta), norm);
  assert.is(normalizationFromMetadata({}), undefined);
  expectDataError(() => normalizationFromMetadata({ extra: { normalization: '{"channels":["a"],"mean":[0],"std":[0]}' } }), '', undefined, 'zero std');
  // A constant channel gets the floor, not a division by zero.
  const flat = { ...train, x: new Float32Array(train.x.length).fill(3) };
  assert.ok(computeNormalization(flat).std.every((s) => s > 0));
});

test.after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

test.run();
