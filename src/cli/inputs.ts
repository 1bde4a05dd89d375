// Reading inputs for `run` and `bench`: .npy arrays or raw little-endian f32,
// and splitting a file that holds several windows into model-sized pieces.
import { fail } from '../errors.ts';
import type { IoSlot } from '../schedule/compile.ts';
import { isNpy, readNpy } from '../util/npy.ts';
import { readFileBytes, shapeText } from './common.ts';

export interface InputBatch {
  /** One entry per window; each holds one array per model input. */
  windows: Float32Array[][];
  source: string;
}

export function readInputFile(file: string): { data: Float32Array; shape: number[] | null } {
  const bytes = readFileBytes(file);
  if (isNpy(bytes)) {
    const a = readNpy(bytes, file);
    return { data: a.data, shape: a.shape };
  }
  if (bytes.byteLength % 4 !== 0) {
    fail('IO_FILE', 'a raw input file must hold little-endian f32 values (a multiple of 4 bytes), or be a .npy', { where: { file }, found: `${bytes.byteLength} bytes` });
  }
  const data = new Float32Array(bytes.byteLength / 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(i * 4, true);
  return { data, shape: null };
}

/**
 * `--input FILE` (single-input models) or `--input name=FILE` (repeatable).
 * A file may hold k whole windows back to back (e.g. a [k, 200, 6] .npy for
 * a [1, 200, 6] model): each is run in turn.
 */
export function readInputs(specs: string[], slots: readonly IoSlot[]): InputBatch {
  if (specs.length === 0) fail('CLI_USAGE', 'no --input given', { expected: slots.map((s) => `--input ${slots.length > 1 ? `${s.name}=` : ''}FILE (${shapeText(s.shape)})`).join(' ') });
  const byName = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq > 0 && slots.some((s) => s.name === spec.slice(0, eq))) byName.set(spec.slice(0, eq), spec.slice(eq + 1));
    else if (slots.length === 1 && specs.length === 1) byName.set(slots[0].name, spec);
    else fail('CLI_USAGE', `cannot tell which model input ${spec} is for; use --input NAME=FILE`, { expected: slots.map((s) => s.name).join(', ') });
  }
  let windows = -1;
  const arrays = slots.map((slot) => {
    const file = byName.get(slot.name);
    if (!file) return fail('CLI_USAGE', `input "${slot.name}" is not given`, { expected: `--input ${slot.name}=FILE` });
    const { data } = readInputFile(file);
    if (data.length === 0 || data.length % slot.elements !== 0) {
      fail('RUN_INPUT', `input file does not hold whole windows for "${slot.name}"`, { where: { file }, expected: `a multiple of ${slot.elements} values (shape ${shapeText(slot.shape)})`, found: `${data.length} values` });
    }
    const k = data.length / slot.elements;
    if (windows >= 0 && k !== windows) fail('RUN_INPUT', 'input files hold different numbers of windows', { where: { file }, expected: windows, found: k });
    windows = k;
    return data;
  });
  const out: Float32Array[][] = [];
  for (let w = 0; w < windows; w++) out.push(arrays.map((a, i) => a.subarray(w * slots[i].elements, (w + 1) * slots[i].elements)));
  return { windows: out, source: [...byName.values()].join(', ') };
}
