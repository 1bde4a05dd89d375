// DeepSense (Yao et al., "DeepSense: A Unified Deep Learning Framework for
// Time-Series Mobile Sensing Data Processing", WWW 2017) built with the
// model builder, for classification or regression on multi-sensor windows.
//
//   x [N, intervals * intervalLength, sum(channels)]    raw sensor values
//   -> (x - mean) / std per channel                      normalisation (mul, add)
//   -> fft per interval  [N, I, bins, 2C]                frequency input (sec. 3.1)
//      or reshape        [N, I, intervalLength, C]       time input
//   -> split by sensor; per sensor: conv [1 x k] over the interval's
//      frequency (or time) axis, batch-norm, relu, dropout   (individual convs, sec. 3.2)
//   -> concat the sensors' features, conv [1 x k] over the same axis,
//      batch-norm, relu, dropout                       (merge convs)
//   -> reshape [N, I, features]; stacked GRU over the intervals (sec. 3.3)
//   -> mean over the intervals; dropout; dense        (output layer)
//   -> softmax (classification; trained with cross-entropy) or linear (regression; MSE)
//
// The merge differs from the paper in layout only: the paper stacks the K
// sensors' flattened features as the rows of a matrix and convolves it with
// K-row kernels; here the sensors' feature maps are concatenated along the
// channel axis, so every merge filter sees all K sensors at k neighbouring
// positions, which is the same receptive field without a flatten.
//
// Padding: a conv is 'valid' while what remains of the axis keeps at least
// MIN_AXIS positions, else 'same' (11 frequency bins of a 20-sample interval
// would vanish after a few valid convs).
import { fail } from '../errors.ts';
import { createBuilder, type TensorRef } from '../graph/builder.ts';
import type { Model, ModelMetadata, Op, Tensor } from '../graph/model.ts';
import { normalizationAffine, normalizationToMetadata, type Normalization } from './data/windows.ts';

export interface DeepSenseSensor {
  name: string;
  /** Axes of this sensor, contiguous in the input's channel order (3 for an IMU sensor). */
  channels: number;
}

export interface DeepSenseConfig {
  sensors: DeepSenseSensor[];
  intervals: number;
  /** Samples per interval. */
  intervalLength: number;
  /** Default 'frequency' (the interval's DFT, real and imaginary part per axis). */
  input?: 'time' | 'frequency';
  /** Filters of each per-sensor conv layer. */
  convFilters: number;
  /** Kernel width of each per-sensor conv layer (one entry per layer). */
  convKernels: number[];
  /** Filters of each merge conv layer. */
  mergeFilters: number;
  /** Kernel width of each merge conv layer (default [3, 3, 3], as convKernels in the paper). */
  mergeKernels?: number[];
  gruUnits: number;
  gruLayers: number;
  /** Classes (classification) or estimated values (regression). */
  outputs: number;
  task?: 'classification' | 'regression';
  /** Dropout rate after every conv block, between GRU layers and before the head (0: none). */
  dropout?: number;
  /** Per-channel statistics of the training split, applied as the model's first ops. */
  normalization?: Normalization;
  /** Class names (classification) for the metadata. */
  labels?: string[];
  /** Leading dim of the input (the trainer re-infers its own batch). Default 1. */
  batch?: number;
  /** Seeds the initialisers. Default 1. */
  seed?: number;
  name?: string;
  metadata?: ModelMetadata;
}

const MIN_AXIS = 3;

/** The DeepSense graph for `config` (layout in the file header). */
export function deepsense(config: DeepSenseConfig): Model {
  const c = checkConfig(config);
  const b = createBuilder(config.name ?? 'deepsense', { seed: config.seed ?? 1 });
  const totalChannels = config.sensors.reduce((n, s) => n + s.channels, 0);
  const steps = config.intervals * config.intervalLength;
  const x = b.input('x', [config.batch ?? 1, steps, totalChannels]);
  let h: TensorRef;
  if (c.input === 'frequency') {
    h = b.op('fft', [x], { intervals: config.intervals, length: config.intervalLength, normalize: 'ortho' }, 'fft')[0];
  } else {
    h = b.op('reshape', [x], { shape: [0, config.intervals, config.intervalLength, totalChannels] }, 'intervals')[0];
  }
  const perAxis = c.input === 'frequency' ? 2 : 1;
  const parts = config.sensors.length > 1 ? b.op('split', [h], { axis: 3, sizes: config.sensors.map((s) => s.channels * perAxis) }, 'sensors') : [h];
  const dropout = (t: TensorRef, name: string) => (c.dropout > 0 ? b.op('dropout', [t], { rate: c.dropout }, name)[0] : t);
  const block = (t: TensorRef, filters: number, kernel: number, name: string): TensorRef => {
    const axis = t.shape[2];
    const padding = axis - kernel + 1 >= MIN_AXIS ? 'valid' : 'same';
    let y = b.conv2d(t, { filters, kernel: [1, kernel], padding, name });
    y = b.relu(b.batchNorm(y, { fold: false }));
    return dropout(y, `${name}.dropout`);
  };
  const features = parts.map((p, s) => {
    let y = p;
    config.convKernels.forEach((k, l) => (y = block(y, config.convFilters, k, `${config.sensors[s].name}.conv${l}`)));
    return y;
  });
  h = features.length > 1 ? b.op('concat', features, { axis: 3 }, 'merge')[0] : features[0];
  c.mergeKernels.forEach((k, l) => (h = block(h, config.mergeFilters, k, `merge.conv${l}`)));
  h = b.op('reshape', [h], { shape: [0, config.intervals, -1] }, 'flatten')[0];
  for (let l = 0; l < config.gruLayers; l++) {
    if (l > 0) h = dropout(h, `gru${l}.dropout`);
    h = b.gru(h, { units: config.gruUnits, returnSequences: true, name: `gru${l}` });
  }
  h = b.op('mean', [h], { axes: [1] }, 'time_mean')[0];
  h = dropout(h, 'head.dropout');
  h = b.dense(h, { units: config.outputs, name: 'head' });
  if (c.task === 'classification') b.output(b.softmax(h), 'probabilities');
  else b.output(h, 'estimate');
  const metadata: ModelMetadata = {
    ...config.metadata,
    ...(config.labels ? { labels: [...config.labels] } : {}),
    extra: { ...config.metadata?.extra, deepsense: JSON.stringify(describeConfig(config)) },
  };
  const model = b.build(metadata);
  return config.normalization ? prependNormalization(model, config.normalization) : model;
}

