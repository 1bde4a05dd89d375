// The trainer: one wasm instance holding, in its own linear memory, the
// parameters, their gradients and optimiser state, every activation of a
// batch (kept for the backward pass) with its gradient, and the packed
// weights the forward kernels read. Forward runs the runtime's own kernels
// (each op's compiled records, as a Session would), except where training
// differs: batch-norm uses batch statistics, dropout draws its seeded mask,
// GRU/LSTM keep their gates. Backward walks the ops in reverse, one backward
// kernel per op (layers.ts). The optimiser updates the parameters in place
// in wasm, then the packed weights are refilled from them.
//
// Everything that depends only on the model and the batch size (memory
// layout, op records, the order in which gradients are written or
// accumulated) is planned once in createTrainer; a step is a fixed list of
// wasm calls.
import { fail } from '../errors.ts';
import { elementCount, type Model, type TensorData } from '../graph/model.ts';
import { getOpDef } from '../ops/registry.ts';
import { opWhere } from '../ops/attrs.ts';
import { readActivation, type ActivationAbi } from '../ops/activation-spec.ts';
import type { CompiledOp, OpAddresses, OpRecord, ShapeInfo } from '../ops/types.ts';
import { encodeRecords } from '../schedule/compile.ts';
import { makeRng } from '../util/rng.ts';
import { instantiateKernels, resolveBuild, type WasmBuild } from '../runtime/wasm.ts';
import { inferBatchShapes, type BatchShapes } from './shapes.ts';
import { learningRate, stateSlots, type LrSchedule, type OptimizerConfig } from './optim.ts';
import { planBackward } from './layers.ts';
import { exportTrainedModel } from './export.ts';

export type LossKind = 'crossEntropy' | 'mse';

export interface TrainerOptions {
  /** Windows per step (the models' inputs get this leading dim). */
  batch: number;
  /** crossEntropy: integer labels, on the logits (the input of a final softmax, or the output itself). mse: targets shaped like the output. */
  loss: LossKind;
  /** Default Adam, lr 1e-3. */
  optimizer?: OptimizerConfig;
  schedule?: LrSchedule;
  /** Seeds dropout masks (and fit()'s shuffling). Default 1. */
  seed?: number;
  /** Rescales the gradients when their global L2 norm exceeds this. */
  clipNorm?: number;
  /** crossEntropy only: the target is (1 - s) one-hot + s / classes. Default 0. */
  labelSmoothing?: number;
  /**
   * Keep an exponential moving average of the weights and batch-norm
   * statistics with this decay per step (min(decay, (1+t)/(10+t)) after t steps,
   * as TensorFlow's ExponentialMovingAverage with num_updates);
   * predict, evaluateLoss and exportModel then use the average. Default: none.
   */
  averageDecay?: number;
  build?: WasmBuild | 'auto';
  /** Data-parallel replicas: a distinct dropout stream per replica (0, the default, is the single trainer's). */
  replica?: number;
}

export interface StepResult {
  loss: number;
  /** The learning rate the step used. */
  lr: number;
}

export interface FitOptions {
  epochs: number;
  /** Shuffle windows each epoch (seeded by the trainer's seed). Default true. */
  shuffle?: boolean;
  onStep?: (epoch: number, step: number, result: StepResult) => void;
}

