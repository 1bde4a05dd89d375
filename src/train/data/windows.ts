// From recordings to what a model trains on: fixed-length windows over each
// segment (never across two), splits by participant (never by window: windows
// of one person overlap and look alike, so a split by window leaks the test
// set into training), class counts, and per-channel normalisation whose
// statistics come from the training split only and travel in the model's
// metadata, so the deployed model takes raw sensor values.
import type { ModelMetadata } from '../../graph/model.ts';
import { makeRng } from '../../util/rng.ts';
import { dataError, type SensorDataset, type SubjectSplit, type WindowSet } from './types.ts';

export interface WindowOptions {
  /** Samples per window. */
  length: number;
  /** Samples between window starts (default: length / 2, i.e. 50 % overlap). */
  stride?: number;
  /** Only these participants (default: all). */
  subjects?: string[];
}

/** Windows a segment of `segmentLength` samples yields. */
export function windowCount(segmentLength: number, length: number, stride: number): number {
  return segmentLength < length ? 0 : Math.floor((segmentLength - length) / stride) + 1;
}

/** Cuts every segment into windows [count, length, channels], in segment order. */
export function makeWindows(ds: SensorDataset, o: WindowOptions): WindowSet {
  const length = o.length;
  const stride = o.stride ?? Math.max(1, Math.floor(length / 2));
  if (!Number.isInteger(length) || length < 1 || !Number.isInteger(stride) || stride < 1) {
    dataError('window length and stride must be positive integers', { field: 'window' }, 'integers >= 1', `length ${length}, stride ${stride}`);
  }
  const keep = o.subjects ? new Set(o.subjects) : undefined;
  const segments = ds.segments.filter((s) => !keep || keep.has(s.subject));
  const c = ds.channels.length;
  const count = segments.reduce((n, s) => n + windowCount(s.length, length, stride), 0);
  const x = new Float32Array(count * length * c);
  const y = new Int32Array(count);
  const subject = new Int32Array(count);
  const subjects: string[] = [];
  const subjectIndex = new Map<string, number>();
  let w = 0;
  for (const s of segments) {
    if (!subjectIndex.has(s.subject)) {
      subjectIndex.set(s.subject, subjects.length);
      subjects.push(s.subject);
    }
    const si = subjectIndex.get(s.subject)!;
    const n = windowCount(s.length, length, stride);
    for (let k = 0; k < n; k++, w++) {
      const start = k * stride * c;
      x.set(s.data.subarray(start, start + length * c), w * length * c);
      y[w] = s.label;
      subject[w] = si;
    }
  }
  return { x, y, subject, subjects, count, length, channels: [...ds.channels], labels: [...ds.labels], ...(ds.suggestedSplit ? { suggestedSplit: ds.suggestedSplit } : {}) };
}

/** The windows at `indices`, in that order (a copy). */
export function selectWindows(set: WindowSet, indices: ArrayLike<number>): WindowSet {
  const per = set.length * set.channels.length;
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  const subject = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    x.set(set.x.subarray(j * per, (j + 1) * per), i * per);
    y[i] = set.y[j];
    subject[i] = set.subject[j];
  }
  return { ...set, x, y, subject, count: indices.length };
}

export interface SplitWindows {
  train: WindowSet;
  validation: WindowSet;
  test: WindowSet;
}

/**
 * Splits windows by participant. Subjects in `test` and `validation` go
 * there; `train` is `split.train` if given, else every other participant.
 * A participant in two lists is an error, and so are windows without one.
 */
export function splitBySubject(set: WindowSet, split: SubjectSplit): SplitWindows {
  const where = { field: 'split' };
  const test = new Set(split.test ?? []);
  const validation = new Set(split.validation ?? []);
  const listedTrain = split.train ? new Set(split.train) : undefined;
  for (const s of validation) if (test.has(s)) dataError('a participant is in both the validation and the test split', where, 'disjoint lists', s);
  for (const s of listedTrain ?? []) if (test.has(s) || validation.has(s)) dataError('a participant is in the training split and another one', where, 'disjoint lists', s);
  const part = set.subjects.map((s) => (test.has(s) ? 2 : validation.has(s) ? 1 : !listedTrain || listedTrain.has(s) ? 0 : -1));
  const idx: number[][] = [[], [], []];
  for (let i = 0; i < set.count; i++) {
    const s = set.subject[i];
    if (s < 0) dataError('the windows name no participant, so they cannot be split by participant', where, 'a subject per window', `window ${i} has none`);
    const p = part[s];
    if (p >= 0) idx[p].push(i);
  }
  return { train: selectWindows(set, idx[0]), validation: selectWindows(set, idx[1]), test: selectWindows(set, idx[2]) };
}

