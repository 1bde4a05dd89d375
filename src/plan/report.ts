// The memory plan as plain data, for `tinysense inspect` and the HTML report:
// how big the arena is, where the peak is and what each buffer holds.
import type { Model } from '../graph/model.ts';
import { alignUp, type ArenaPlan } from './arena.ts';
import type { BufferSet } from './lifetimes.ts';

export interface OpMemory {
  index: number;
  name: string;
  type: string;
  /** Aligned bytes of all buffers live during this op. */
  liveBytes: number;
}

export interface BufferMemory {
  id: number;
  offset: number;
  bytes: number;
  start: number;
  end: number;
  /** Names of the tensors stored in it (more than one for aliases and in-place chains). */
  tensors: string[];
}

export interface MemoryReport {
  arenaBytes: number;
  weightBytes: number;
  /** Lower bound on any arena for this model: the most bytes live during one op. */
  peakLiveBytes: number;
  /** Where that peak is reached (undefined for a model without ops). */
  peakOp?: { index: number; name: string; type: string };
  /** The arena if every buffer had bytes of its own (no reuse across buffers), for comparison. */
  noReuseBytes: number;
  perOp: OpMemory[];
  buffers: BufferMemory[];
}

export function memoryReport(model: Model, bufferSet: BufferSet, arenaPlan: ArenaPlan, weightBytes: number): MemoryReport {
  const perOp = model.ops.map((op, index) => ({ index, name: op.name, type: op.type, liveBytes: arenaPlan.liveBytesPerOp[index] ?? 0 }));
  const peak = model.ops[arenaPlan.peakOp];
  return {
    arenaBytes: arenaPlan.arenaBytes,
    weightBytes,
    peakLiveBytes: arenaPlan.peakLiveBytes,
    peakOp: peak ? { index: arenaPlan.peakOp, name: peak.name, type: peak.type } : undefined,
    noReuseBytes: bufferSet.buffers.reduce((s, b) => s + alignUp(b.bytes, arenaPlan.alignment), 0),
    perOp,
    buffers: bufferSet.buffers.map((b) => ({
      id: b.id,
      offset: arenaPlan.offsets[b.id],
      bytes: b.bytes,
      start: b.start,
      end: b.end,
      tensors: b.tensors.map((t) => model.tensors[t].name),
    })),
  };
}

const UNITS = ['KiB', 'MiB', 'GiB'];

/** "812 B", "1.50 KiB (1536 B)", "2.00 MiB (2097152 B)": binary units, exact count alongside. */
export function formatBytes(n: number): string {
  if (Math.abs(n) < 1024) return `${n} B`;
  let v = n / 1024;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${UNITS[u]} (${n} B)`;
}
