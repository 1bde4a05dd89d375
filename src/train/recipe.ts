// A training run of a DeepSense classifier on windows: normalisation from
// the training windows, seeded augmentation of every batch, Adam with a
// cosine schedule after a warm-up, evaluation on validation participants
// after each epoch with early stopping (the best epoch's weights are kept),
// and export with the normalisation as the model's first ops. Used by
// `tinysense train deepsense` and bench/har-accuracy.ts.
import { fail } from '../errors.ts';
import type { Model } from '../graph/model.ts';
import { makeRng } from '../util/rng.ts';
import { mixSeed, type Trainer } from './engine.ts';
import { createParallelTrainer } from './parallel.ts';
import { deepsense, prependNormalization, type DeepSenseConfig } from './deepsense.ts';
import { augmentWindows, type AugmentOptions } from './augment.ts';
import { argmaxRows, classificationReport, type ClassificationReport } from './metrics.ts';
import { computeNormalization, normalizeWindows, pickSubjects, splitBySubject, type Normalization } from './data/windows.ts';
import type { WindowSet } from './data/types.ts';
import type { WasmBuild } from '../runtime/wasm.ts';

/** The architecture: DeepSenseConfig without what the data decides (outputs, labels, normalisation). */
export type DeepSenseArchitecture = Omit<DeepSenseConfig, 'outputs' | 'labels' | 'normalization' | 'batch' | 'task'>;

export interface TrainRunOptions {
  architecture: DeepSenseArchitecture;
  train: WindowSet;
  /** Early stopping on these windows (other participants than `train`); none: train all epochs. */
  validation?: WindowSet;
  epochs: number;
  batch: number;
  lr: number;
  /** Decoupled weight decay (AdamW). */
  weightDecay?: number;
  /** Epochs of linear warm-up before the cosine decay. */
  warmupEpochs?: number;
  /** Epochs without a better validation accuracy before stopping (default: never stop early). */
  patience?: number;
  seed: number;
  clipNorm?: number;
  /** Label smoothing of the cross-entropy target. */
  labelSmoothing?: number;
  /** Decay of the moving average of the weights that validation and export use (none: the last weights). */
  averageDecay?: number;
  /** Augmentation of the raw training windows; noise is given relative to each channel's deviation. */
  augment?: Omit<AugmentOptions, 'noise'> & { noise?: number };
  build?: WasmBuild | 'auto';
  /** Cores to spread each batch over (data-parallel replicas, parallel.ts); default 1. The batch must divide evenly. */
  workers?: number;
  onStep?: (p: StepProgress) => void;
  /** After each epoch; `predict` gives the current eval-mode classes of raw (unnormalised) windows. */
  onEpoch?: (e: EpochSummary, predict: (raw: WindowSet) => Int32Array) => void;
}

export interface StepProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  windowsPerSecond: number;
  /** Validation accuracy after the previous epoch (NaN before the first). */
  validationAccuracy: number;
}

export interface EpochSummary {
  epoch: number;
  loss: number;
  validationAccuracy: number;
  validationMacroF1: number;
  seconds: number;
  best: boolean;
}

export interface TrainRunResult {
  /** Exported, normalisation first, the best epoch's weights. */
  model: Model;
  normalization: Normalization;
  history: EpochSummary[];
  bestEpoch: number;
  paramCount: number;
  /** Training steps only (no validation), windows per second. */
  windowsPerSecond: number;
  seconds: number;
  stoppedEarly: boolean;
}

/** Eval-mode class predictions of the trainer for already normalised windows. */
export function predictClasses(trainer: Trainer, set: WindowSet): Int32Array {
  const probs = trainer.predict(set.x, set.count);
  return argmaxRows(probs, set.count, set.labels.length);
}

export function trainDeepSenseClassifier(o: TrainRunOptions): TrainRunResult {
  const { train, batch } = o;
  if (train.count < batch) fail('RUN_INPUT', 'fewer training windows than one batch', { expected: `>= ${batch}`, found: train.count });
  const normalization = computeNormalization(train);
  const validation = o.validation && o.validation.count > 0 ? normalizeWindows(o.validation, normalization) : undefined;
  const model = deepsense({ ...o.architecture, outputs: train.labels.length, labels: train.labels, task: 'classification', batch });
  const stepsPerEpoch = Math.floor(train.count / batch);
  const warmupSteps = Math.round((o.warmupEpochs ?? 1) * stepsPerEpoch);
  const trainer = createParallelTrainer(model, {
    batch, loss: 'crossEntropy', seed: o.seed, build: o.build ?? 'auto',
    optimizer: { kind: 'adam', lr: o.lr, weightDecay: o.weightDecay ?? 0, decoupled: true },
    schedule: { kind: 'cosine', totalSteps: o.epochs * stepsPerEpoch, warmupSteps, minLr: o.lr * 0.01 },
    ...(o.clipNorm ? { clipNorm: o.clipNorm } : {}),
    ...(o.labelSmoothing ? { labelSmoothing: o.labelSmoothing } : {}),
    ...(o.averageDecay ? { averageDecay: o.averageDecay } : {}),
  }, o.workers ?? 1);
  try {
    return runEpochs(o, trainer, model, normalization, validation);
  } finally {
    trainer.close();
  }
}

