// Arena placement: one offset per buffer inside a single activation arena,
// so that two buffers live during the same op never share a byte.
//
// Strategy: greedy by size, the approach of TensorFlow Lite Micro's
// GreedyMemoryPlanner (tensorflow/lite/micro/memory_planner/
// greedy_memory_planner.cc) and of "Greedy by Size" in Pisarchyk & Lee,
// "Efficient Memory Management for Deep Neural Net Inference" (2020):
// big buffers are the hardest to fit, so they are placed first; each takes
// the lowest offset that does not collide with an already placed buffer whose
// lifetime intersects its own. Written from that description, not from TFLM's
// code. It is not optimal (offline placement is NP-hard) but cheap, and it
// is fully deterministic: ties break on start op, then buffer id.
import { fail } from '../errors.ts';

/** What the planner needs of a buffer (an ActivationBuffer from lifetimes.ts fits). */
export interface PlannedBuffer {
  id: number;
  bytes: number;
  /** Inclusive op-index range during which the buffer holds live data. */
  start: number;
  end: number;
}

export interface ArenaPlan {
  /** Byte offset of each buffer in the arena, indexed by buffer id. */
  offsets: number[];
  /** Arena size: the end of the highest placed buffer, rounded to the alignment. */
  arenaBytes: number;
  /** Lower bound for any placement: the most bytes (aligned) live during one op. */
  peakLiveBytes: number;
  /** The first op where peakLiveBytes is reached (0 when there are no buffers). */
  peakOp: number;
  /** Aligned bytes live during each op, index = op index (up to the last buffer end). */
  liveBytesPerOp: number[];
  /** The alignment every offset honours. */
  alignment: number;
}

export interface ArenaOptions {
  /** Offset alignment in bytes (a power of two); 16 suits v128 loads. */
  alignment?: number;
}

const MAX_WASM32_BYTES = 2 ** 32;

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

export function planArena(buffers: readonly PlannedBuffer[], { alignment = 16 }: ArenaOptions = {}): ArenaPlan {
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`planArena: alignment must be a power of two, got ${alignment}`);
  }
  const sizeOf = (b: PlannedBuffer) => alignUp(b.bytes, alignment);
  const order = [...buffers].sort((a, b) => sizeOf(b) - sizeOf(a) || a.start - b.start || a.id - b.id);

  const offsets: number[] = new Array(buffers.reduce((m, b) => Math.max(m, b.id + 1), 0)).fill(0);
  const placed: { offset: number; size: number; start: number; end: number }[] = [];
  let arenaBytes = 0;
  for (const b of order) {
    const size = sizeOf(b);
    // Only buffers live at the same time constrain this one; walk them by
    // offset and take the first gap that is large enough.
    const conflicts = placed.filter((p) => p.start <= b.end && b.start <= p.end).sort((p, q) => p.offset - q.offset);
    let offset = 0;
    if (size > 0) {
      for (const p of conflicts) {
        if (p.size === 0 || p.offset + p.size <= offset) continue;
        if (offset + size <= p.offset) break;
        offset = p.offset + p.size; // stays aligned: offsets and sizes are
      }
    }
    offsets[b.id] = offset;
    placed.push({ offset, size, start: b.start, end: b.end });
    arenaBytes = Math.max(arenaBytes, offset + size);
  }
  if (arenaBytes >= MAX_WASM32_BYTES) {
    fail('PLAN_TOO_LARGE', 'the activation arena does not fit in 32-bit WebAssembly memory', { expected: `< ${MAX_WASM32_BYTES} bytes`, found: `${arenaBytes} bytes` });
  }

  const ops = buffers.reduce((m, b) => Math.max(m, b.end + 1), 0);
  const liveBytesPerOp: number[] = new Array(ops).fill(0);
  for (const b of buffers) for (let i = b.start; i <= b.end; i++) liveBytesPerOp[i] += sizeOf(b);
  let peakOp = 0;
  for (let i = 1; i < ops; i++) if (liveBytesPerOp[i] > liveBytesPerOp[peakOp]) peakOp = i;
  return { offsets, arenaBytes, peakLiveBytes: liveBytesPerOp[peakOp] ?? 0, peakOp, liveBytesPerOp, alignment };
}