/** The architecture fields of a config (what the model's metadata records). */
export function describeConfig(config: DeepSenseConfig): Record<string, unknown> {
  const c = checkConfig(config);
  return {
    sensors: config.sensors, intervals: config.intervals, intervalLength: config.intervalLength, input: c.input,
    convFilters: config.convFilters, convKernels: config.convKernels, mergeFilters: config.mergeFilters, mergeKernels: c.mergeKernels,
    gruUnits: config.gruUnits, gruLayers: config.gruLayers, outputs: config.outputs, task: c.task, dropout: c.dropout,
  };
}

/**
 * `model` with x' = x * (1 / std) + (-mean / std) per channel in front of
 * its input: the deployed model takes raw sensor values. The statistics also
 * go into the metadata. (The trainer trains every f32 constant, so a model
 * is trained on normalised windows without these ops and gets them on export.)
 */
export function prependNormalization(model: Model, norm: Normalization): Model {
  const input = model.inputs[0];
  const shape = model.tensors[input].shape;
  const c = shape[shape.length - 1];
  if (model.inputs.length !== 1 || norm.mean.length !== c) {
    fail('MODEL_SHAPE_MISMATCH', 'normalisation statistics must match the single input\'s channels', { where: { tensor: model.tensors[input].name }, expected: c, found: norm.mean.length });
  }
  const { scale, shift } = normalizationAffine(norm);
  const tensors: Tensor[] = model.tensors.map((t) => ({ ...t }));
  const raw = tensors.length;
  tensors.push({ name: model.tensors[input].name, shape: [...shape], dtype: 'f32' });
  const scaleT = tensors.push({ name: 'normalize.scale', shape: [c], dtype: 'f32', data: scale }) - 1;
  const scaled = tensors.push({ name: 'normalize.mul', shape: [...shape], dtype: 'f32' }) - 1;
  const shiftT = tensors.push({ name: 'normalize.shift', shape: [c], dtype: 'f32', data: shift }) - 1;
  // The old input tensor becomes the output of the add, so every consumer is unchanged.
  tensors[input] = { ...tensors[input], name: 'normalize.add' };
  const ops: Op[] = [
    { type: 'mul', name: 'normalize.mul', inputs: [raw, scaleT], outputs: [scaled], attrs: {} },
    { type: 'add', name: 'normalize.add', inputs: [scaled, shiftT], outputs: [input], attrs: {} },
    ...model.ops,
  ];
  return { ...model, tensors, ops, inputs: [raw], metadata: normalizationToMetadata(norm, model.metadata) };
}

function checkConfig(config: DeepSenseConfig) {
  const input = config.input ?? 'frequency';
  const task = config.task ?? 'classification';
  const dropout = config.dropout ?? 0;
  const mergeKernels = config.mergeKernels ?? [3, 3, 3];
  const bad = (field: string, expected: string, found: unknown): never => fail('MODEL_ATTRIBUTE', `deepsense: ${field} must be ${expected}`, { where: { field }, expected, found });
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!Array.isArray(config.sensors) || config.sensors.length === 0) bad('sensors', 'a non-empty list', config.sensors);
  for (const s of config.sensors) if (!posInt(s.channels)) bad(`sensors.${s.name}.channels`, 'a positive integer', s.channels);
  for (const f of ['intervals', 'intervalLength', 'convFilters', 'mergeFilters', 'gruUnits', 'gruLayers', 'outputs'] as const) {
    if (!posInt(config[f])) bad(f, 'a positive integer', config[f]);
  }
  if (!config.convKernels.every(posInt)) bad('convKernels', 'positive integers', config.convKernels);
  if (!mergeKernels.every(posInt)) bad('mergeKernels', 'positive integers', mergeKernels);
  if (input !== 'time' && input !== 'frequency') bad('input', "'time' or 'frequency'", input);
  if (task !== 'classification' && task !== 'regression') bad('task', "'classification' or 'regression'", task);
  if (!(dropout >= 0 && dropout < 1)) bad('dropout', 'in [0, 1)', dropout);
  return { input, task, dropout, mergeKernels };
}
