// The two shapes training data takes: recordings (contiguous segments of
// samples, per participant and label, before windowing) and windows (fixed
// length [count, length, channels], what a model trains on). Every loader
// returns one of them; windows.ts turns recordings into windows.
import { readFileSync } from 'node:fs';
import { fail, type ErrorWhere } from '../../errors.ts';

/** One contiguous recording: one participant, one label, no gap. */
export interface Segment {
  subject: string;
  /** Class index into SensorDataset.labels. */
  label: number;
  /** Samples, row-major [length, channels]. */
  data: Float32Array;
  length: number;
  /** Where it came from (file and first line), for messages. */
  source?: string;
}

export interface SensorDataset {
  /** Channel names, in the order of a sample's values. */
  channels: string[];
  /** Class names by label index. */
  labels: string[];
  segments: Segment[];
  sampleRateHz?: number;
  /** A split by participant the data set suggests (WISDM's manifest). */
  suggestedSplit?: SubjectSplit;
}

export interface SubjectSplit {
  train?: string[];
  validation?: string[];
  test?: string[];
}

/** Fixed-length windows, channels-last: x [count, length, channels]. */
export interface WindowSet {
  x: Float32Array;
  /** Class index per window. */
  y: Int32Array;
  /** Index into `subjects` per window; -1 when the data names no participant. */
  subject: Int32Array;
  subjects: string[];
  count: number;
  length: number;
  channels: string[];
  labels: string[];
  suggestedSplit?: SubjectSplit;
}

/** What a data folder holds: recordings still to window, or ready windows (.npy/.npz). */
export type LoadedData = { kind: 'recordings'; format: string; dataset: SensorDataset } | { kind: 'windows'; format: string; windows: WindowSet };

/** Throws DATA_FORMAT naming the file (and line, when known). */
export function dataError(message: string, where: ErrorWhere, expected?: unknown, found?: unknown): never {
  return fail('DATA_FORMAT', message, { where, ...(expected !== undefined ? { expected } : {}), ...(found !== undefined ? { found } : {}) });
}

/** Reads a data file; a missing one is DATA_FORMAT (the layout lacks it), other failures IO_FILE. */
export function readDataFile(file: string, shown = file): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') dataError('missing data file', { file: shown });
    return fail('IO_FILE', `cannot read ${shown}: ${code ?? String(e)}`, { where: { file: shown }, cause: e });
  }
}

/** A finite number, or DATA_FORMAT naming file, line and column. */
export function parseNumber(text: string, where: ErrorWhere): number {
  const s = text.trim();
  const v = s === '' ? NaN : Number(s);
  if (!Number.isFinite(v)) dataError('not a finite number', where, 'a number', JSON.stringify(text));
  return v;
}
