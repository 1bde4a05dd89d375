// Training data: loaders for each layout, windowing, splits by participant,
// normalisation. `loadData(path)` recognises the layout (what `--data DIR`
// of the train command takes); `toWindows` then gives model-ready windows.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadCsv, type CsvOptions } from './csv.ts';
import { loadNpy, type NpyOptions } from './npy.ts';
import { findWisdmRawLayout, loadWisdmRaw, type WisdmRawOptions } from './wisdm-raw.ts';
import { isWisdmCompactLayout, loadWisdmCompact } from './wisdm-compact.ts';
import { makeWindows, type WindowOptions } from './windows.ts';
import { dataError, type LoadedData, type WindowSet } from './types.ts';

export * from './types.ts';
export * from './windows.ts';
export { loadCsv, splitCsvLine, type CsvOptions } from './csv.ts';
export { loadNpy, readNpz, windowsFromArrays, type NpyOptions } from './npy.ts';
export { loadWisdmRaw, findWisdmRawLayout, readActivityKey, alignWisdmStreams, WISDM_CHANNELS, WISDM_SAMPLE_RATE_HZ, type WisdmRawOptions } from './wisdm-raw.ts';
export { loadWisdmCompact, isWisdmCompactLayout } from './wisdm-compact.ts';

export interface LoadDataOptions {
  csv?: CsvOptions;
  npy?: NpyOptions;
  wisdmRaw?: WisdmRawOptions;
}

export type DataFormat = 'wisdm-compact' | 'wisdm-raw' | 'npy' | 'npz' | 'csv';

/** Which layout `p` holds, or undefined. */
export function detectDataFormat(p: string): DataFormat | undefined {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isFile()) {
    const ext = path.extname(p).toLowerCase();
    return ext === '.npz' ? 'npz' : ext === '.csv' ? 'csv' : undefined;
  }
  if (isWisdmCompactLayout(p)) return 'wisdm-compact';
  if (findWisdmRawLayout(p)) return 'wisdm-raw';
  const names = readdirSync(p);
  if (names.includes('x.npy') || names.includes('X.npy')) return 'npy';
  if (names.filter((n) => n.toLowerCase().endsWith('.npz')).length === 1) return 'npz';
  if (names.some((n) => n.toLowerCase().endsWith('.csv'))) return 'csv';
  return undefined;
}

/**
 * Loads a data file or folder in whichever layout it holds: the WISDM compact
 * layout (sequences.f32 + index.json + manifest.json), the WISDM raw text
 * layout, a folder of .npy files or one .npz (ready windows), or CSV files.
 */
export function loadData(p: string, options: LoadDataOptions = {}): LoadedData {
  if (!existsSync(p)) dataError('missing data file or folder', { file: p });
  const format = detectDataFormat(p);
  switch (format) {
    case 'wisdm-compact':
      return { kind: 'recordings', format, dataset: loadWisdmCompact(p) };
    case 'wisdm-raw':
      return { kind: 'recordings', format, dataset: loadWisdmRaw(p, options.wisdmRaw) };
    case 'csv':
      return { kind: 'recordings', format, dataset: loadCsv(p, options.csv) };
    case 'npy':
      return { kind: 'windows', format, windows: loadNpy(p, options.npy) };
    case 'npz': {
      const file = statSync(p).isFile() ? p : path.join(p, readdirSync(p).find((n) => n.toLowerCase().endsWith('.npz'))!);
      return { kind: 'windows', format, windows: loadNpy(file, options.npy) };
    }
    default:
      return dataError('unrecognised data layout', { file: p }, 'sequences.f32 + index.json, raw/watch/{accel,gyro}, x.npy + y.npy, one .npz, or .csv files', 'none of these');
  }
}

/** Windows of `length` samples from loaded data (ready windows must already have that length). */
export function toWindows(data: LoadedData, o: WindowOptions): WindowSet {
  if (data.kind === 'recordings') return makeWindows(data.dataset, o);
  if (data.windows.length !== o.length) dataError('the arrays hold windows of another length', { field: 'x' }, `${o.length} samples`, `${data.windows.length} samples`);
  return data.windows;
}
