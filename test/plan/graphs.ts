// Models for the planner suites: random DAGs (chains with branches, joins,
// multi-output ops, constants, several graph inputs and outputs) and a tiny
// builder for the hand-checked cases. Shapes matter only through their bytes.
import type { DType, Model, Op, Tensor } from '../../src/graph/model.ts';
import type { Rng } from '../helpers/random.ts';

export type Kind = 'alias' | 'inplace' | undefined;

export interface KindedModel {
  model: Model;
  kinds: Kind[];
}

const DIMS = [1, 1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 64];
const DTYPES: DType[] = ['f32', 'i8', 'i32'];

function randomShape(rng: Rng): number[] {
  return Array.from({ length: rng.int(1, 3) }, () => rng.pick(DIMS));
}

export function randomModel(rng: Rng, index: number): KindedModel {
  const tensors: Tensor[] = [];
  const add = (shape: number[], dtype: DType, constant = false): number => {
    const t: Tensor = { name: `t${tensors.length}`, shape, dtype };
    if (constant) t.data = new Float32Array(1); // contents are irrelevant to planning
    tensors.push(t);
    return tensors.length - 1;
  };
  const activation = () => add(randomShape(rng), rng.pick(DTYPES));

  const inputs = Array.from({ length: rng.int(1, 3) }, activation);
  const constants = Array.from({ length: rng.int(0, 3) }, () => add(randomShape(rng), 'f32', true));
  const avail = [...inputs];
  const ops: Op[] = [];
  const kinds: Kind[] = [];
  const opCount = rng.int(0, 14);
  for (let i = 0; i < opCount; i++) {
    const r = rng.next();
    // Mostly chains (read the newest tensor), sometimes a branch from an older one.
    const in0 = r < 0.05 && constants.length ? rng.pick(constants) : r < 0.6 ? avail[avail.length - 1] : rng.pick(avail);
    const extra = Array.from({ length: rng.int(0, 2) }, () => {
      const q = rng.next();
      if (q < 0.6) return rng.pick(avail); // a join
      return q < 0.85 && constants.length ? rng.pick(constants) : -1;
    });
    const kind = rng.pick<Kind>([undefined, undefined, 'alias', 'inplace', 'inplace']);
    const src = tensors[in0];
    const sameBytes = kind === 'alias' || rng.next() < (kind === 'inplace' ? 0.7 : 0.3);
    const out0 = sameBytes
      ? add(kind === 'alias' ? [src.shape.reduce((a, b) => a * b, 1)] : [...src.shape], src.dtype)
      : activation();
    const outs = rng.next() < 0.15 ? [out0, activation()] : [out0];
    ops.push({ type: kind ?? 'op', name: `op${i}`, inputs: [in0, ...extra], outputs: outs, attrs: {} });
    kinds.push(kind);
    avail.push(...outs);
  }
  const outputs = new Set<number>(opCount ? [ops[opCount - 1].outputs[0]] : [inputs[0]]);
  for (let k = rng.int(0, 2); k > 0; k--) outputs.add(rng.pick(avail));
  return { model: { name: `random${index}`, tensors, ops, inputs, outputs: [...outputs], metadata: {} }, kinds };
}

/**
 * A hand-written graph: tensors by name and byte size (f32 when the size is a
 * multiple of 4, else i8); names listed in `constants` get data.
 */
export function handModel(spec: {
  tensors: Record<string, number>;
  constants?: string[];
  ops: { type: string; kind?: Kind; inputs: string[]; outputs: string[] }[];
  inputs: string[];
  outputs: string[];
}): KindedModel {
  const names = Object.keys(spec.tensors);
  const id = (n: string) => {
    const i = names.indexOf(n);
    if (i < 0) throw new Error(`unknown tensor ${n}`);
    return i;
  };
  const tensors: Tensor[] = names.map((name) => {
    const bytes = spec.tensors[name];
    const t: Tensor = bytes % 4 === 0 ? { name, shape: [bytes / 4], dtype: 'f32' } : { name, shape: [bytes], dtype: 'i8' };
    if (spec.constants?.includes(name)) t.data = t.dtype === 'f32' ? new Float32Array(bytes / 4) : new Int8Array(bytes);
    return t;
  });
  const ops = spec.ops.map((o, i) => ({ type: o.type, name: `${o.type}${i}`, inputs: o.inputs.map(id), outputs: o.outputs.map(id), attrs: {} }));
  return {
    model: { name: 'hand', tensors, ops, inputs: spec.inputs.map(id), outputs: spec.outputs.map(id), metadata: {} },
    kinds: spec.ops.map((o) => o.kind),
  };
}

/** The four hand-checked graphs both suites use. */
export const HAND = {
  /** x -> a -> b, 64 bytes each, no sharing: two slots suffice. */
  chain: () =>
    handModel({
      tensors: { x: 64, a: 64, b: 64 },
      ops: [{ type: 'op', inputs: ['x'], outputs: ['a'] }, { type: 'op', inputs: ['a'], outputs: ['b'] }],
      inputs: ['x'],
      outputs: ['b'],
    }),
  /** x -> reshape -> r -> dense(r, W) -> y: r is x's bytes. */
  reshape: () =>
    handModel({
      tensors: { x: 96, r: 96, W: 400, y: 40 },
      constants: ['W'],
      ops: [{ type: 'reshape', kind: 'alias', inputs: ['x'], outputs: ['r'] }, { type: 'dense', inputs: ['r', 'W'], outputs: ['y'] }],
      inputs: ['x'],
      outputs: ['y'],
    }),
  /** x -> relu -> a -> relu -> b -> relu -> c, all in place: one slot. */
  reluChain: () =>
    handModel({
      tensors: { x: 100, a: 100, b: 100, c: 100 },
      ops: [
        { type: 'relu', kind: 'inplace', inputs: ['x'], outputs: ['a'] },
        { type: 'relu', kind: 'inplace', inputs: ['a'], outputs: ['b'] },
        { type: 'relu', kind: 'inplace', inputs: ['b'], outputs: ['c'] },
      ],
      inputs: ['x'],
      outputs: ['c'],
    }),
  /** x -> a; a -> b; a -> c; add(b, c) -> d, 64 bytes each; `joinKind` for the add. */
  diamond: (joinKind?: Kind) =>
    handModel({
      tensors: { x: 64, a: 64, b: 64, c: 64, d: 64 },
      ops: [
        { type: 'op', inputs: ['x'], outputs: ['a'] },
        { type: 'op', inputs: ['a'], outputs: ['b'] },
        { type: 'op', inputs: ['a'], outputs: ['c'] },
        { type: 'add', kind: joinKind, inputs: ['b', 'c'], outputs: ['d'] },
      ],
      inputs: ['x'],
      outputs: ['d'],
    }),
};
