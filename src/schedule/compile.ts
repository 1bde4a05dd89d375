// Compiles a validated model into what the in-wasm interpreter runs: the
// memory layout (weights | arena | scratch | op list), the op records with
// absolute addresses, and the weight buffers to fill at load. Pure: no wasm
// instance is needed, so `inspect` and the target estimator use it too.
import { fail } from '../errors.ts';
import { elementCount, tensorBytes, type DType, type Model } from '../graph/model.ts';
import type { ModelShapes } from '../graph/validate.ts';
import { getOpDef } from '../ops/registry.ts';
import type { CompiledOp, OpRecord, WeightRequest } from '../ops/types.ts';
import { alignUp as alignTo, computeBuffers, planArena, type ArenaPlan, type BufferSet } from '../plan/index.ts';

const ALIGN = 16;
const alignUp = (n: number) => alignTo(n, ALIGN);
/** Addresses must stay in 32-bit wasm memory; leave headroom below 4 GiB. */
const MAX_MEMORY_BYTES = 2 ** 32 - 2 ** 16;

export interface MemoryLayout {
  base: number;
  weightsOffset: number;
  weightBytes: number;
  arenaOffset: number;
  arenaBytes: number;
  scratchOffset: number;
  scratchBytes: number;
  opListOffset: number;
  opListBytes: number;
  /** First byte past everything the plan uses. */
  end: number;
}

export interface IoSlot {
  name: string;
  tensor: number;
  shape: number[];
  dtype: DType;
  elements: number;
  address: number;
}

export interface OpPlan {
  name: string;
  type: string;
  macs: number;
  /** Elements of constant inputs (weights, biases). */
  params: number;
  /** Packed weight bytes this op owns. */
  weightBytes: number;
  scratchBytes: number;
  /** Byte addresses of this op's records (empty for aliases such as reshape). */
  records: number[];
}

export interface CompiledPlan {
  layout: MemoryLayout;
  ops: OpPlan[];
  /** The op list: [opcode, wordCount, args...] records back to back. */
  words: Int32Array;
  recordCount: number;
  weightInits: { address: number; request: WeightRequest }[];
  inputs: IoSlot[];
  outputs: IoSlot[];
  buffers: BufferSet;
  arena: ArenaPlan;
}

export function compilePlan(model: Model, shapes: ModelShapes, base: number): CompiledPlan {
  const compiled: CompiledOp[] = [];
  const memoryKinds = model.ops.map((op) => getOpDef(op.type, { op: op.name }).memory);
  model.ops.forEach((op, i) => {
    const def = getOpDef(op.type, { op: op.name });
    const { ins, outs } = shapes.ops[i];
    compiled.push(def.compile({ op, ins, outs, attrs: op.attrs }));
  });

  const buffers = computeBuffers(model, memoryKinds);
  const arena = planArena(buffers.buffers, { alignment: ALIGN });

  const weightsOffset = alignUp(base);
  const weightInits: CompiledPlan['weightInits'] = [];
  const weightAddrs: number[][] = [];
  let cursor = weightsOffset;
  for (const c of compiled) {
    const addrs: number[] = [];
    for (const request of c.weights) {
      addrs.push(cursor);
      weightInits.push({ address: cursor, request });
      cursor = alignUp(cursor + request.bytes);
    }
    weightAddrs.push(addrs);
  }
  const weightBytes = cursor - weightsOffset;
  const arenaOffset = cursor;
  const scratchOffset = alignUp(arenaOffset + arena.arenaBytes);
  const scratchBytes = alignUp(Math.max(0, ...compiled.map((c) => c.scratchBytes)));
  const opListOffset = scratchOffset + scratchBytes;

  const tensorAddress = (t: number): number => {
    if (t < 0) return 0;
    const b = buffers.tensorBuffer[t];
    return b < 0 ? 0 : arenaOffset + arena.offsets[b];
  };

  // Records: addresses are final because the op list sits after everything else.
  const recordLists: OpRecord[][] = model.ops.map((op, i) =>
    compiled[i].records({
      input: (j) => tensorAddress(op.inputs[j] ?? -1),
      output: (j) => tensorAddress(op.outputs[j]),
      weight: (j) => weightAddrs[i][j],
      scratch: scratchOffset,
    }),
  );
  const words = encodeRecords(recordLists.flat());
  const ops: OpPlan[] = [];
  let w = 0;
  let recordCount = 0;
  model.ops.forEach((op, i) => {
    const records: number[] = [];
    for (const r of recordLists[i]) {
      records.push(opListOffset + w * 4);
      w += 2 + r.args.length;
      recordCount++;
    }
    const { ins } = shapes.ops[i];
    const def = getOpDef(op.type, { op: op.name });
    ops.push({
      name: op.name,
      type: op.type,
      macs: def.macs({ op, ins, outs: shapes.ops[i].outs, attrs: op.attrs }),
      params: ins.reduce((s, t) => s + (t?.data ? elementCount(t.shape) : 0), 0),
      weightBytes: compiled[i].weights.reduce((s, r) => s + alignUp(r.bytes), 0),
      scratchBytes: compiled[i].scratchBytes,
      records,
    });
  });
  const opListBytes = words.length * 4;
  const end = opListOffset + opListBytes;
  if (end > MAX_MEMORY_BYTES) {
    fail('PLAN_TOO_LARGE', `model ${model.name} needs ${end} bytes of linear memory`, { expected: `<= ${MAX_MEMORY_BYTES}`, found: end });
  }

  const slot = (t: number): IoSlot => {
    const tensor = model.tensors[t];
    return { name: tensor.name, tensor: t, shape: [...tensor.shape], dtype: tensor.dtype, elements: elementCount(tensor.shape), address: tensorAddress(t) };
  };
  return {
    layout: { base, weightsOffset, weightBytes, arenaOffset, arenaBytes: arena.arenaBytes, scratchOffset, scratchBytes, opListOffset, opListBytes, end },
    ops,
    words,
    recordCount,
    weightInits,
    inputs: model.inputs.map(slot),
    outputs: model.outputs.map(slot),
    buffers,
    arena,
  };
}

/** Raw bytes of every constant (before packing), for flash estimates. */
export function constantBytes(model: Model): number {
  return model.tensors.reduce((s, t) => s + (t.data ? tensorBytes(t) : 0), 0);
}

/** The op-list words of records: [opcode, wordCount, args...] each, floats as their f32 bits. */
export function encodeRecords(records: readonly OpRecord[]): Int32Array {
  const words = new Int32Array(records.reduce((n, r) => n + 2 + r.args.length, 0));
  const floats = new Float32Array(words.buffer);
  let w = 0;
  for (const r of records) {
    words[w] = r.opcode;
    words[w + 1] = 2 + r.args.length;
    r.args.forEach((a, j) => {
      if (typeof a === 'number') words[w + 2 + j] = a | 0;
      else floats[w + 2 + j] = a.f32;
    });
    w += 2 + r.args.length;
  }
  return words;
}
