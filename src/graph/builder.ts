// The model-builder API: define a model in code, layer by layer. Shapes are
// inferred by each op's own `infer` (src/ops), weights come from arrays or a
// seeded initialiser, and two graph passes run as the model is built:
// batch-norm folds into the conv/dense before it, and an activation that
// directly follows a conv/dense/depthwise is fused into its epilogue.
import { fail } from '../errors.ts';
import { makeRng, type Rng } from '../util/rng.ts';
import type { Attrs, DType, Model, ModelMetadata, Op, Tensor } from './model.ts';
import { getOpDef } from '../ops/registry.ts';
import { opWhere } from '../ops/attrs.ts';
import type { ShapeInfo } from '../ops/types.ts';

/** A tensor handle: its index in the model under construction and its shape. */
export interface TensorRef {
  readonly id: number;
  readonly shape: readonly number[];
}

export type Initializer = 'glorotUniform' | 'heUniform' | 'zeros' | Float32Array | number[];

export type FusedActivation = 'none' | 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'hardSwish';

interface LayerCommon {
  name?: string;
  activation?: FusedActivation;
  /** Slope for leakyRelu. */
  alpha?: number;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export interface DenseOptions extends LayerCommon {
  units: number;
}

export type Padding = 'valid' | 'same' | number[];

export interface Conv1dOptions extends LayerCommon {
  filters: number;
  kernel: number;
  stride?: number;
  dilation?: number;
  padding?: Padding;
  groups?: number;
}

export interface Conv2dOptions extends LayerCommon {
  filters: number;
  kernel: [number, number];
  strides?: [number, number];
  dilations?: [number, number];
  padding?: Padding;
  groups?: number;
}

export interface DepthwiseOptions extends LayerCommon {
  multiplier?: number;
}

export interface RecurrentOptions {
  name?: string;
  units: number;
  /** Stacked layers (each feeding the next its whole sequence). Default 1. */
  layers?: number;
  returnSequences?: boolean;
  reverse?: boolean;
  /** GRU only: PyTorch's form (1, default) or the original Cho et al. form (0). */
  linearBeforeReset?: boolean;
  /** Arrays in IR layout, one entry per layer; seeded glorot/zeros when absent. */
  weights?: { W: Float32Array; R: Float32Array; bW?: Float32Array; bR?: Float32Array }[];
}

export interface BatchNormOptions {
  gamma?: Float32Array;
  beta?: Float32Array;
  mean?: Float32Array;
  variance?: Float32Array;
  epsilon?: number;
  /** false keeps an unfolded batchNorm op (training graphs); default true folds it. */
  fold?: boolean;
  /** Running-average momentum for training (batchNorm attr), default 0.9. */
  momentum?: number;
}

const FUSABLE_PRODUCERS = new Set(['dense', 'conv1d', 'conv2d', 'depthwiseConv1d', 'depthwiseConv2d']);

export class ModelBuilder {
  private readonly tensors: Tensor[] = [];
  private readonly ops: Op[] = [];
  private readonly inputs: number[] = [];
  private readonly outputs: number[] = [];
  private readonly consumers: number[] = [];
  private readonly opNames = new Map<string, number>();
  private readonly tensorNames = new Map<string, number>();
  private readonly rng: Rng;

  constructor(readonly name: string, options: { seed?: number } = {}) {
    this.rng = makeRng(options.seed ?? 1);
  }

  input(name: string, shape: number[], dtype: DType = 'f32'): TensorRef {
    const id = this.addTensor(name, shape, dtype);
    this.inputs.push(id);
    return this.ref(id);
  }

  output(t: TensorRef, name?: string): void {
    if (name) this.rename(t.id, name);
    this.outputs.push(t.id);
  }

  constant(name: string, shape: number[], data: Float32Array): TensorRef {
    if (data.length !== shape.reduce((a, b) => a * b, 1)) {
      fail('MODEL_WEIGHTS', `constant ${name} has ${data.length} values for shape [${shape}]`);
    }
    return this.ref(this.addTensor(name, shape, 'f32', data));
  }

  /** Adds any registered op; output shapes come from its OpDef. */
  op(type: string, inputs: (TensorRef | null)[], attrs: Attrs = {}, name?: string): TensorRef[] {
    return this.addOp(type, inputs, attrs, uniqueName(this.opNames, name ?? type));
  }