export interface Trainer {
  readonly build: WasmBuild;
  readonly batch: number;
  /** Trainable scalars. */
  readonly paramCount: number;
  /** Optimiser steps taken. */
  readonly steps: number;
  /** Bytes of linear memory the trainer holds. */
  memoryBytes(): number;
  /** One optimiser step on a full batch: x [batch, ...input], labels Int32Array [batch] (crossEntropy) or targets Float32Array (mse). */
  trainStep(x: Float32Array, y: Int32Array | Float32Array): StepResult;
  /** The loss of a batch in eval mode, without updating anything. */
  evaluateLoss(x: Float32Array, y: Int32Array | Float32Array): number;
  /** Eval-mode outputs (dropout off, batch-norm with running averages) for `count` windows of x, any count. */
  predict(x: Float32Array, count: number): Float32Array;
  /** Epochs of full batches over (x, y) (the last incomplete batch is dropped); returns the mean loss per epoch. */
  fit(x: Float32Array, y: Int32Array | Float32Array, count: number, options: FitOptions): number[];
  /** The trained model as inference IR: batch-norm folded, dropout removed, input batch `batch` (default 1). */
  exportModel(options?: { batch?: number }): Model;
  /** Current values of a parameter (or batch-norm statistic) by tensor name. */
  tensor(name: string): Float32Array;
  /** Overwrites a parameter (or statistic) and refills the packed weights. */
  setTensor(name: string, values: ArrayLike<number>): void;
  /** Training-mode loss and parameter gradients of a batch, without an update (the dropout masks of the next step; batch-norm running averages advance as in a step). */
  computeGradients(x: Float32Array, y: Int32Array | Float32Array): { loss: number; grads: Map<string, Float32Array> };
  /**
   * trainStep in two halves, for data-parallel replicas: backward() leaves
   * the batch's gradients in gradientView(), which the caller may combine
   * with other replicas' before applyGradients() takes the optimiser step.
   */
  backward(x: Float32Array, y: Int32Array | Float32Array): number;
  /** All parameter gradients as one array (a view into wasm memory, the order fixed per model). */
  gradientView(): Float32Array;
  applyGradients(): StepResult['lr'];
}

const FUSABLE = new Set(['dense', 'conv1d', 'conv2d', 'depthwiseConv1d', 'depthwiseConv2d']);
const ALIGN = 16;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** A bump allocator over the instance's memory. */
class Layout {
  top: number;
  constructor(base: number) {
    this.top = align(base);
  }
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align(this.top + Math.max(bytes, 4));
    return at;
  }
}

/** What layers.ts needs to know about one op, planned at setup. */
export interface OpSlot {
  index: number;
  type: string;
  shapes: { ins: (ShapeInfo | undefined)[]; outs: ShapeInfo[] };
  compiled: CompiledOp;
  /** Forward records with real addresses (decoded by backward for kernel arguments). */
  records: OpRecord[];
  recordAddrs: number[];
  weightAddrs: number[];
  /** The fused activation split out of dense/conv/depthwise (code 0: none). */
  act: ActivationAbi;
  /** Raw output of an op with a split activation (the activation's input). */
  pre: number;
  /** Per-op buffers kept for backward: dropout mask, batch-norm mean|invstd, recurrent gates. */
  aux: number;
}

