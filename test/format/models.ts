// Hand-built models for the .tsm tests (Model objects written directly, not
// through the builder, so these tests depend only on the IR). Ops other than
// dense are used only when the registry has them.
import type { Attrs, Model, Tensor, TensorData } from '../../src/graph/model.ts';
import { OP_REGISTRY } from '../../src/ops/registry.ts';
import { makeRng } from '../helpers/random.ts';

export const has = (type: string) => OP_REGISTRY.has(type);

const rng = makeRng(7);
const act = (name: string, shape: number[]): Tensor => ({ name, shape, dtype: 'f32' });
const weight = (name: string, shape: number[]): Tensor => ({ name, shape, dtype: 'f32', data: rng.floats(shape.reduce((a, b) => a * b, 1)) });

/** Two dense layers (one without bias) with metadata of every kind. */
export function mlpModel(): Model {
  return {
    name: 'mlp',
    tensors: [
      act('x', [2, 8]), weight('fc1.w', [8, 16]), weight('fc1.b', [16]), act('h', [2, 16]),
      weight('fc2.w', [16, 4]), act('y', [2, 4]),
    ],
    ops: [
      { type: 'dense', name: 'fc1', inputs: [0, 1, 2], outputs: [3], attrs: { activation: 'leakyRelu', alpha: 0.125 } },
      { type: 'dense', name: 'fc2', inputs: [3, 4, -1], outputs: [5], attrs: {} },
    ],
    inputs: [0],
    outputs: [5],
    metadata: {
      labels: ['walk', 'run', 'sit', 'stand'],
      provenance: 'hand-built for test/format',
      pruning: 'none',
      extra: { sampleRateHz: '50', mean: '0.25' },
    },
  };
}

/**
 * Unusual but valid content: unicode and empty names, attributes of every
 * kind (ints beyond i32, -0, float lists, a "__proto__" key), unused i8/i32
 * constants whose odd sizes exercise the 16-byte weight alignment, rank-1
 * and size-1 dims, an empty metadata object.
 */
export function edgeModel(): Model {
  const attrs: Attrs = {
    activation: 'clip', min: -0.5, max: 6, big: 2 ** 40, negZero: -0, neg: -7,
    ints: [1, -2, 3], empty: [], floats: [0.5, 2, -1e300], text: 'añb 日本 \u{1F600}',
  };
  Object.defineProperty(attrs, '__proto__', { value: 'own key', enumerable: true, writable: true, configurable: true });
  const extra: Record<string, string> = { '': 'empty key', 'ключ': '\uFEFFbom kept' };
  Object.defineProperty(extra, '__proto__', { value: 'own', enumerable: true, writable: true, configurable: true });
  return {
    name: 'ödd \u{1F600}',
    tensors: [
      act('', [1, 3]),
      { name: 'i8 const', shape: [5], dtype: 'i8', data: Int8Array.of(-128, -1, 0, 1, 127) },
      weight('w', [3, 1]),
      { name: 'i32 const', shape: [1, 3], dtype: 'i32', data: Int32Array.of(-2147483648, 0, 2147483647) },
      act('out', [1, 1]),
    ],
    ops: [{ type: 'dense', name: '', inputs: [0, 2], outputs: [4], attrs }],
    inputs: [0],
    outputs: [4],
    metadata: { labels: [], extra },
  };
}

/** No ops: the input is the output. */
export function identityModel(): Model {
  return { name: '', tensors: [act('x', [4])], ops: [], inputs: [0], outputs: [0], metadata: {} };
}

/** A small CNN using whichever of conv2d, relu, add, split, concat, softmax are registered. */
export function cnnModel(): Model {
  const t: Tensor[] = [act('image', [1, 6, 5, 3])];
  const ops: Model['ops'] = [];
  const push = (x: Tensor) => t.push(x) - 1;
  let cur = 0;
  let c = 3;
  if (has('conv2d')) {
    const w = push(weight('conv.w', [3, 3, 3, 4]));
    const b = push(weight('conv.b', [4]));
    const y = push(act('conv.y', [1, 6, 5, 4]));
    ops.push({ type: 'conv2d', name: 'conv', inputs: [cur, w, b], outputs: [y], attrs: { padding: 'same', strides: [1, 1], activation: 'relu6' } });
    cur = y;
    c = 4;
  }
  const shape = [1, 6, 5, c];
  if (has('relu')) {
    const y = push(act('relu.y', shape));
    ops.push({ type: 'relu', name: 'relu', inputs: [cur], outputs: [y], attrs: {} });
    if (has('add')) {
      const s = push(act('skip.y', shape));
      ops.push({ type: 'add', name: 'skip', inputs: [y, cur], outputs: [s], attrs: {} });
      cur = s;
    } else cur = y;
  }
  if (has('split') && has('concat') && c === 4) {
    const a = push(act('split.a', [1, 6, 5, 1]));
    const b = push(act('split.b', [1, 6, 5, 3]));
    ops.push({ type: 'split', name: 'split', inputs: [cur], outputs: [a, b], attrs: { axis: 3, sizes: [1, 3] } });
    const y = push(act('concat.y', shape));
    ops.push({ type: 'concat', name: 'concat', inputs: [b, a], outputs: [y], attrs: { axis: -1 } });
    cur = y;
  }
  const w = push(weight('head.w', [c, 3]));
  const logits = push(act('logits', [1, 6, 5, 3]));
  ops.push({ type: 'dense', name: 'head', inputs: [cur, w], outputs: [logits], attrs: { activation: 'none' } });
  const outputs = [logits];
  if (has('softmax')) {
    const p = push(act('probs', [1, 6, 5, 3]));
    ops.push({ type: 'softmax', name: 'softmax', inputs: [logits], outputs: [p], attrs: { axis: -1 } });
    outputs.push(p);
  }
  return { name: 'cnn', tensors: t, ops, inputs: [0], outputs, metadata: { labels: ['a', 'b', 'c'] } };
}

export const ALL_MODELS: [string, () => Model][] = [
  ['mlp', mlpModel], ['edge', edgeModel], ['identity', identityModel], ['cnn', cnnModel],
];

/**
 * A plain, order-independent picture of a model for deep comparison:
 * attribute and extra keys sorted, constants as their exact bytes (so NaN
 * weights compare equal to themselves) and their array type, -0 kept visible.
 */
export function snapshot(m: Model): unknown {
  const bytesOf = (d: TensorData) => ({ type: d.constructor.name, bytes: Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)) });
  const num = (v: unknown): unknown => (Object.is(v, -0) ? '-0' : Array.isArray(v) ? v.map(num) : v);
  const sorted = (o: Record<string, unknown>) => Object.keys(o).sort().map((k) => [k, num(o[k])]);
  return {
    name: m.name,
    tensors: m.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, data: t.data ? bytesOf(t.data) : null })),
    ops: m.ops.map((o) => ({ type: o.type, name: o.name, inputs: o.inputs, outputs: o.outputs, attrs: sorted(o.attrs) })),
    inputs: m.inputs,
    outputs: m.outputs,
    metadata: {
      labels: m.metadata.labels ?? null,
      provenance: m.metadata.provenance ?? null,
      pruning: m.metadata.pruning ?? null,
      extra: m.metadata.extra ? sorted(m.metadata.extra) : null,
      keys: Object.keys(m.metadata).sort(),
    },
  };
}