  private addOp(type: string, inputs: (TensorRef | null)[], attrs: Attrs, opName: string): TensorRef[] {
    const def = getOpDef(type, { op: opName });
    const ins: (ShapeInfo | undefined)[] = inputs.map((t) => (t ? this.shapeInfo(t.id) : undefined));
    const outs = def.infer(ins, attrs, opWhere({ name: opName, type }));
    const outIds = outs.map((o, i) => this.addTensor(outs.length === 1 ? opName : `${opName}:${i}`, o.shape, o.dtype));
    const op: Op = { type, name: opName, inputs: inputs.map((t) => (t ? t.id : -1)), outputs: outIds, attrs };
    for (const t of inputs) if (t) this.consumers[t.id]++;
    this.ops.push(op);
    return outIds.map((id) => this.ref(id));
  }

  dense(x: TensorRef, o: DenseOptions): TensorRef {
    const k = x.shape[x.shape.length - 1];
    const name = uniqueName(this.opNames, o.name ?? 'dense');
    const w = this.weight(`${name}.weight`, [k, o.units], o.kernelInitializer ?? 'glorotUniform', k, o.units);
    const b = o.useBias === false ? null : this.weight(`${name}.bias`, [o.units], o.biasInitializer ?? 'zeros', k, o.units);
    return this.addOp('dense', [x, w, b], activationAttrs(o), name)[0];
  }

  conv1d(x: TensorRef, o: Conv1dOptions): TensorRef {
    const c = x.shape[x.shape.length - 1];
    const groups = o.groups ?? 1;
    const name = uniqueName(this.opNames, o.name ?? 'conv1d');
    const fanIn = o.kernel * (c / groups);
    const w = this.weight(`${name}.weight`, [o.kernel, c / groups, o.filters], o.kernelInitializer ?? 'glorotUniform', fanIn, o.filters * o.kernel);
    const b = o.useBias === false ? null : this.weight(`${name}.bias`, [o.filters], o.biasInitializer ?? 'zeros', fanIn, o.filters);
    const attrs: Attrs = { strides: [o.stride ?? 1], dilations: [o.dilation ?? 1], groups, ...paddingAttrs(o.padding), ...activationAttrs(o) };
    return this.addOp('conv1d', [x, w, b], attrs, name)[0];
  }

  conv2d(x: TensorRef, o: Conv2dOptions): TensorRef {
    const c = x.shape[x.shape.length - 1];
    const groups = o.groups ?? 1;
    const [kh, kw] = o.kernel;
    const name = uniqueName(this.opNames, o.name ?? 'conv2d');
    const fanIn = kh * kw * (c / groups);
    const w = this.weight(`${name}.weight`, [kh, kw, c / groups, o.filters], o.kernelInitializer ?? 'glorotUniform', fanIn, o.filters * kh * kw);
    const b = o.useBias === false ? null : this.weight(`${name}.bias`, [o.filters], o.biasInitializer ?? 'zeros', fanIn, o.filters);
    const attrs: Attrs = { strides: o.strides ?? [1, 1], dilations: o.dilations ?? [1, 1], groups, ...paddingAttrs(o.padding), ...activationAttrs(o) };
    return this.addOp('conv2d', [x, w, b], attrs, name)[0];
  }

  depthwiseConv2d(x: TensorRef, o: DepthwiseOptions & { kernel: [number, number]; strides?: [number, number]; dilations?: [number, number]; padding?: Padding }): TensorRef {
    const c = x.shape[x.shape.length - 1];
    const m = o.multiplier ?? 1;
    const [kh, kw] = o.kernel;
    const name = uniqueName(this.opNames, o.name ?? 'depthwise');
    const w = this.weight(`${name}.weight`, [kh, kw, c * m], o.kernelInitializer ?? 'glorotUniform', kh * kw, kh * kw * m);
    const b = o.useBias === false ? null : this.weight(`${name}.bias`, [c * m], o.biasInitializer ?? 'zeros', kh * kw, m);
    const attrs: Attrs = { multiplier: m, strides: o.strides ?? [1, 1], dilations: o.dilations ?? [1, 1], ...paddingAttrs(o.padding), ...activationAttrs(o) };
    return this.addOp('depthwiseConv2d', [x, w, b], attrs, name)[0];
  }

  depthwiseConv1d(x: TensorRef, o: DepthwiseOptions & { kernel: number; stride?: number; dilation?: number; padding?: Padding }): TensorRef {
    const c = x.shape[x.shape.length - 1];
    const m = o.multiplier ?? 1;
    const name = uniqueName(this.opNames, o.name ?? 'depthwise1d');
    const w = this.weight(`${name}.weight`, [o.kernel, c * m], o.kernelInitializer ?? 'glorotUniform', o.kernel, o.kernel * m);
    const b = o.useBias === false ? null : this.weight(`${name}.bias`, [c * m], o.biasInitializer ?? 'zeros', o.kernel, m);
    const attrs: Attrs = { multiplier: m, strides: [o.stride ?? 1], dilations: [o.dilation ?? 1], ...paddingAttrs(o.padding), ...activationAttrs(o) };
    return this.addOp('depthwiseConv1d', [x, w, b], attrs, name)[0];
  }

