// `tinysense train deepsense --data DIR -o model.tsm`: trains a DeepSense
// classifier on the runtime's own kernels (src/train/recipe.ts), with a
// progress bar, early stopping on validation participants held out from
// the training ones, and a final report on the test participants computed
// by the runtime alone (the same function as `tinysense eval`).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.ts';
import { writeModel } from '../format/write.ts';
import { loadData, splitBySubject, toWindows } from '../train/data/index.ts';
import { formatReport } from '../train/metrics.ts';
import { splitForTraining, trainDeepSenseClassifier, TRAINING_KEY, type DeepSenseArchitecture, type TrainRunOptions } from '../train/recipe.ts';
import { createProgress } from '../util/progress.ts';
import { intOption, type Command } from './common.ts';
import { evaluateOnWindows } from './eval.ts';
import { summarizeModel } from './inspect.ts';
import { buildOption } from './run.ts';

/** The default DeepSense and recipe (what models/deepsense-wisdm.tsm was trained with). */
export const TRAIN_DEFAULTS = {
  window: 200, intervals: 10, trainStride: undefined as number | undefined, workers: 2, epochs: 15, batch: 64, lr: 2e-3, weightDecay: 0.05, seed: 1, validationSubjects: 4, patience: 5,
  convFilters: 64, convKernels: [3, 3, 3], mergeFilters: 64, mergeKernels: [3, 3, 3], gruUnits: 120, gruLayers: 2, dropout: 0.2,
  labelSmoothing: 0, averageDecay: 0,
  noise: 0.05, scale: 0.1, rotationDeg: 15, shift: 20, warp: 0, mirror: 0.25, turn: 0.25,
};

function numberOption(values: Record<string, unknown>, name: string, dflt: number, min: number, max = Infinity): number {
  const raw = values[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) fail('CLI_USAGE', `--${name} must be a number in [${min}, ${max}]`, { found: String(raw) });
  return n;
}

function intsOption(values: Record<string, unknown>, name: string, dflt: number[]): number[] {
  const raw = values[name];
  if (raw === undefined) return dflt;
  const xs = String(raw).split(',').map(Number);
  if (xs.length === 0 || !xs.every((x) => Number.isInteger(x) && x >= 1)) fail('CLI_USAGE', `--${name} takes a comma list of positive integers`, { found: String(raw) });
  return xs;
}

/** Consecutive runs of x/y/z channel names (accel_x, accel_y, accel_z) are one 3-axis sensor; anything else is its own. */
export function sensorsOf(channels: string[]): { name: string; channels: number }[] {
  const sensors: { name: string; channels: number }[] = [];
  for (let i = 0; i < channels.length;) {
    const stem = (s: string | undefined, axis: string) => (s && s.toLowerCase().endsWith(`_${axis}`) ? s.slice(0, -2) : undefined);
    const a = stem(channels[i], 'x');
    if (a && stem(channels[i + 1], 'y') === a && stem(channels[i + 2], 'z') === a) {
      sensors.push({ name: a, channels: 3 });
      i += 3;
    } else {
      sensors.push({ name: channels[i].replace(/[^A-Za-z0-9_]/g, '_'), channels: 1 });
      i++;
    }
  }
  return sensors;
}

/** The command line as options (paths reduced to their last component, so no machine's folders land in a model). */
function describeCommand(values: Record<string, unknown>): string {
  const parts = Object.entries(values).filter(([k, v]) => v !== undefined && k !== 'json' && k !== 'help').map(([k, v]) => {
    const text = k === 'data' || k === 'output' ? path.basename(String(v)) : String(v);
    return v === true ? `--${k}` : `--${k} ${text}`;
  });
  return ['tinysense train deepsense', ...parts].join(' ');
}