/** `count` participants drawn from `subjects` with a seeded shuffle (e.g. validation participants out of the training ones). */
export function pickSubjects(subjects: readonly string[], count: number, seed: number): string[] {
  const rng = makeRng(seed);
  const xs = [...subjects].sort();
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs.slice(0, Math.min(count, xs.length)).sort();
}

/** Windows per class, indexed by label. */
export function classCounts(set: WindowSet): number[] {
  const counts = new Array<number>(set.labels.length).fill(0);
  for (let i = 0; i < set.count; i++) counts[set.y[i]]++;
  return counts;
}

/** Per-channel mean and standard deviation (population) of the training windows. */
export interface Normalization {
  channels: string[];
  mean: number[];
  std: number[];
}

/**
 * Statistics over every sample of every window of `train` (samples that
 * overlapping windows share count once per window, as the model sees them).
 * A channel whose deviation is below `minStd` gets minStd, so dividing is safe.
 */
export function computeNormalization(train: WindowSet, minStd = 1e-6): Normalization {
  const c = train.channels.length;
  if (train.count === 0) dataError('no training windows to compute normalisation statistics on', { field: 'train' }, '>= 1 window', 0);
  const sum = new Float64Array(c);
  const n = train.count * train.length;
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) sum[ch] += train.x[i * c + ch];
  const mean = Array.from(sum, (s) => s / n);
  const sq = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const d = train.x[i * c + ch] - mean[ch];
      sq[ch] += d * d;
    }
  }
  const std = Array.from(sq, (s) => Math.max(minStd, Math.sqrt(s / n)));
  return { channels: [...train.channels], mean, std };
}

/** x' = (x - mean) / std per channel, as y = x * scale + shift (what a model's first ops apply). */
export function normalizationAffine(norm: Normalization): { scale: Float32Array; shift: Float32Array } {
  return { scale: Float32Array.from(norm.std, (s) => 1 / s), shift: Float32Array.from(norm.mean, (m, i) => -m / norm.std[i]) };
}

/** A normalised copy of the windows. */
export function normalizeWindows(set: WindowSet, norm: Normalization): WindowSet {
  const c = set.channels.length;
  if (norm.mean.length !== c) dataError('normalisation statistics are for another number of channels', { field: 'normalization' }, c, norm.mean.length);
  const x = new Float32Array(set.x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    x[i] = (set.x[i] - norm.mean[ch]) / norm.std[ch];
  }
  return { ...set, x };
}

/** The ModelMetadata.extra key holding the statistics (JSON {channels, mean, std}). */
export const NORMALIZATION_KEY = 'normalization';

/** Metadata with the statistics added (other fields kept). */
export function normalizationToMetadata(norm: Normalization, metadata: ModelMetadata = {}): ModelMetadata {
  return { ...metadata, extra: { ...metadata.extra, [NORMALIZATION_KEY]: JSON.stringify({ channels: norm.channels, mean: norm.mean, std: norm.std }) } };
}

/** The statistics stored by normalizationToMetadata, or undefined when there are none. */
export function normalizationFromMetadata(metadata: ModelMetadata): Normalization | undefined {
  const text = metadata.extra?.[NORMALIZATION_KEY];
  if (text === undefined) return undefined;
  const where = { field: `metadata.extra.${NORMALIZATION_KEY}` };
  let v: Partial<Normalization>;
  try {
    v = JSON.parse(text) as Partial<Normalization>;
  } catch {
    return dataError('normalisation metadata is not JSON', where, '{channels, mean, std}', text.slice(0, 40));
  }
  const ok = (a: unknown): a is number[] => Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!Array.isArray(v.channels) || !ok(v.mean) || !ok(v.std) || v.mean.length !== v.channels.length || v.std.length !== v.channels.length || v.std.some((s) => s <= 0)) {
    dataError('normalisation metadata must hold channels, mean and std (> 0) of equal length', where, '{channels, mean, std}', text.slice(0, 80));
  }
  return { channels: v.channels.map(String), mean: v.mean, std: v.std };
}