  /** GRU layers (gate order z|r|h, ONNX); the last layer's output per `returnSequences`. */
  gru(x: TensorRef, o: RecurrentOptions): TensorRef {
    return this.recurrent('gru', 3, x, o);
  }

  /** LSTM layers (gate order i|o|f|c, ONNX). */
  lstm(x: TensorRef, o: RecurrentOptions): TensorRef {
    return this.recurrent('lstm', 4, x, o);
  }

  private recurrent(type: 'gru' | 'lstm', gates: number, x: TensorRef, o: RecurrentOptions): TensorRef {
    const layers = o.layers ?? 1;
    const h = o.units;
    let cur = x;
    for (let l = 0; l < layers; l++) {
      const name = uniqueName(this.opNames, o.name ? `${o.name}.${l}` : `${type}${l}`);
      const inSize = cur.shape[cur.shape.length - 1];
      const given = o.weights?.[l];
      const W = this.weight(`${name}.W`, [inSize, gates * h], given?.W ?? 'glorotUniform', inSize, h);
      const R = this.weight(`${name}.R`, [h, gates * h], given?.R ?? 'glorotUniform', h, h);
      const bW = this.weight(`${name}.bW`, [gates * h], given?.bW ?? 'zeros', inSize, h);
      const bR = this.weight(`${name}.bR`, [gates * h], given?.bR ?? 'zeros', h, h);
      const last = l === layers - 1;
      const attrs: Attrs = { hidden: h, returnSequences: last ? Number(o.returnSequences ?? false) : 1, reverse: Number(o.reverse ?? false) };
      if (type === 'gru') attrs.linearBeforeReset = Number(o.linearBeforeReset ?? true);
      cur = this.addOp(type, [cur, W, R, bW, bR], attrs, name)[0];
    }
    return cur;
  }

  /**
   * Batch normalisation in inference form. Folded into the preceding
   * conv/dense/depthwise when this is that op's only consumer (the usual
   * case); otherwise a per-channel multiply-add.
   */
  batchNorm(x: TensorRef, o: BatchNormOptions = {}): TensorRef {
    const c = x.shape[x.shape.length - 1];
    const eps = o.epsilon ?? 1e-5;
    if (o.fold === false) {
      const name = uniqueName(this.opNames, 'batchNorm');
      const vec = (v: Float32Array | undefined, fill: number, what: string) => this.constant(`${name}.${what}`, [c], v ? Float32Array.from(v) : new Float32Array(c).fill(fill));
      const params = [vec(o.gamma, 1, 'gamma'), vec(o.beta, 0, 'beta'), vec(o.mean, 0, 'mean'), vec(o.variance, 1, 'variance')];
      return this.addOp('batchNorm', [x, ...params], { epsilon: eps, momentum: o.momentum ?? 0.9 }, name)[0];
    }
    const scale = new Float32Array(c);
    const shift = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      const s = (o.gamma?.[i] ?? 1) / Math.sqrt((o.variance?.[i] ?? 1) + eps);
      scale[i] = s;
      shift[i] = (o.beta?.[i] ?? 0) - (o.mean?.[i] ?? 0) * s;
    }
    const producer = this.foldableProducer(x);
    if (producer) {
      foldAffineIntoProducer(producer, this.tensors, scale, shift, (name, shape) => this.addTensor(name, shape, 'f32', new Float32Array(shape[0])));
      return x;
    }
    const name = uniqueName(this.opNames, 'batchNorm');
    const scaled = this.op('mul', [x, this.constant(`${name}.scale`, [c], scale)], {}, `${name}.mul`)[0];
    return this.op('add', [scaled, this.constant(`${name}.shift`, [c], shift)], {}, `${name}.add`)[0];
  }

  /** An element-wise activation; fused into the producer's epilogue when it can be. */
  activation(x: TensorRef, kind: FusedActivation | 'hardSigmoid' | 'clip', params: { alpha?: number; beta?: number; min?: number; max?: number } = {}): TensorRef {
    const producer = this.foldableProducer(x);
    if (producer && (producer.attrs.activation === undefined || producer.attrs.activation === 'none')) {
      producer.attrs.activation = kind;
      Object.assign(producer.attrs, params);
      return x;
    }
    return this.op(kind, [x], { ...params })[0];
  }

  relu(x: TensorRef): TensorRef {
    return this.activation(x, 'relu');
  }

  softmax(x: TensorRef, axis = -1): TensorRef {
    return this.op('softmax', [x], { axis })[0];
  }