/** Data, split and run options from the parsed `train` options (shared with bench/har-accuracy.ts). */
export function prepareTraining(values: Record<string, unknown>) {
  const D = TRAIN_DEFAULTS;
  const window = intOption(values, 'window', D.window);
  const intervals = intOption(values, 'intervals', D.intervals);
  if (window % intervals !== 0) fail('CLI_USAGE', '--window must be a multiple of --intervals', { found: `${window} / ${intervals}` });
  const stride = intOption(values, 'stride', Math.max(1, Math.floor(window / 2)));
  const seed = intOption(values, 'seed', D.seed, 0);
  const input = (values.input as string | undefined) ?? 'frequency';
  if (input !== 'frequency' && input !== 'time') fail('CLI_USAGE', '--input must be frequency or time', { found: input });
  const data = loadData(values.data as string);
  const all = toWindows(data, { length: window, stride });
  const testSubjects = values['test-subjects'] ? String(values['test-subjects']).split(',').map((s) => s.trim()) : undefined;
  const split = splitForTraining(all, { validationCount: intOption(values, 'validation-subjects', D.validationSubjects, 0), seed, stride, ...(testSubjects ? { testSubjects } : {}) });
  // Training windows may overlap more than the evaluated ones: more real time offsets of the same recordings.
  const trainStride = intOption(values, 'train-stride', D.trainStride ?? stride);
  if (trainStride !== stride) {
    split.train = splitBySubject(toWindows(data, { length: window, stride: trainStride }), { train: split.record.trainSubjects }).train;
    split.record.trainStride = trainStride;
  }
  const sensors = sensorsOf(all.channels);
  const architecture: DeepSenseArchitecture = {
    name: 'deepsense', sensors, intervals, intervalLength: window / intervals, input, seed,
    convFilters: intOption(values, 'conv-filters', D.convFilters), convKernels: intsOption(values, 'conv-kernels', D.convKernels),
    mergeFilters: intOption(values, 'merge-filters', D.mergeFilters), mergeKernels: intsOption(values, 'merge-kernels', D.mergeKernels),
    gruUnits: intOption(values, 'gru-units', D.gruUnits), gruLayers: intOption(values, 'gru-layers', D.gruLayers), dropout: numberOption(values, 'dropout', D.dropout, 0, 0.95),
  };
  let axis = 0;
  const starts = sensors.map((s) => (axis += s.channels) - s.channels);
  const rotationGroups = starts.filter((_, i) => sensors[i].channels === 3);
  // Angular rates are axial vectors (they flip differently under a mirror).
  const axialGroups = starts.filter((_, i) => sensors[i].channels === 3 && /gyr/i.test(sensors[i].name));
  const augment = values['no-augment'] ? undefined : {
    noise: numberOption(values, 'noise', D.noise, 0), scale: numberOption(values, 'scale', D.scale, 0),
    rotation: (numberOption(values, 'rotation', D.rotationDeg, 0, 180) * Math.PI) / 180, rotationGroups, shift: intOption(values, 'shift', D.shift, 0),
    warp: numberOption(values, 'warp', D.warp, 0, 0.9),
    mirror: numberOption(values, 'mirror', D.mirror, 0, 1), turn: numberOption(values, 'turn', D.turn, 0, 1), axialGroups,
  };
  const epochs = intOption(values, 'epochs', D.epochs);
  const batch = intOption(values, 'batch', D.batch);
  const workers = intOption(values, 'workers', D.workers);
  if (batch % workers !== 0) fail('CLI_USAGE', '--batch must be a multiple of --workers (each worker takes an equal share)', { expected: `a multiple of ${workers}`, found: batch });
  const options: Omit<TrainRunOptions, 'onStep' | 'onEpoch'> = {
    architecture, train: split.train, validation: split.validation, epochs, batch, seed,
    lr: numberOption(values, 'lr', D.lr, 0), weightDecay: numberOption(values, 'weight-decay', D.weightDecay, 0),
    patience: intOption(values, 'patience', D.patience), clipNorm: 5, build: buildOption(values.build),
    workers,
    labelSmoothing: numberOption(values, 'label-smoothing', D.labelSmoothing, 0, 0.5),
    averageDecay: numberOption(values, 'average', D.averageDecay, 0, 0.99999),
    ...(augment ? { augment } : {}),
  };
  return { data, all, split, options };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a DeepSense classifier on sensor data (WISDM raw/compact, CSV, .npy/.npz)',
  help: `usage: tinysense train deepsense --data DIR -o MODEL.tsm [options]

Windows the data, splits it by participant (test: --test-subjects or the data's
suggested test split; validation: --validation-subjects participants held out of
the training ones for early stopping), trains DeepSense on the runtime's kernels
and writes a .tsm that takes raw sensor values. Prints a progress bar, then the
test report (accuracy, macro-F1, per-class precision/recall, confusion matrix),
computed by the runtime as \`tinysense eval\` does.

  --data DIR                 data folder or file (layout detected)
  -o, --output FILE          the trained model (.tsm)
  --epochs N                 at most N epochs (default ${TRAIN_DEFAULTS.epochs})
  --batch B                  windows per step (default ${TRAIN_DEFAULTS.batch})
  --lr X                     peak learning rate, Adam, cosine decay after 1 warm-up epoch (default ${TRAIN_DEFAULTS.lr})
  --weight-decay X           decoupled weight decay, each step p -= lr * X * p (AdamW; default ${TRAIN_DEFAULTS.weightDecay})
  --label-smoothing X        cross-entropy target (1-X) one-hot + X/classes (default ${TRAIN_DEFAULTS.labelSmoothing})
  --average D                validate and export a moving average of the weights, decay D per step (default ${TRAIN_DEFAULTS.averageDecay}; 0: off)
  --seed S                   seeds weights, shuffling, augmentation, dropout and the validation pick (default ${TRAIN_DEFAULTS.seed})
  --validation-subjects K    participants held out for early stopping (default ${TRAIN_DEFAULTS.validationSubjects}; 0: none)
  --patience P               stop after P epochs without a better validation accuracy (default ${TRAIN_DEFAULTS.patience})
  --test-subjects ID,ID      test participants (default: the data's suggested split)
  --window N                 samples per window (default ${TRAIN_DEFAULTS.window}); --stride N (default window/2)
  --train-stride N           stride of the training windows only (default ${TRAIN_DEFAULTS.trainStride ?? '--stride'})
  --intervals N              intervals per window (default ${TRAIN_DEFAULTS.intervals})
  --input frequency|time     interval input (default frequency)
  --conv-filters N --conv-kernels K,K,K --merge-filters N --merge-kernels K,K,K
  --gru-units N --gru-layers N --dropout X        architecture (defaults: ${TRAIN_DEFAULTS.convFilters}, ${TRAIN_DEFAULTS.convKernels}, ${TRAIN_DEFAULTS.mergeFilters}, ${TRAIN_DEFAULTS.mergeKernels}, ${TRAIN_DEFAULTS.gruUnits}, ${TRAIN_DEFAULTS.gruLayers}, ${TRAIN_DEFAULTS.dropout})
  --noise X --scale X --rotation DEG --shift N    augmentation: noise and scaling relative to each channel's deviation,
                             rotation of each 3-axis sensor, time shift in samples (defaults ${TRAIN_DEFAULTS.noise}, ${TRAIN_DEFAULTS.scale}, ${TRAIN_DEFAULTS.rotationDeg}, ${TRAIN_DEFAULTS.shift})
  --warp X                   time warp: each window replayed at a pace uniform in [1-X, 1+X] (default ${TRAIN_DEFAULTS.warp})
  --mirror P --turn P        probability of mirroring a window (watch on the other wrist) and of turning it 180 degrees
                             about z (watch worn the other way round) (defaults ${TRAIN_DEFAULTS.mirror}, ${TRAIN_DEFAULTS.turn})
  --no-augment               no augmentation
  --build simd|scalar|auto   wasm build (default auto)
  --workers N                cores each batch is spread over (data-parallel; default ${TRAIN_DEFAULTS.workers});
                             the batch must divide evenly, and results depend on N (batch-norm statistics per share)
  --json                     print the run and the report as JSON`,
  options: {
    data: { type: 'string' }, output: { type: 'string', short: 'o' }, epochs: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' },
    'weight-decay': { type: 'string' }, 'label-smoothing': { type: 'string' }, average: { type: 'string' }, seed: { type: 'string' }, 'validation-subjects': { type: 'string' }, patience: { type: 'string' },
    'test-subjects': { type: 'string' }, window: { type: 'string' }, stride: { type: 'string' }, 'train-stride': { type: 'string' }, workers: { type: 'string' }, intervals: { type: 'string' }, input: { type: 'string' },
    'conv-filters': { type: 'string' }, 'conv-kernels': { type: 'string' }, 'merge-filters': { type: 'string' }, 'merge-kernels': { type: 'string' },
    'gru-units': { type: 'string' }, 'gru-layers': { type: 'string' }, dropout: { type: 'string' },
    noise: { type: 'string' }, scale: { type: 'string' }, rotation: { type: 'string' }, shift: { type: 'string' }, warp: { type: 'string' }, mirror: { type: 'string' }, turn: { type: 'string' }, 'no-augment': { type: 'boolean' },
    build: { type: 'string' }, json: { type: 'boolean' },
  },
  run(values, positionals) {
    if (positionals.length !== 1 || positionals[0] !== 'deepsense') fail('CLI_USAGE', 'tinysense train takes the architecture: deepsense', { expected: 'tinysense train deepsense --data DIR -o MODEL.tsm', found: positionals.join(' ') || 'nothing' });
    if (!values.data || !values.output) fail('CLI_USAGE', 'tinysense train deepsense needs --data DIR and -o MODEL.tsm');
    const { data, all, split, options } = prepareTraining(values);
    const { epochs, batch } = options;
    const json = Boolean(values.json);
    const log = (s: string) => (json ? console.error(s) : console.log(s));
    log(`data ${values.data} (${data.format}): ${all.count} windows of ${all.length} x ${all.channels.length}, ${all.labels.length} classes; ` +
      `train ${split.train.count} (${split.record.trainSubjects.length} participants), validation ${split.validation.count} (${split.record.validationSubjects.join(',') || 'none'}), test ${split.test.count} (${split.record.testSubjects.join(',') || 'none'})`);
    const stepsPerEpoch = Math.floor(split.train.count / batch);
    const progress = createProgress({ total: epochs * stepsPerEpoch, label: 'train' });
    const result = trainDeepSenseClassifier({
      ...options,
      onStep: (p) => progress.tick(1, `epoch ${p.epoch + 1}/${p.epochs} batch ${p.step + 1}/${p.stepsPerEpoch} loss ${p.loss.toFixed(3)}` +
        `${Number.isNaN(p.validationAccuracy) ? '' : ` val acc ${(100 * p.validationAccuracy).toFixed(1)}%`} ${p.windowsPerSecond.toFixed(0)} windows/s`),
    });
    progress.done(`${result.history.length} epochs${result.stoppedEarly ? ' (stopped early)' : ''}, best ${result.bestEpoch + 1}, ${result.windowsPerSecond.toFixed(0)} windows/s`);
    const record = { ...split.record, epochs: result.history.length, bestEpoch: result.bestEpoch + 1, seed: options.seed, command: describeCommand(values) };
    const model = { ...result.model, metadata: { ...result.model.metadata, provenance: `tinysense train deepsense (${all.count} windows from ${data.format})`, extra: { ...result.model.metadata.extra, [TRAINING_KEY]: JSON.stringify(record) } } };
    const bytes = writeModel(model);
    writeFileSync(values.output as string, bytes);
    const summary = summarizeModel(model);
    for (const e of result.history) {
      const val = Number.isNaN(e.validationAccuracy) ? 'no validation' : `validation accuracy ${(100 * e.validationAccuracy).toFixed(1)} %, macro-F1 ${e.validationMacroF1.toFixed(3)}${e.best ? ' *' : ''}`;
      log(`epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, ${val} (${e.seconds.toFixed(0)} s)`);
    }
    log(`wrote ${values.output}: ${summary.totals.params} params, ${summary.totals.macs} MACs, ${bytes.length} bytes; trained ${result.seconds.toFixed(0)} s at ${result.windowsPerSecond.toFixed(0)} windows/s`);
    const evaluation = split.test.count > 0 ? evaluateOnWindows(model, split.test, buildOption(values.build)) : undefined;
    if (json) {
      console.log(JSON.stringify({ model: values.output, params: summary.totals.params, macs: summary.totals.macs, seconds: result.seconds, windowsPerSecond: result.windowsPerSecond, bestEpoch: result.bestEpoch + 1, history: result.history, split: split.record, test: evaluation?.report ?? null }));
      return;
    }
    if (evaluation) console.log(`\n${formatReport(evaluation.report, `test participants (${split.record.testSubjects.join(',')})`)}`);
    else console.log('no test participants: pass --test-subjects to get a test report');
  },
};
