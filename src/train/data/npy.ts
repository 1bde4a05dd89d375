// Ready-made windows as NumPy arrays: an .npz archive (np.savez or
// np.savez_compressed) or a folder of .npy files, holding
//   x        [N, T, C] (or [N, T] for one channel) sensor windows, channels-last
//   y        [N] integer class per window
//   subject  [N] participant per window (optional; needed to split by participant)
// Accepted array names: x | X | data | inputs; y | Y | label | labels | target;
// subject | subjects | participant | participants | user.
// .npy parsing is src/util/npy.ts; an .npz is a zip of .npy members, opened
// with fflate (stored and deflated members).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { readNpy, type NpyArray } from '../../util/npy.ts';
import { dataError, readDataFile, type WindowSet } from './types.ts';

export interface NpyOptions {
  /** Class names by index (default "0", "1", ... up to the largest y). */
  labels?: string[];
  /** Channel names (default ch0, ch1, ...). */
  channels?: string[];
}

const NAMES = {
  x: ['x', 'X', 'data', 'inputs'],
  y: ['y', 'Y', 'label', 'labels', 'target'],
  subject: ['subject', 'subjects', 'participant', 'participants', 'user'],
};

/** Reads the members of an .npz archive as arrays, by name without ".npy". */
export function readNpz(file: string): Map<string, NpyArray> {
  const bytes = readDataFile(file);
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    return dataError('not a readable .npz (zip) archive', { file }, 'a zip of .npy files', (e as Error).message);
  }
  const arrays = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(members)) {
    if (!name.endsWith('.npy')) continue;
    arrays.set(name.slice(0, -4), readNpy(data, `${file}:${name}`));
  }
  return arrays;
}

function pick(arrays: Map<string, NpyArray>, names: string[]): [string, NpyArray] | undefined {
  for (const n of names) {
    const a = arrays.get(n);
    if (a) return [n, a];
  }
  return undefined;
}

/** Checks and assembles x / y / subject arrays into windows. */
export function windowsFromArrays(arrays: Map<string, NpyArray>, file: string, options: NpyOptions = {}): WindowSet {
  const x = pick(arrays, NAMES.x);
  const y = pick(arrays, NAMES.y);
  const found = [...arrays.keys()].join(', ') || 'none';
  if (!x) dataError('no x array (windows [N, T, C])', { file }, NAMES.x.join(' | '), found);
  if (!y) dataError('no y array (a class per window)', { file }, NAMES.y.join(' | '), found);
  const [xName, xa] = x;
  const [yName, ya] = y;
  if (xa.shape.length !== 3 && xa.shape.length !== 2) dataError('x must be [N, T, C] or [N, T]', { file, field: xName }, '2 or 3 dimensions', `[${xa.shape}]`);
  const [count, length] = xa.shape;
  const c = xa.shape[2] ?? 1;
  if (count === 0 || length === 0 || c === 0) dataError('x is empty', { file, field: xName }, 'N, T, C >= 1', `[${xa.shape}]`);
  const yCount = ya.shape.length === 1 ? ya.shape[0] : ya.shape.length === 2 && ya.shape[1] === 1 ? ya.shape[0] : -1;
  if (yCount !== count) dataError('y must hold one class per window of x', { file, field: yName }, `[${count}]`, `[${ya.shape}]`);
  const labelCount = options.labels?.length;
  const yv = new Int32Array(count);
  let maxLabel = 0;
  for (let i = 0; i < count; i++) {
    const v = ya.data[i];
    if (!Number.isInteger(v) || v < 0 || (labelCount !== undefined && v >= labelCount)) {
      dataError('y must hold class indices', { file, field: `${yName}[${i}]` }, labelCount !== undefined ? `an integer in [0, ${labelCount})` : 'an integer >= 0', v);
    }
    yv[i] = v;
    maxLabel = Math.max(maxLabel, v);
  }
  const subject = new Int32Array(count).fill(-1);
  let subjects: string[] = [];
  const s = pick(arrays, NAMES.subject);
  if (s) {
    const [sName, sa] = s;
    if (sa.shape.length !== 1 || sa.shape[0] !== count) dataError('subject must hold one participant per window of x', { file, field: sName }, `[${count}]`, `[${sa.shape}]`);
    const ids = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const v = sa.data[i];
      if (!Number.isInteger(v)) dataError('subject ids must be integers', { file, field: `${sName}[${i}]` }, 'an integer', v);
      const key = String(v);
      if (!ids.has(key)) ids.set(key, ids.size);
      subject[i] = ids.get(key)!;
    }
    subjects = [...ids.keys()];
  }
  const channels = options.channels ?? Array.from({ length: c }, (_, i) => `ch${i}`);
  if (channels.length !== c) dataError('channel names do not match x', { file, field: xName }, `${c} names`, channels.length);
  const labels = options.labels ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  return { x: xa.data, y: yv, subject, subjects, count, length, channels, labels };
}

/** Loads windows from an .npz file, or from a folder holding x.npy and y.npy (and subject.npy). */
export function loadNpy(fileOrDir: string, options: NpyOptions = {}): WindowSet {
  if (statSync(fileOrDir, { throwIfNoEntry: false })?.isDirectory()) {
    const arrays = new Map<string, NpyArray>();
    for (const f of readdirSync(fileOrDir).filter((n) => n.endsWith('.npy'))) {
      const file = path.join(fileOrDir, f);
      arrays.set(f.slice(0, -4), readNpy(readDataFile(file), file));
    }
    return windowsFromArrays(arrays, fileOrDir, options);
  }
  if (!existsSync(fileOrDir)) dataError('missing data file', { file: fileOrDir });
  return windowsFromArrays(readNpz(fileOrDir), fileOrDir, options);
}