  build(metadata: ModelMetadata = {}): Model {
    if (this.outputs.length === 0) fail('MODEL_GRAPH', `model ${this.name} has no outputs; call output()`);
    return {
      name: this.name,
      tensors: this.tensors.map((t) => ({ ...t, shape: [...t.shape] })),
      ops: this.ops.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs], attrs: { ...op.attrs } })),
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      metadata: { provenance: `tinysense builder`, ...metadata },
    };
  }

  private foldableProducer(x: TensorRef): Op | undefined {
    if (this.consumers[x.id] !== 0 || this.outputs.includes(x.id)) return undefined;
    const op = this.ops[this.ops.length - 1];
    if (!op || op.outputs[0] !== x.id || !FUSABLE_PRODUCERS.has(op.type)) return undefined;
    return op;
  }

  private weight(name: string, shape: number[], init: Initializer, fanIn: number, fanOut: number): TensorRef {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (init instanceof Float32Array || Array.isArray(init)) {
      if (init.length !== n) fail('MODEL_WEIGHTS', `weights for ${name} have ${init.length} values, shape [${shape}] needs ${n}`);
      data = Float32Array.from(init);
    } else {
      data = initialise(init, n, fanIn, fanOut, this.rng);
    }
    return this.constant(name, shape, data);
  }

  private addTensor(name: string, shape: number[], dtype: DType, data?: Float32Array): number {
    const id = this.tensors.length;
    this.tensors.push({ name: uniqueName(this.tensorNames, name), shape: [...shape], dtype, ...(data ? { data } : {}) });
    this.consumers.push(0);
    return id;
  }

  private rename(id: number, name: string): void {
    if (this.tensorNames.has(name) && this.tensors[id].name !== name) fail('MODEL_TENSOR', `tensor name ${name} is already used`);
    this.tensors[id].name = name;
    this.tensorNames.set(name, 1);
  }

  private shapeInfo(id: number): ShapeInfo {
    const t = this.tensors[id];
    return { shape: t.shape, dtype: t.dtype, ...(t.data ? { data: t.data } : {}) };
  }

  private ref(id: number): TensorRef {
    return { id, shape: this.tensors[id].shape };
  }
}

export function createBuilder(name: string, options: { seed?: number } = {}): ModelBuilder {
  return new ModelBuilder(name, options);
}

/** `base`, or `base_1`, `base_2`, ... if taken; ops and tensors have separate name spaces. */
function uniqueName(taken: Map<string, number>, base: string): string {
  let n = taken.get(base) ?? 0;
  let name = n === 0 ? base : `${base}_${n}`;
  while (n > 0 && taken.has(name)) name = `${base}_${++n}`;
  taken.set(base, n + 1);
  if (name !== base) taken.set(name, 1);
  return name;
}

function activationAttrs(o: { activation?: FusedActivation; alpha?: number }): Attrs {
  const a: Attrs = {};
  if (o.activation && o.activation !== 'none') a.activation = o.activation;
  if (o.activation === 'leakyRelu') a.alpha = o.alpha ?? 0.01;
  return a;
}

function paddingAttrs(p: Padding | undefined): Attrs {
  if (p === undefined || p === 'valid') return { padding: 'valid' };
  if (p === 'same') return { padding: 'same' };
  return { padding: 'explicit', pads: p };
}

/** Glorot/He uniform limits (Glorot & Bengio 2010; He et al. 2015). */
function initialise(kind: 'glorotUniform' | 'heUniform' | 'zeros', n: number, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  if (kind === 'zeros') return new Float32Array(n);
  const limit = kind === 'glorotUniform' ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
  return rng.floats(n, limit);
}

/**
 * y = scale * (x . W + b) + shift per output channel, folded into W and b:
 * W'[..., o] = W[..., o] * scale[o];  b'[o] = b[o] * scale[o] + shift[o].
 * Output channels are the last weight axis for every fusable op.
 */
export function foldAffineIntoProducer(op: Op, tensors: Tensor[], scale: Float32Array, shift: Float32Array, addBias: (name: string, shape: number[]) => number): void {
  const c = scale.length;
  const w = tensors[op.inputs[1]];
  const wData = Float32Array.from(w.data as Float32Array);
  for (let i = 0; i < wData.length; i++) wData[i] *= scale[i % c];
  w.data = wData;
  let bId = op.inputs[2] ?? -1;
  if (bId < 0) {
    bId = addBias(`${op.name}.bias`, [c]);
    op.inputs[2] = bId;
  }
  const b = tensors[bId];
  const bData = Float32Array.from(b.data as Float32Array);
  for (let i = 0; i < c; i++) bData[i] = bData[i] * scale[i] + shift[i];
  b.data = bData;
}
