// `tinysense eval MODEL --data DIR`: the classification report of a model
// on labelled windows, computed with the runtime alone (loadModel + run per
// window, raw sensor values in: the model normalises them itself). `train`
// prints its final report with the same function, so both agree.
import { fail } from '../errors.ts';
import type { Model } from '../graph/model.ts';
import { loadModel } from '../runtime/session.ts';
import type { WasmBuild } from '../runtime/wasm.ts';
import { loadData, toWindows, splitBySubject, selectWindows, type WindowSet } from '../train/data/index.ts';
import { argmaxRows, classificationReport, formatReport, type ClassificationReport } from '../train/metrics.ts';
import { TRAINING_KEY, type TrainingRecord } from '../train/recipe.ts';
import { intOption, loadModelFile, requirePositional, type Command } from './common.ts';
import { buildOption } from './run.ts';

export interface RuntimeEvaluation {
  report: ClassificationReport;
  /** Mean wall time of one session.run, microseconds. */
  latencyUs: number;
  build: WasmBuild;
}

/**
 * Runs every window of `set` (raw values) through the runtime and reports.
 * Labels are matched by name when the model names its classes.
 */
export function evaluateOnWindows(model: Model | Uint8Array, set: WindowSet, build: WasmBuild | 'auto' = 'auto'): RuntimeEvaluation {
  const session = loadModel(model, { build });
  const input = session.inputs[0];
  const per = set.length * set.channels.length;
  if (input.elements !== per) {
    fail('RUN_INPUT', 'the data windows do not fit the model input', { expected: `[${input.shape}]`, found: `[1,${set.length},${set.channels.length}]` });
  }
  const out = session.outputs[0];
  const labels = (model instanceof Uint8Array ? undefined : model.metadata.labels) ?? set.labels;
  if (out.elements !== labels.length) fail('RUN_INPUT', 'the model output does not have one score per class', { expected: labels.length, found: out.elements });
  const toModel = set.labels.map((l, i) => (labels.includes(l) ? labels.indexOf(l) : i));
  const truth = Int32Array.from(set.y, (y) => toModel[y]);
  const predicted = new Int32Array(set.count);
  let ms = 0;
  for (let w = 0; w < set.count; w++) {
    const t0 = performance.now();
    const r = session.run([set.x.subarray(w * per, (w + 1) * per)]);
    ms += performance.now() - t0;
    predicted[w] = argmaxRows(r[out.name].data, 1, labels.length)[0];
  }
  return { report: classificationReport(truth, predicted, labels), latencyUs: set.count ? (1000 * ms) / set.count : 0, build: session.build };
}

/** The windows of `which` participants: test | validation | train (as recorded at training) | all | a comma list. */
export function selectSubjects(set: WindowSet, which: string, training?: TrainingRecord): WindowSet {
  const named = (ids: string[] | undefined, what: string): string[] => {
    if (!ids || ids.length === 0) return fail('CLI_USAGE', `the data and the model name no ${what} participants; pass --subjects with a comma list`, { found: which });
    return ids;
  };
  let subjects: string[];
  if (which === 'all') return set;
  if (which === 'test') subjects = named(training?.testSubjects ?? set.suggestedSplit?.test, 'test');
  else if (which === 'validation') subjects = named(training?.validationSubjects, 'validation');
  else if (which === 'train') subjects = named(training?.trainSubjects ?? set.suggestedSplit?.train, 'training');
  else subjects = which.split(',').map((s) => s.trim()).filter(Boolean);
  const missing = subjects.filter((s) => !set.subjects.includes(s));
  if (missing.length === subjects.length) fail('CLI_USAGE', 'none of these participants is in the data', { expected: set.subjects.join(','), found: subjects.join(',') });
  return splitBySubject(set, { test: subjects, train: [] }).test;
}

export function trainingRecord(model: Model): TrainingRecord | undefined {
  const text = model.metadata.extra?.[TRAINING_KEY];
  return text ? (JSON.parse(text) as TrainingRecord) : undefined;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'accuracy, macro-F1, per-class table and confusion matrix of a classifier on labelled data',
  help: `usage: tinysense eval MODEL.tsm --data DIR [--subjects test|validation|train|all|ID,ID] [--stride N] [--limit N] [--build relaxed|simd|scalar|auto] [--json]

Windows the data (any layout \`train\` reads: WISDM raw or compact, CSV, .npy/.npz)
at the model's input length and runs each through the runtime alone (raw sensor
values; the model normalises them). Prints accuracy, macro-F1, per-class
precision/recall/F1 and the confusion matrix.

  --data DIR      data folder or file
  --subjects S    which participants (default test: the ones recorded at training,
                  else the data's suggested test split)
  --stride N      samples between window starts (default half the window)
  --limit N       evaluate at most N windows (evenly spaced)
  --build         wasm build (default auto)
  --json          print the report as JSON`,
  options: { data: { type: 'string' }, subjects: { type: 'string' }, stride: { type: 'string' }, limit: { type: 'string' }, build: { type: 'string' }, json: { type: 'boolean' } },
  run(values, positionals) {
    const file = requirePositional(evalCommand, positionals, 'model');
    if (!values.data) fail('CLI_USAGE', 'tinysense eval needs --data DIR');
    const { model } = loadModelFile(file);
    const length = model.tensors[model.inputs[0]].shape[1];
    const all = toWindows(loadData(values.data as string), { length, stride: intOption(values, 'stride', Math.max(1, Math.floor(length / 2))) });
    let set = all.subjects.length > 0 && all.subject.every((s) => s >= 0) ? selectSubjects(all, (values.subjects as string | undefined) ?? 'test', trainingRecord(model)) : all;
    const limit = intOption(values, 'limit', set.count);
    if (limit < set.count) set = selectWindows(set, Array.from({ length: limit }, (_, i) => Math.floor((i * set.count) / limit)));
    const r = evaluateOnWindows(model, set, buildOption(values.build));
    if (values.json) {
      console.log(JSON.stringify({ model: file, data: values.data, subjects: set.subjects.filter((_, i) => set.subject.includes(i)), latencyUs: r.latencyUs, build: r.build, ...r.report }));
      return;
    }
    console.log(formatReport(r.report, `${model.name} on ${values.data} (${r.build} build, ${r.latencyUs.toFixed(0)} us per window)`));
  },
};
