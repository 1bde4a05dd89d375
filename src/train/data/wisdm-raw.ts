// The WISDM 2019 smartwatch data set in its original published text layout
// (Weiss et al., IEEE Access 7, 2019; UCI repository dataset 507):
//   <dir>/activity_key.txt                          lines `walking = A`
//   <dir>/raw/watch/accel/data_<subject>_accel_watch.txt
//   <dir>/raw/watch/gyro/data_<subject>_gyro_watch.txt
// (`<dir>/watch/...` without `raw/` is accepted too), one reading a line:
//   subject,activity_code,timestamp_ns,x,y,z;
// The two sensors tick on their own clocks, so they are aligned the way the
// compact WISDM layout was made (as its PROVENANCE.md describes), per
// subject and activity: sort by timestamp and drop repeated timestamps;
// resample the gyroscope onto the accelerometer's timestamps by linear
// interpolation; keep a reading only inside the gyroscope's time span and
// where a gyroscope reading lies within 100 ms; start a new segment at a gap of more
// than 0.5 s between kept readings; drop segments shorter than 200 readings.
// Channels: accel_x, accel_y, accel_z (m/s^2), gyro_x, gyro_y, gyro_z (rad/s).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { dataError, parseNumber, readDataFile, type Segment, type SensorDataset } from './types.ts';

export const WISDM_CHANNELS = ['accel_x', 'accel_y', 'accel_z', 'gyro_x', 'gyro_y', 'gyro_z'];
export const WISDM_SAMPLE_RATE_HZ = 20;

export interface WisdmRawOptions {
  /** Participants to load (default: every subject with an accelerometer file). */
  subjects?: string[];
  /**
   * Timestamps that go backwards within one activity: 'sort' them (default,
   * as the published conversion did) or report them as an 'error'.
   */
  unsorted?: 'sort' | 'error';
  /** A gyroscope reading must lie this close to an accelerometer reading (default 100 ms). */
  maxSensorSkewNs?: number;
  /** A larger gap between kept readings starts a new segment (default 0.5 s). */
  maxGapNs?: number;
  /** Shorter segments are dropped (default 200 readings, 10 s at 20 Hz). */
  minSegmentLength?: number;
}

/** Where the pieces of a raw layout live, or undefined when `dir` is not one. */
export function findWisdmRawLayout(dir: string): { watchDir: string; keyFile: string } | undefined {
  for (const watchDir of [path.join(dir, 'raw', 'watch'), path.join(dir, 'watch')]) {
    if (existsSync(path.join(watchDir, 'accel'))) {
      const keyFile = [path.join(dir, 'activity_key.txt'), path.join(dir, 'raw', 'activity_key.txt')].find((f) => existsSync(f)) ?? path.join(dir, 'activity_key.txt');
      return { watchDir, keyFile };
    }
  }
  return undefined;
}

/** `name = CODE` per line, in label order. */
export function readActivityKey(file: string): { labels: string[]; codes: Map<string, number> } {
  const labels: string[] = [];
  const codes = new Map<string, number>();
  const lines = readDataFile(file).toString('utf8').split('\n');
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '') return;
    const m = /^(.+?)\s*=\s*([A-Za-z0-9]+)$/.exec(text);
    if (!m) dataError('expected `activity name = code`', { file, line: i + 1 }, 'name = code', JSON.stringify(text));
    if (codes.has(m[2])) dataError('activity code listed twice', { file, line: i + 1 }, 'unique codes', m[2]);
    codes.set(m[2], labels.length);
    labels.push(m[1]);
  });
  if (labels.length === 0) dataError('the activity key lists no activity', { file });
  return { labels, codes };
}

/** One sensor's readings of one activity: timestamps, xyz and source lines. */
interface Stream {
  ts: number[];
  xyz: number[];
  line: number[];
}

const FIELD_NAMES = ['timestamp', 'x', 'y', 'z'];

function parseSensorFile(file: string, subject: string, codes: Map<string, number>, unsorted: 'sort' | 'error'): Map<number, Stream> {
  const byLabel = new Map<number, Stream>();
  const text = readDataFile(file).toString('utf8');
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    if (line.endsWith(';')) line = line.slice(0, -1);
    const fields = line.split(',');
    if (fields.length !== 6) dataError('expected 6 comma-separated fields (subject,activity,timestamp,x,y,z)', { file, line: lineNo }, '6 fields', fields.length);
    if (fields[0].trim() !== subject) dataError('the subject differs from the file name', { file, line: lineNo, field: 'subject' }, subject, JSON.stringify(fields[0]));
    const label = codes.get(fields[1].trim());
    if (label === undefined) dataError('unknown activity code (not in activity_key.txt)', { file, line: lineNo, field: 'activity' }, [...codes.keys()].join(' '), JSON.stringify(fields[1]));
    // Number() on the hot path; the error (and its where) is built only for a bad field.
    const ts = Number(fields[2]);
    const x = Number(fields[3]);
    const y = Number(fields[4]);
    const z = Number(fields[5]);
    if (!(Number.isFinite(ts) && Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) || fields.some((f) => f.trim() === '')) {
      FIELD_NAMES.forEach((field, k) => parseNumber(fields[k + 2], { file, line: lineNo, field }));
    }
    let s = byLabel.get(label);
    if (!s) byLabel.set(label, (s = { ts: [], xyz: [], line: [] }));
    if (unsorted === 'error' && s.ts.length > 0 && ts < s.ts[s.ts.length - 1]) {
      dataError('timestamps go backwards within an activity', { file, line: lineNo, field: 'timestamp' }, `>= ${s.ts[s.ts.length - 1]} (line ${s.line[s.line.length - 1]})`, ts);
    }
    s.ts.push(ts);
    s.xyz.push(x, y, z);
    s.line.push(lineNo);
  }
  return byLabel;
}

