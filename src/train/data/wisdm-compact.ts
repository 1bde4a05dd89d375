// The compact layout of an aligned multi-sensor data set (the form the
// WISDM watch data set is distributed in here; its PROVENANCE.md describes it):
//   sequences.f32  little-endian f32, row-major [total_samples, channels]
//   index.json     [{subject, activity, label, offset, length}] per contiguous segment (samples)
//   manifest.json  {channels, labels: [{id, code, name}], sample_rate_hz, total_samples,
//                   suggested_split: {train_subjects, test_subjects}}
// Segments are views into one Float32Array (no copy).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dataError, readDataFile, type Segment, type SensorDataset, type SubjectSplit } from './types.ts';

export function isWisdmCompactLayout(dir: string): boolean {
  return existsSync(path.join(dir, 'sequences.f32')) && existsSync(path.join(dir, 'index.json'));
}

function readJson(file: string): unknown {
  const text = readDataFile(file).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    const line = text.slice(0, jsonErrorOffset(text)).split('\n').length;
    return dataError('not valid JSON', { file, line }, 'JSON', (e as Error).message.split('\n')[0]);
  }
}

/**
 * Where JSON.parse gives up, found without relying on the engine's message
 * (its wording differs across Node versions): the shortest prefix that fails
 * for a reason other than running out of text.
 */
function jsonErrorOffset(text: string): number {
  const failsInside = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      const msg = (e as Error).message;
      const at = /at position (\d+)/.exec(msg)?.[1];
      return !/end of (JSON )?input/i.test(msg) && (at === undefined || Number(at) < n);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

interface Manifest {
  channels: string[];
  labels: { id: number; code?: string; name: string }[];
  sample_rate_hz?: number;
  total_samples?: number;
  suggested_split?: { train_subjects?: (number | string)[]; validation_subjects?: (number | string)[]; test_subjects?: (number | string)[] };
}

function checkManifest(m: unknown, file: string): Manifest {
  const o = m as Partial<Manifest>;
  if (typeof m !== 'object' || m === null) dataError('the manifest is not a JSON object', { file });
  if (!Array.isArray(o.channels) || o.channels.length === 0 || o.channels.some((c) => typeof c !== 'string')) {
    dataError('the manifest needs channels: a non-empty list of names', { file, field: 'channels' }, 'strings', JSON.stringify(o.channels));
  }
  if (!Array.isArray(o.labels) || o.labels.length === 0) dataError('the manifest needs labels: [{id, name}]', { file, field: 'labels' });
  o.labels.forEach((l, i) => {
    if (typeof l !== 'object' || l === null || typeof l.name !== 'string' || !Number.isInteger(l.id) || l.id < 0 || l.id >= o.labels!.length) {
      dataError('a label must be {id, name} with id in [0, labels)', { file, field: `labels[${i}]` }, `id in [0, ${o.labels!.length})`, JSON.stringify(l));
    }
  });
  if (new Set(o.labels.map((l) => l.id)).size !== o.labels.length) dataError('label ids repeat', { file, field: 'labels' });
  return o as Manifest;
}

/** Loads `dir` (sequences.f32 + index.json + manifest.json). */
export function loadWisdmCompact(dir: string): SensorDataset {
  const manifestFile = path.join(dir, 'manifest.json');
  const indexFile = path.join(dir, 'index.json');
  const seqFile = path.join(dir, 'sequences.f32');
  const manifest = checkManifest(readJson(manifestFile), manifestFile);
  const channels = manifest.channels;
  const labels: string[] = [];
  for (const l of manifest.labels) labels[l.id] = l.name;

  const bytes = readDataFile(seqFile);
  const rowBytes = 4 * channels.length;
  if (bytes.byteLength % rowBytes !== 0) dataError('size is not a whole number of samples', { file: seqFile }, `a multiple of ${rowBytes} bytes`, `${bytes.byteLength} bytes`);
  const total = bytes.byteLength / rowBytes;
  if (manifest.total_samples !== undefined && manifest.total_samples !== total) {
    dataError('size differs from the manifest', { file: seqFile }, `${manifest.total_samples} samples (manifest.json total_samples)`, `${total} samples`);
  }
  // Copy only when the buffer is not 4-byte aligned (Float32Array views need it).
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  const seq = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);

  const index = readJson(indexFile);
  if (!Array.isArray(index)) dataError('the index must be a JSON list of segments', { file: indexFile });
  const codes = new Map(manifest.labels.map((l) => [l.code, l.id]));
  const segments: Segment[] = index.map((e: Record<string, unknown>, i: number) => {
    const where = { file: indexFile, field: `[${i}]` };
    if (typeof e !== 'object' || e === null) dataError('a segment must be an object', where);
    const { subject, label, offset, length, activity } = e;
    if (typeof subject !== 'number' && typeof subject !== 'string') dataError('subject must be a number or string', { ...where, field: `[${i}].subject` }, 'a participant id', JSON.stringify(subject));
    if (!Number.isInteger(label) || (label as number) < 0 || (label as number) >= labels.length || labels[label as number] === undefined) {
      dataError('label is not a label id of the manifest', { ...where, field: `[${i}].label` }, `0..${labels.length - 1}`, JSON.stringify(label));
    }
    if (activity !== undefined && codes.has(activity as string) && codes.get(activity as string) !== label) {
      dataError('activity code and label disagree', { ...where, field: `[${i}].activity` }, `label ${codes.get(activity as string)}`, `label ${label}`);
    }
    if (!Number.isInteger(offset) || !Number.isInteger(length) || (offset as number) < 0 || (length as number) < 1 || (offset as number) + (length as number) > total) {
      dataError('segment lies outside sequences.f32', { ...where, field: `[${i}].offset` }, `0 <= offset, offset + length <= ${total}`, `offset ${offset}, length ${length}`);
    }
    const o = offset as number;
    const n = length as number;
    return { subject: String(subject), label: label as number, data: seq.subarray(o * channels.length, (o + n) * channels.length), length: n, source: `${indexFile} [${i}]` };
  });

  const split = manifest.suggested_split;
  const suggestedSplit: SubjectSplit = {};
  if (split?.train_subjects) suggestedSplit.train = split.train_subjects.map(String);
  if (split?.validation_subjects) suggestedSplit.validation = split.validation_subjects.map(String);
  if (split?.test_subjects) suggestedSplit.test = split.test_subjects.map(String);
  return {
    channels: [...channels],
    labels,
    segments,
    ...(manifest.sample_rate_hz !== undefined ? { sampleRateHz: manifest.sample_rate_hz } : {}),
    ...(split ? { suggestedSplit } : {}),
  };
}