function runEpochs(o: TrainRunOptions, trainer: Trainer, model: Model, normalization: Normalization, validation: WindowSet | undefined): TrainRunResult {
  const { train, batch } = o;
  const channels = train.channels.length;
  const per = train.length * channels;
  const stepsPerEpoch = Math.floor(train.count / batch);
  const augment: AugmentOptions | undefined = o.augment ? { ...o.augment, ...(o.augment.noise ? { noise: normalization.std.map((s) => s * o.augment!.noise!) } : {}) } : undefined;
  const rng = makeRng(mixSeed(o.seed, 0xa09));
  const order = Int32Array.from({ length: train.count }, (_, i) => i);
  const bx = new Float32Array(batch * per);
  const by = new Int32Array(batch);
  // f64 coefficients (what models/deepsense-wisdm.tsm was trained with); the exported model applies them in f32.
  const scale = normalization.std.map((s) => 1 / s);
  const shift = normalization.mean.map((m, i) => -m / normalization.std[i]);
  const history: EpochSummary[] = [];
  let best: { accuracy: number; epoch: number; model: Model } | undefined;
  let trainMs = 0;
  let trained = 0;
  let lastAccuracy = NaN;
  const start = performance.now();
  let stoppedEarly = false;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const epochStart = performance.now();
    for (let i = train.count - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const t0 = performance.now();
      for (let r = 0; r < batch; r++) {
        const w = order[s * batch + r];
        bx.set(train.x.subarray(w * per, (w + 1) * per), r * per);
        by[r] = train.y[w];
      }
      if (augment) augmentWindows(bx, batch, train.length, channels, augment, rng);
      for (let i = 0; i < bx.length; i++) {
        const c = i % channels;
        bx[i] = bx[i] * scale[c] + shift[c];
      }
      const { loss } = trainer.trainStep(bx, by);
      if (!Number.isFinite(loss)) fail('RUN_WASM', `training diverged: loss ${loss} at epoch ${epoch + 1}, step ${s + 1} (lower --lr)`);
      trainMs += performance.now() - t0;
      trained += batch;
      lossSum += loss;
      o.onStep?.({ epoch, epochs: o.epochs, step: s, stepsPerEpoch, loss: lossSum / (s + 1), windowsPerSecond: trained / (trainMs / 1000), validationAccuracy: lastAccuracy });
    }
    let report: ClassificationReport | undefined;
    if (validation) report = classificationReport(validation.y, predictClasses(trainer, validation), validation.labels);
    lastAccuracy = report?.accuracy ?? NaN;
    const improved = !validation || !best || report!.accuracy > best.accuracy;
    if (improved) best = { accuracy: report?.accuracy ?? NaN, epoch, model: trainer.exportModel() };
    const summary: EpochSummary = { epoch, loss: lossSum / stepsPerEpoch, validationAccuracy: lastAccuracy, validationMacroF1: report?.macroF1 ?? NaN, seconds: (performance.now() - epochStart) / 1000, best: improved };
    history.push(summary);
    o.onEpoch?.(summary, (raw) => predictClasses(trainer, normalizeWindows(raw, normalization)));
    if (o.patience !== undefined && validation && epoch - best!.epoch >= o.patience) {
      stoppedEarly = epoch < o.epochs - 1;
      break;
    }
  }
  return {
    model: prependNormalization(best!.model, normalization),
    normalization, history, bestEpoch: best!.epoch, paramCount: trainer.paramCount,
    windowsPerSecond: trained / (trainMs / 1000), seconds: (performance.now() - start) / 1000, stoppedEarly,
  };
}

/** The ModelMetadata.extra key recording how a model was trained (JSON TrainingRecord). */
export const TRAINING_KEY = 'training';

/** What a trained model's metadata records about its data and run. */
export interface TrainingRecord {
  trainSubjects: string[];
  validationSubjects: string[];
  testSubjects: string[];
  windowLength: number;
  stride: number;
  /** Stride of the training windows when it differs from `stride`. */
  trainStride?: number;
  command?: string;
  epochs?: number;
  bestEpoch?: number;
  seed?: number;
}

export interface TrainingSplit {
  train: WindowSet;
  validation: WindowSet;
  test: WindowSet;
  record: TrainingRecord;
}

/**
 * Splits windows by participant for training: test participants are the
 * given ones or the data's suggested test split; the training pool is the
 * suggested training split or everyone else; `validationCount` participants
 * of the pool (a seeded pick) are held out for early stopping.
 */
export function splitForTraining(set: WindowSet, o: { validationCount: number; seed: number; testSubjects?: string[]; stride: number }): TrainingSplit {
  const test = o.testSubjects ?? set.suggestedSplit?.test ?? [];
  const pool = (set.suggestedSplit?.train ?? set.subjects).filter((s) => !test.includes(s) && set.subjects.includes(s));
  const validation = o.validationCount > 0 ? pickSubjects(pool, Math.min(o.validationCount, pool.length - 1), o.seed) : [];
  const train = pool.filter((s) => !validation.includes(s));
  const parts = splitBySubject(set, { train, validation, test });
  return { ...parts, record: { trainSubjects: train, validationSubjects: validation, testSubjects: test, windowLength: set.length, stride: o.stride } };
}