/** Sorted by timestamp (stable), repeated timestamps dropped (the first reading kept). */
function sortedUnique(s: Stream): { ts: Float64Array; xyz: Float64Array; line: Int32Array } {
  const order = s.ts.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < s.ts.length && sorted; i++) sorted = s.ts[i] >= s.ts[i - 1];
  if (!sorted) order.sort((a, b) => s.ts[a] - s.ts[b] || a - b);
  const keep = order.filter((idx, k) => k === 0 || s.ts[idx] !== s.ts[order[k - 1]]);
  const ts = new Float64Array(keep.length);
  const xyz = new Float64Array(keep.length * 3);
  const line = new Int32Array(keep.length);
  keep.forEach((idx, k) => {
    ts[k] = s.ts[idx];
    line[k] = s.line[idx];
    for (let a = 0; a < 3; a++) xyz[k * 3 + a] = s.xyz[idx * 3 + a];
  });
  return { ts, xyz, line };
}

/** Aligns one activity's two streams and cuts it into segments (procedure in the file header). */
export function alignWisdmStreams(
  accel: Stream, gyro: Stream, o: Required<Pick<WisdmRawOptions, 'maxSensorSkewNs' | 'maxGapNs' | 'minSegmentLength'>>,
): { data: Float32Array; length: number; firstLine: number }[] {
  const a = sortedUnique(accel);
  const g = sortedUnique(gyro);
  const out: { data: Float32Array; length: number; firstLine: number }[] = [];
  if (g.ts.length === 0) return out;
  let rows: number[] = [];
  let firstLine = 0;
  let lastTs = -Infinity;
  const flush = () => {
    if (rows.length / 6 >= o.minSegmentLength) out.push({ data: Float32Array.from(rows), length: rows.length / 6, firstLine });
    rows = [];
  };
  let j = 0; // g.ts[j] <= t < g.ts[j + 1], or j = last when t = g.ts[last]
  const last = g.ts.length - 1;
  for (let i = 0; i < a.ts.length; i++) {
    const t = a.ts[i];
    while (j < last && g.ts[j + 1] <= t) j++;
    // Interpolate only, never extrapolate: outside the gyroscope's span there is nothing to align with.
    if (t < g.ts[0] || t > g.ts[last]) continue;
    const near = j < last ? Math.min(t - g.ts[j], g.ts[j + 1] - t) : t - g.ts[j];
    if (near > o.maxSensorSkewNs) continue;
    if (t - lastTs > o.maxGapNs) flush();
    if (rows.length === 0) firstLine = a.line[i];
    lastTs = t;
    rows.push(a.xyz[i * 3], a.xyz[i * 3 + 1], a.xyz[i * 3 + 2]);
    if (j === last) rows.push(g.xyz[j * 3], g.xyz[j * 3 + 1], g.xyz[j * 3 + 2]);
    else {
      const w = (t - g.ts[j]) / (g.ts[j + 1] - g.ts[j]);
      for (let ax = 0; ax < 3; ax++) rows.push(g.xyz[j * 3 + ax] + w * (g.xyz[(j + 1) * 3 + ax] - g.xyz[j * 3 + ax]));
    }
  }
  flush();
  return out;
}

/** Loads the raw layout under `dir` into aligned segments. */
export function loadWisdmRaw(dir: string, options: WisdmRawOptions = {}): SensorDataset {
  const layout = findWisdmRawLayout(dir);
  if (!layout) dataError('not a WISDM raw layout: no raw/watch/accel or watch/accel folder', { file: dir });
  const { labels, codes } = readActivityKey(layout.keyFile);
  const accelDir = path.join(layout.watchDir, 'accel');
  const gyroDir = path.join(layout.watchDir, 'gyro');
  const found = readdirSync(accelDir).map((f) => /^data_(\d+)_accel_watch\.txt$/.exec(f)?.[1]).filter((s): s is string => s !== undefined);
  const subjects = (options.subjects ?? found).slice().sort((x, y) => Number(x) - Number(y) || x.localeCompare(y));
  if (subjects.length === 0) dataError('no data_<subject>_accel_watch.txt files', { file: accelDir });
  const unsorted = options.unsorted ?? 'sort';
  const limits = { maxSensorSkewNs: options.maxSensorSkewNs ?? 100e6, maxGapNs: options.maxGapNs ?? 0.5e9, minSegmentLength: options.minSegmentLength ?? 200 };
  const segments: Segment[] = [];
  for (const subject of subjects) {
    const accelFile = path.join(accelDir, `data_${subject}_accel_watch.txt`);
    const gyroFile = path.join(gyroDir, `data_${subject}_gyro_watch.txt`);
    const accel = parseSensorFile(accelFile, subject, codes, unsorted);
    const gyro = parseSensorFile(gyroFile, subject, codes, unsorted);
    for (const label of [...accel.keys()].sort((x, y) => x - y)) {
      const g = gyro.get(label);
      if (!g) continue;
      for (const seg of alignWisdmStreams(accel.get(label)!, g, limits)) {
        segments.push({ subject, label, data: seg.data, length: seg.length, source: `${accelFile}:${seg.firstLine}` });
      }
    }
  }
  return { channels: [...WISDM_CHANNELS], labels, segments, sampleRateHz: WISDM_SAMPLE_RATE_HZ };
}