export function createTrainer(model: Model, options: TrainerOptions): Trainer {
  const batch = options.batch;
  if (!Number.isInteger(batch) || batch < 1) fail('MODEL_ATTRIBUTE', 'the training batch must be a positive integer', { found: batch });
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    fail('MODEL_GRAPH', 'the trainer takes models with one input and one output', { expected: '1 input, 1 output', found: `${model.inputs.length} inputs, ${model.outputs.length} outputs` });
  }
  const optimizer: OptimizerConfig = options.optimizer ?? { kind: 'adam', lr: 1e-3 };
  const schedule: LrSchedule = options.schedule ?? { kind: 'constant' };
  const seed = options.seed ?? 1;
  const build = resolveBuild(options.build ?? 'auto', 'training');
  const k = instantiateKernels(build, 'training');
  const call = (name: string, ...args: number[]): number => (k[name] as (...a: number[]) => number)(...args);

  // ---- what each tensor is
  const T = model.tensors.length;
  const consumers: number[][] = model.tensors.map(() => []);
  model.ops.forEach((op, i) => op.inputs.forEach((t) => t >= 0 && consumers[t].push(i)));
  const isState = new Array<boolean>(T).fill(false);
  for (const op of model.ops) if (op.type === 'batchNorm') for (const j of [3, 4]) isState[op.inputs[j]] = true;
  const isParam = model.tensors.map((t, i) => t.data !== undefined && t.dtype === 'f32' && !isState[i]);

  // Unfused attrs: dense/conv/depthwise compile without their activation, which the trainer applies itself.
  const acts = model.ops.map((op) => (FUSABLE.has(op.type) && op.attrs.activation !== undefined ? readActivation(op.attrs, opWhere(op)) : { code: 0, p0: 0, p1: 0 }));
  const attrsOf = (i: number) => {
    const a = { ...model.ops[i].attrs };
    if (acts[i].code !== 0 || a.activation === 'none') delete a.activation;
    return a;
  };
  const compileAll = (shapes: BatchShapes): CompiledOp[] => model.ops.map((op, i) => {
    const def = getOpDef(op.type, opWhere(op));
    return def.compile({ op, ins: shapes.ops[i].ins, outs: shapes.ops[i].outs, attrs: attrsOf(i) });
  });

  // ---- sizes (a first compile against the model's own data)
  const shapes0 = inferBatchShapes(model, batch);
  const sizing = compileAll(shapes0);
  const bytesOf = (t: number) => elementCount(shapes0.tensors[t]) * 4;

  const layout = new Layout(k.heapBase());
  // Parameters, gradients and optimiser state share one layout (offsets differ by a constant per region).
  const paramOffset = new Map<number, number>();
  let paramBytes = 0;
  model.tensors.forEach((t, i) => {
    if (!isParam[i]) return;
    paramOffset.set(i, paramBytes);
    paramBytes = align(paramBytes + elementCount(t.shape) * 4);
  });
  const paramBase = layout.alloc(paramBytes);
  const gradBase = layout.alloc(paramBytes);
  const slots = stateSlots(optimizer);
  const stateBase = [layout.alloc(slots > 0 ? paramBytes : 0), layout.alloc(slots > 1 ? paramBytes : 0)];
  const constAddr = new Map<number, number>();
  model.tensors.forEach((t, i) => {
    if (t.data && !isParam[i]) constAddr.set(i, layout.alloc(t.data.byteLength));
  });
  const paramAddr = (t: number) => paramBase + paramOffset.get(t)!;
  const paramGrad = (t: number) => gradBase + paramOffset.get(t)!;

  // Activations: aliases (reshape, flatten, ...) share their input's buffer and gradient.
  const bufferOf = new Array<number>(T).fill(-1);
  const owner = model.tensors.map((_, i) => i);
  model.ops.forEach((op) => {
    const def = getOpDef(op.type, opWhere(op));
    if (def.memory === 'alias' && op.type !== 'dropout' && !model.tensors[op.inputs[0]].data) owner[op.outputs[0]] = owner[op.inputs[0]];
  });
  const root = (t: number): number => (owner[t] === t ? t : root(owner[t]));
  const requiresGrad = new Array<boolean>(T).fill(false);
  model.tensors.forEach((_, i) => (requiresGrad[i] = isParam[i]));
  for (const op of model.ops) {
    const any = op.inputs.some((t) => t >= 0 && requiresGrad[t]);
    for (const t of op.outputs) requiresGrad[t] = any;
  }
  const gradOf = new Array<number>(T).fill(0);
  let maxActBytes = 16;
  model.tensors.forEach((t, i) => {
    if (t.data || root(i) !== i) return;
    bufferOf[i] = layout.alloc(bytesOf(i));
    if (requiresGrad[i]) gradOf[i] = layout.alloc(bytesOf(i));
    maxActBytes = Math.max(maxActBytes, bytesOf(i));
  });
  model.tensors.forEach((t, i) => {
    if (!t.data && root(i) !== i) {
      bufferOf[i] = bufferOf[root(i)];
      gradOf[i] = gradOf[root(i)];
    }
  });
  const addrOf = (t: number) => (t < 0 ? 0 : isParam[t] ? paramAddr(t) : constAddr.has(t) ? constAddr.get(t)! : bufferOf[t]);

  // Per-op extras.
  const weightAddrs = sizing.map((c) => c.weights.map((w) => layout.alloc(w.bytes)));
  const pre = model.ops.map((op, i) => (acts[i].code !== 0 ? layout.alloc(bytesOf(op.outputs[0])) : 0));
  const auxBytes = model.ops.map((op, i) => {
    const s = shapes0.ops[i];
    switch (op.type) {
      case 'dropout': return bytesOf(op.outputs[0]);
      case 'batchNorm': return 2 * s.outs[0].shape[s.outs[0].shape.length - 1] * 4;
      case 'gru': {
        const [n, t] = s.ins[0]!.shape;
        return call('gruTrainSavedBytes', n, t, Number(op.attrs.hidden), Number(op.attrs.linearBeforeReset ?? 0));
      }
      case 'lstm': {
        const [n, t] = s.ins[0]!.shape;
        return call('lstmTrainSavedBytes', n, t, Number(op.attrs.hidden));
      }
      default: return 0;
    }
  });
  const aux = auxBytes.map((b) => (b > 0 ? layout.alloc(b) : 0));
  // Staging for constants an op computes itself at fill time (fft twiddles); everything else is resident.
  const stageBytes = Math.max(0, ...sizing.flatMap((c) => c.weights.map((w) => w.bytes)));
  const stageAddr = layout.alloc(stageBytes);
  const labelsAddr = layout.alloc(elementCount(shapes0.tensors[model.outputs[0]]) * 4);
  const minusOne = layout.alloc(16);
  // Temporaries for gradients that are accumulated rather than written (a tensor read by several ops).
  // One per input of the widest op, plus one for full-size products (the last); parameters may be accumulated too.
  const maxInputs = Math.max(1, ...model.ops.map((op) => op.inputs.length));
  const maxParamBytes = Math.max(16, ...[...paramOffset.keys()].map((t) => elementCount(model.tensors[t].shape) * 4));
  const temps = Array.from({ length: maxInputs + 1 }, () => layout.alloc(Math.max(maxActBytes, maxParamBytes)));

  // Backward plan (needs the addresses above; it reports its scratch and record needs).
  const slotsPlanned: OpSlot[] = model.ops.map((_, i) => ({
    index: i, type: model.ops[i].type, shapes: shapes0.ops[i], compiled: sizing[i], weightAddrs: weightAddrs[i],
    records: sizing[i].records(dummyAddresses()), recordAddrs: [],
    act: acts[i], pre: pre[i], aux: aux[i],
  }));
  const lossKind = options.loss;
  const outT = model.outputs[0];
  const producerOf = new Array<number>(T).fill(-1);
  model.ops.forEach((op, i) => op.outputs.forEach((t) => (producerOf[t] = i)));
  const head = producerOf[outT] >= 0 ? model.ops[producerOf[outT]] : undefined;
  const lastAxis = (axis: unknown) => axis === undefined || axis === -1 || axis === shapes0.tensors[outT].length - 1;
  const softmaxHead = lossKind === 'crossEntropy' && head?.type === 'softmax' && lastAxis(head.attrs.axis) ? producerOf[outT] : -1;
  const lossT = softmaxHead >= 0 ? model.ops[softmaxHead].inputs[0] : outT;
  const lossShape = shapes0.tensors[lossT];
  const classes = lossShape[lossShape.length - 1];
  if (!requiresGrad[lossT]) fail('MODEL_GRAPH', 'the model output does not depend on any trainable parameter', { where: { tensor: model.tensors[lossT].name } });

  // ---- memory, views, the real compile
  const scratchGuess = Math.max(0, ...sizing.map((c) => c.scratchBytes));
  const ctxBase = { model, k, call, isParam, requiresGrad, addrOf, paramGrad, gradOf, root, temps, minusOne, bytesOf, skip: new Set<number>(softmaxHead >= 0 ? [softmaxHead] : []) };
  const dryPlan = planBackward({ ...ctxBase, slots: slotsPlanned, scratch: 0, encode: () => 0, lossTensor: lossT });
  const scratchBytes = Math.max(scratchGuess, dryPlan.scratchBytes, 2 * 4 * 4096);
  const scratch = layout.alloc(scratchBytes);
  const recordBase = layout.top;
  // Record words: forward records plus backward ones, sized from the dry plan.
  const fwdWords = sizing.reduce((n, c) => n + c.records(dummyAddresses()).reduce((m, r) => m + 2 + r.args.length, 0), 0);
  const recordBytes = (fwdWords + dryPlan.recordWords) * 4;
  layout.alloc(recordBytes);
  const have = k.memory.buffer.byteLength;
  if (layout.top > have) k.memory.grow(Math.ceil((layout.top - have) / 65536));
  const mem = k.memory.buffer;
  const f32 = new Float32Array(mem);
  const u8 = new Uint8Array(mem);

  // Views: constants live in wasm memory, so the ops' weight requests read the current values.
  const views = new Map<number, TensorData>();
  model.tensors.forEach((t, i) => {
    if (!t.data) return;
    const at = addrOf(i);
    const n = t.data.length;
    const view = t.data instanceof Float32Array ? new Float32Array(mem, at, n) : t.data instanceof Int32Array ? new Int32Array(mem, at, n) : new Int8Array(mem, at, n);
    view.set(t.data as never);
    views.set(i, view);
  });
  new Float32Array(mem, minusOne, 4).fill(-1);
  const shapes = inferBatchShapes(model, batch, (t) => views.get(t));
  const compiled = compileAll(shapes);
  let recordTop = recordBase;
  const recordEnd = recordBase + recordBytes;
  const encode = (records: OpRecord[]): number => {
    const words = encodeRecords(records);
    const at = recordTop;
    if (at + words.length * 4 > recordEnd) fail('PLAN_TOO_LARGE', 'the trainer op records outgrew their planned region (a bug)', { expected: recordBytes, found: at + words.length * 4 - recordBase });
    new Int32Array(mem, at, words.length).set(words);
    recordTop += words.length * 4;
    return at;
  };
  const slotsReal: OpSlot[] = model.ops.map((op, i) => {
    const c = compiled[i];
    const addr: OpAddresses = {
      input: (j) => addrOf(op.inputs[j] ?? -1),
      output: (j) => (j === 0 && pre[i] ? pre[i] : bufferOf[op.outputs[j]]),
      weight: (j) => weightAddrs[i][j],
      scratch,
    };
    const records = c.records(addr);
    const recordAddrs: number[] = [];
    for (const r of records) recordAddrs.push(encode([r]));
    return { ...slotsPlanned[i], compiled: c, shapes: shapes.ops[i], records, recordAddrs };
  });
  const plan = planBackward({ ...ctxBase, slots: slotsReal, scratch, encode, lossTensor: lossT });

  const packWeights = () => {
    let stageTop = stageAddr;
    const stage = (data: TensorData): number => {
      if (data.buffer === mem) return data.byteOffset;
      if (stageTop + data.byteLength > stageAddr + stageBytes) return fail('RUN_WASM', 'a computed constant is larger than its packed weights (a bug)');
      const at = stageTop;
      u8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
      stageTop = align(at + data.byteLength);
      return at;
    };
    slotsReal.forEach((s) => s.compiled.weights.forEach((w, j) => {
      stageTop = stageAddr;
      w.init(k, s.weightAddrs[j], stage);
    }));
  };
  packWeights();

  // ---- forward
  const inT = model.inputs[0];
  const inCount = elementCount(shapes.tensors[inT]);
  const outCount = elementCount(shapes.tensors[outT]);
  const runRecords = (s: OpSlot) => {
    for (const r of s.recordAddrs) k.runOp(r);
  };
  let dropoutSeed = 0;
  const replica = options.replica ?? 0;
  const stepSeed = () => (replica === 0 ? mixSeed(seed, steps) : mixSeed(mixSeed(seed, steps), replica));
  const forwardSteps = slotsReal.map((s) => {
    const op = model.ops[s.index];
    const out = bufferOf[op.outputs[0]];
    const count = elementCount(s.shapes.outs[0].shape);
    const x = addrOf(op.inputs[0]);
    switch (op.type) {
      case 'dropout': {
        const rate = Number(op.attrs.rate ?? 0.5);
        return (train: boolean) => {
          if (train) call('dropoutForwardF32', x, out, s.aux, count, rate, (dropoutSeed + s.index * 0x3c6ef372) | 0);
          else u8.copyWithin(out, x, x + count * 4);
        };
      }
      case 'batchNorm': {
        const shape = s.shapes.ins[0]!.shape;
        const c = shape[shape.length - 1];
        const eps = Number(op.attrs.epsilon ?? 1e-5);
        const momentum = Number(op.attrs.momentum ?? 0.9);
        const [g, b, m, v] = op.inputs.slice(1).map(addrOf);
        return (train: boolean) => {
          if (train) call('batchNormTrainForwardF32', x, count / c, c, g, b, eps, out, s.aux, s.aux + c * 4, m, v, momentum);
          else runRecords(s);
        };
      }
      case 'gru':
      case 'lstm': {
        const [n, t, inSize] = s.shapes.ins[0]!.shape;
        const hidden = Number(op.attrs.hidden);
        const rs = Number(op.attrs.returnSequences ?? 0), rev = Number(op.attrs.reverse ?? 0);
        const [pw, pr] = s.weightAddrs;
        if (op.type === 'gru') {
          const lbr = Number(op.attrs.linearBeforeReset ?? 0);
          const h0 = addrOf(op.inputs[5] ?? -1);
          return (train: boolean) => {
            if (train) call('gruTrainForwardF32', x, pw, pr, h0, out, s.aux, scratch, n, t, inSize, hidden, rs, rev, lbr);
            else runRecords(s);
          };
        }
        const h0 = addrOf(op.inputs[5] ?? -1), c0 = addrOf(op.inputs[6] ?? -1);
        return (train: boolean) => {
          if (train) call('lstmTrainForwardF32', x, pw, pr, h0, c0, out, s.aux, scratch, n, t, inSize, hidden, rs, rev);
          else runRecords(s);
        };
      }
      default:
        if (s.act.code !== 0) {
          const { code, p0, p1 } = s.act;
          return () => {
            runRecords(s);
            call('activationF32', s.pre, out, count, code, p0, p1);
          };
        }
        return () => runRecords(s);
    }
  });
  const forward = (train: boolean) => {
    for (const f of forwardSteps) f(train);
  };

  const writeBatch = (x: Float32Array, y: Int32Array | Float32Array | null) => {
    if (x.length !== inCount) fail('RUN_INPUT', `a training batch must hold ${inCount} input values`, { expected: `[${shapes.tensors[inT]}]`, found: x.length });
    f32.set(x, bufferOf[inT] / 4);
    if (!y) return;
    if (lossKind === 'crossEntropy') {
      const rows = elementCount(lossShape) / classes;
      if (!(y instanceof Int32Array) || y.length !== rows) fail('RUN_INPUT', 'crossEntropy takes Int32Array labels, one per row', { expected: rows, found: y.length });
      for (let i = 0; i < rows; i++) {
        if (y[i] < 0 || y[i] >= classes) fail('RUN_INPUT', `label ${y[i]} is outside [0, ${classes})`, { found: y[i] });
      }
      new Int32Array(mem, labelsAddr, rows).set(y);
    } else {
      if (!(y instanceof Float32Array) || y.length !== outCount) fail('RUN_INPUT', 'mse takes Float32Array targets shaped like the output', { expected: outCount, found: y.length });
      f32.set(y, labelsAddr / 4);
    }
  };
  const lossValue = (withGrad: boolean): number => {
    const target = withGrad ? gradOf[lossT] : 0;
    if (lossKind === 'crossEntropy') {
      const rows = elementCount(lossShape) / classes;
      return call('softmaxCrossEntropyF32', bufferOf[lossT], labelsAddr, rows, classes, 0, target, 1 / rows, withGrad ? options.labelSmoothing ?? 0 : 0);
    }
    return call('meanSquaredErrorF32', bufferOf[lossT], labelsAddr, outCount, target, 1 / outCount);
  };

  // ---- optimiser
  const paramList = [...paramOffset.keys()];
  const decays = paramList.map((t) => model.tensors[t].shape.length >= 2);
  let steps = 0;
  const optimise = (lr: number) => {
    let gradScale = 1;
    if (options.clipNorm !== undefined) {
      const norm = Math.sqrt(call('sumSquaresF32', gradBase, paramBytes / 4));
      if (norm > options.clipNorm) gradScale = options.clipNorm / norm;
    }
    const t1 = steps + 1;
    paramList.forEach((t, i) => {
      const p = paramAddr(t), g = paramGrad(t), n = elementCount(model.tensors[t].shape);
      const off = paramOffset.get(t)!;
      const s0 = stateBase[0] + off, s1 = stateBase[1] + off;
      switch (optimizer.kind) {
        case 'sgd': {
          const wd = decays[i] ? optimizer.weightDecay ?? 0 : 0;
          call('sgdStepF32', p, g, s0, n, lr, optimizer.momentum ?? 0, wd, gradScale, optimizer.nesterov ? 1 : 0);
          break;
        }
        case 'adam': {
          const b1 = optimizer.beta1 ?? 0.9, b2 = optimizer.beta2 ?? 0.999;
          const wd = decays[i] ? optimizer.weightDecay ?? 0 : 0;
          call('adamStepF32', p, g, s0, s1, n, lr, b1, b2, optimizer.epsilon ?? 1e-8, wd, optimizer.decoupled ? 1 : 0, gradScale, 1 - b1 ** t1, 1 - b2 ** t1);
          break;
        }
        case 'rmsprop': {
          const wd = decays[i] ? optimizer.weightDecay ?? 0 : 0;
          call('rmspropStepF32', p, g, s0, s1, n, lr, optimizer.rho ?? 0.9, optimizer.epsilon ?? 1e-8, optimizer.momentum ?? 0, wd, gradScale);
          break;
        }
      }
    });
    steps++;
    packWeights();
  };

  // ---- weight averaging: the shadow copy lives in JS; swapping it in repacks the weights.
  const averaged = options.averageDecay !== undefined ? averagedRegions() : [];
  function averagedRegions(): { live: Float32Array; shadow: Float32Array; spare: Float32Array }[] {
    const live: Float32Array[] = [new Float32Array(mem, paramBase, paramBytes / 4)];
    model.tensors.forEach((t, i) => isState[i] && live.push(views.get(i) as Float32Array));
    return live.map((v) => ({ live: v, shadow: Float32Array.from(v), spare: new Float32Array(v.length) }));
  }
  const updateAverage = () => {
    // (1 + t) / (10 + t) for t earlier updates: `steps` already counts this one.
    const d = Math.min(options.averageDecay!, steps / (9 + steps));
    for (const { live, shadow } of averaged) for (let i = 0; i < live.length; i++) shadow[i] = d * shadow[i] + (1 - d) * live[i];
  };
  const swapAverage = () => {
    for (const { live, shadow, spare } of averaged) {
      spare.set(live);
      live.set(shadow);
      shadow.set(spare);
    }
    packWeights();
  };
  const withAverage = <R>(fn: () => R): R => {
    if (averaged.length === 0) return fn();
    swapAverage();
    try {
      return fn();
    } finally {
      swapAverage();
    }
  };

  const predictRows = (x: Float32Array, count: number): Float32Array => {
    const per = inCount / batch;
    const outPer = outCount / batch;
    if (x.length !== count * per) fail('RUN_INPUT', `predict needs ${per} values per window`, { expected: count * per, found: x.length });
    const result = new Float32Array(count * outPer);
    const chunk = new Float32Array(inCount);
    for (let first = 0; first < count; first += batch) {
      const rows = Math.min(batch, count - first);
      chunk.fill(0);
      chunk.set(x.subarray(first * per, (first + rows) * per));
      writeBatch(chunk, null);
      forward(false);
      result.set(f32.subarray(bufferOf[outT] / 4, bufferOf[outT] / 4 + rows * outPer), first * outPer);
    }
    return result;
  };

  const viewNamed = (name: string): Float32Array => {
    const i = model.tensors.findIndex((t) => t.name === name);
    const v = i >= 0 ? views.get(i) : undefined;
    if (!(v instanceof Float32Array)) return fail('MODEL_TENSOR', `no f32 constant named ${name}`, { where: { tensor: name } });
    return v;
  };
  const paramCount = paramList.reduce((n, t) => n + elementCount(model.tensors[t].shape), 0);
  const trainer: Trainer = {
    build,
    batch,
    paramCount,
    get steps() {
      return steps;
    },
    memoryBytes: () => k.memory.buffer.byteLength,
    trainStep(x, y) {
      const loss = trainer.backward(x, y);
      return { loss, lr: trainer.applyGradients() };
    },
    backward(x, y) {
      writeBatch(x, y);
      dropoutSeed = stepSeed();
      forward(true);
      const loss = lossValue(true);
      plan.run();
      return loss;
    },
    gradientView: () => new Float32Array(k.memory.buffer, gradBase, paramBytes / 4),
    applyGradients() {
      const lr = learningRate(optimizer.lr, schedule, steps);
      optimise(lr);
      if (averaged.length) updateAverage();
      return lr;
    },
    evaluateLoss(x, y) {
      return withAverage(() => {
        writeBatch(x, y);
        forward(false);
        return lossValue(false);
      });
    },
    predict: (x, count) => withAverage(() => predictRows(x, count)),
    fit(x, y, count, o) {
      const per = inCount / batch;
      const yPer = lossKind === 'crossEntropy' ? 1 : outCount / batch;
      const order = Array.from({ length: count }, (_, i) => i);
      const rng = makeRng(mixSeed(seed, 0x5eed)).next;
      const bx = new Float32Array(inCount);
      const by = lossKind === 'crossEntropy' ? new Int32Array(batch * yPer) : new Float32Array(batch * yPer);
      const losses: number[] = [];
      for (let e = 0; e < o.epochs; e++) {
        if (o.shuffle !== false) {
          for (let i = count - 1; i > 0; i--) {
            const j = Math.floor(rng() * (i + 1));
            [order[i], order[j]] = [order[j], order[i]];
          }
        }
        let sum = 0;
        let n = 0;
        for (let b = 0; b + batch <= count; b += batch) {
          for (let r = 0; r < batch; r++) {
            const w = order[b + r];
            bx.set(x.subarray(w * per, (w + 1) * per), r * per);
            by.set(y.subarray(w * yPer, (w + 1) * yPer) as never, r * yPer);
          }
          const res = trainer.trainStep(bx, by);
          o.onStep?.(e, steps, res);
          sum += res.loss;
          n++;
        }
        losses.push(n ? sum / n : NaN);
      }
      return losses;
    },
    exportModel(o = {}) {
      return withAverage(() => exportTrainedModel(model, (t) => views.get(t)!, o.batch ?? 1));
    },
    tensor(name) {
      return viewNamed(name).slice();
    },
    setTensor(name, values) {
      const v = viewNamed(name);
      if (values.length !== v.length) fail('MODEL_WEIGHTS', `${name} holds ${v.length} values`, { where: { tensor: name }, expected: v.length, found: values.length });
      v.set(values);
      packWeights();
    },
    computeGradients(x, y) {
      const loss = trainer.backward(x, y);
      const grads = new Map<string, Float32Array>();
      for (const t of paramList) grads.set(model.tensors[t].name, f32.slice(paramGrad(t) / 4, paramGrad(t) / 4 + elementCount(model.tensors[t].shape)));
      return { loss, grads };
    },
  };
  return trainer;
}


/** Addresses for counting and decoding records before memory is laid out. */
function dummyAddresses(): OpAddresses {
  return { input: () => 0, output: () => 0, weight: () => 0, scratch: 0 };
}

/** A 32-bit mix of a seed and a counter (the murmur3 finaliser). */
export function mixSeed(seed: number, n: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(n | 0, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h | 0;
}
