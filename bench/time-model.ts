// bench/time-model: how well the execution-time model predicts latency on
// this machine. A seeded sampler over the builder makes random conv / GRU /
// LSTM / dense stacks of random widths (odd ones too); each whole model is
// timed and compared with predictLatency, and with the FLOPs-proportional
// baseline. Per op class, fresh configurations the profiler never saw are
// timed as one-op models and compared with their tree. The zoo models
// (test/fixtures/onnx/*.onnx, through importOnnx) are added when present.
//
//   npm run bench:time-model -- [--profile profile.json | --full] [--seed 1] [--models 200] [--configs 100] [--build simd] [--passes 6] [--misses] [--layers]
//
// Without --profile a profile of the chosen build (quick, or --full) is made
// first, in this process (its samples come from another seed than the
// held-out configurations). Compare in one process: two Node processes can
// run the same kernel at different speeds (conv up to 1.6x apart on this
// shared host, while other kernels agreed), so a profile file made by
// another process carries that difference into every comparison.
// Run under node --no-liftoff --no-wasm-dynamic-tiering (the npm script
// does): optimised wasm from the first call, as a long-running process has.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createBuilder, type TensorRef } from '../src/graph/builder.ts';
import type { Model } from '../src/graph/model.ts';
import type { WasmBuild } from '../src/runtime/wasm.ts';
import { makeRng, type Rng } from '../src/util/rng.ts';
import { createProgress } from '../src/util/progress.ts';
import { runProfile } from '../src/timemodel/profile.ts';
import { oneOpFeatures, timeModels, warmUp } from '../src/timemodel/timing.ts';
import { readProfileFile, type TimeProfile } from '../src/timemodel/profile-file.ts';
import { predictLatency } from '../src/timemodel/predict.ts';
import { loadModel } from '../src/runtime/session.ts';
import { predictTree } from '../src/timemodel/tree.ts';
import { OP_CLASSES, type OpClass } from '../src/timemodel/features.ts';
import { buildOneOp, sampleConfig } from '../src/timemodel/configs.ts';
import { describeMachine } from './machine.ts';

const { values } = parseArgs({
  options: {
    profile: { type: 'string' }, seed: { type: 'string' }, models: { type: 'string' },
    configs: { type: 'string' }, misses: { type: 'boolean' }, layers: { type: 'boolean' }, build: { type: 'string' }, passes: { type: 'string' }, full: { type: 'boolean' },
  },
});
const seed = Number(values.seed ?? 1);
const modelCount = Number(values.models ?? 200);
const configCount = Number(values.configs ?? 100);
const passes = Number(values.passes ?? 6);
const build = (values.build ?? 'simd') as WasmBuild;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------
// The architecture sampler: deterministic given the seed.

/** A width in [lo, hi], log-uniform, odd about a third of the time. */
function width(rng: Rng, lo: number, hi: number): number {
  const v = Math.round(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))));
  const r = rng.next();
  const snapped = r < 0.35 ? v | 1 : r < 0.6 ? Math.max(lo, Math.round(v / 8) * 8) : v;
  return Math.min(hi, Math.max(lo, snapped));
}

const act = (rng: Rng) => rng.pick(['relu', 'relu', 'none', 'tanh', 'relu6'] as const);

export function sampleArchitecture(rng: Rng, index: number): Model {
  const family = rng.pick(['conv1d', 'conv1d', 'conv2d', 'recurrent', 'mlp', 'convrnn'] as const);
  const b = createBuilder(`random-${index}-${family}`, { seed: index + 1 });
  let x: TensorRef;
  if (family === 'conv1d' || family === 'convrnn') {
    x = b.input('x', [1, width(rng, 32, 256), width(rng, 1, 12)]);
    const convs = rng.int(1, 4);
    for (let i = 0; i < convs; i++) {
      const kernel = rng.pick([3, 5, 7]);
      if (x.shape[1] < kernel + 2) break;
      x = b.conv1d(x, { filters: width(rng, 3, 96), kernel, stride: rng.pick([1, 1, 2]), padding: rng.pick(['same', 'valid'] as const), activation: act(rng) });
      if (rng.next() < 0.3 && x.shape[1] >= 8) x = b.depthwiseConv1d(x, { kernel: 3, padding: 'same', activation: 'relu' });
      if (rng.next() < 0.4 && x.shape[1] >= 4) x = b.op('maxPool1d', [x], { kernel: [2], strides: [2] })[0];
    }
    if (family === 'convrnn') x = rng.next() < 0.5 ? b.gru(x, { units: width(rng, 8, 96) }) : b.lstm(x, { units: width(rng, 8, 64) });
    else x = b.op('globalAvgPool', [x])[0];
  } else if (family === 'conv2d') {
    const side = width(rng, 8, 32);
    x = b.input('x', [1, side, side, width(rng, 1, 4)]);
    const convs = rng.int(1, 3);
    for (let i = 0; i < convs; i++) {
      if (x.shape[1] < 5) break;
      x = b.conv2d(x, { filters: width(rng, 4, 48), kernel: [3, 3], strides: rng.next() < 0.4 ? [2, 2] : [1, 1], padding: 'same', activation: act(rng) });
      if (rng.next() < 0.3) x = b.depthwiseConv2d(x, { kernel: [3, 3], padding: 'same', activation: 'relu' });
      if (rng.next() < 0.3 && x.shape[1] >= 4) x = b.op(rng.next() < 0.5 ? 'maxPool2d' : 'avgPool2d', [x], { kernel: [2, 2], strides: [2, 2] })[0];
    }
    x = b.op('globalAvgPool', [x])[0];
  } else if (family === 'recurrent') {
    x = b.input('x', [1, width(rng, 16, 128), width(rng, 3, 16)]);
    const layers = rng.int(1, 2);
    const units = width(rng, 8, 96);
    x = rng.next() < 0.5 ? b.gru(x, { units, layers }) : b.lstm(x, { units: Math.min(units, 64), layers });
  } else {
    x = b.input('x', [1, width(rng, 16, 512)]);
  }
  const denses = rng.int(family === 'mlp' ? 2 : 0, family === 'mlp' ? 4 : 2);
  for (let i = 0; i < denses; i++) x = b.dense(x, { units: width(rng, 8, 256), activation: act(rng) });
  x = b.dense(x, { units: rng.int(2, 12) });
  if (rng.next() < 0.3) x = b.op('sigmoid', [x])[0];
  b.output(b.softmax(x), 'y');
  return b.build({ provenance: 'bench/time-model sampler' });
}

// ---------------------------------------------------------------------------

async function zooModels(): Promise<{ models: Model[]; note: string }> {
  const dir = path.join(root, 'test/fixtures/onnx');
  const importer = path.join(root, 'src/importers/onnx/index.ts');
  if (!existsSync(dir) || !existsSync(importer)) return { models: [], note: 'zoo: skipped (no test/fixtures/onnx or no ONNX importer in this tree)' };
  const { importOnnx } = (await import(pathToFileURL(importer).href)) as { importOnnx: (b: Uint8Array, o: { file: string }) => Model };
  const models: Model[] = [];
  const skipped: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.onnx')).sort()) {
    try {
      models.push(importOnnx(new Uint8Array(readFileSync(path.join(dir, f))), { file: f }));
    } catch (e) {
      skipped.push(`${f} (${(e as Error).message.split(';')[0]})`);
    }
  }
  return { models, note: `zoo: ${models.length} models from test/fixtures/onnx${skipped.length ? `; not imported: ${skipped.join(', ')}` : ''}` };
}

interface Row {
  name: string;
  zoo: boolean;
  measuredUs: number;
  /** Two independent measurements (even and odd passes). */
  evenUs: number;
  oddUs: number;
  predictedUs: number;
  baselineUs: number;
}

function summarise(errs: number[]): { within: number; rmspe: number; bias: number } {
  const sorted = [...errs].sort((a, b) => a - b);
  return {
    bias: sorted.length ? sorted[sorted.length >> 1] : 0,
    within: errs.filter((e) => Math.abs(e) <= 0.1).length / Math.max(1, errs.length),
    rmspe: Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / Math.max(1, errs.length)),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const progress = createProgress({ total: 1, label: 'bench/time-model' });
  let profile: TimeProfile;
  let profileNote: string;
  if (values.profile) {
    profile = readProfileFile(values.profile);
    profileNote = `profile ${values.profile} (${profile.mode}, ${profile.createdAt})`;
  } else {
    const t0 = performance.now();
    profile = runProfile({ quick: !values.full, builds: [build], seed: seed + 7, progress: createProgress({ total: 1, label: 'profile' }) });
    profileNote = `${profile.mode} profile made in this run (${((performance.now() - t0) / 1000).toFixed(0)} s, seed ${seed + 7})`;
  }
  const bp = profile.builds[build];
  if (!bp) throw new Error(`the profile has no ${build} build`);

  const rng = makeRng(seed);
  const random = Array.from({ length: modelCount }, (_, i) => sampleArchitecture(rng, i));
  const zoo = await zooModels();
  const models = [...random, ...zoo.models];
  const classes = OP_CLASSES.filter((c) => bp.classes[c]);
  const heldRng = makeRng(seed * 31 + 1000003);
  const held = classes.flatMap((cls) => Array.from({ length: configCount }, () => ({ cls, config: sampleConfig(cls, heldRng) })));

  progress.setTotal(passes * (models.length + held.length));
  warmUp(build, classes, 500);
  const timing = { batchMs: 0.5, repeats: 5, passes, progress };
  const times = timeModels(models, build, timing, (_, p) => `models, pass ${p + 1}/${passes}`);
  const rows: Row[] = models.map((m, i) => {
    const pred = predictLatency(m, profile, { build });
    return { name: m.name, zoo: i >= random.length, measuredUs: times[i].us, evenUs: times[i].even, oddUs: times[i].odd, predictedUs: pred.totalUs, baselineUs: pred.baselineUs };
  });
  const heldModels = held.map((h) => buildOneOp(h.cls, h.config));
  const heldTimes = timeModels(heldModels, build, timing, (i, p) => `held-out ${held[i].cls}, pass ${p + 1}/${passes}`);
  const heldSamples = held.map((h, i) => ({ ...h, ...oneOpFeatures(heldModels[i], build), measuredUs: heldTimes[i].us, evenUs: heldTimes[i].even, oddUs: heldTimes[i].odd }));
  progress.done();

  const err = (r: Row, key: 'predictedUs' | 'baselineUs') => (r[key] - r.measuredUs) / r.measuredUs;
  const lines = [
    `bench/time-model on ${describeMachine()}, ${build} build, seed ${seed}`,
    `${profileNote}; profiled on ${profile.machine.cpu}, ${profile.machine.cores} cores, Node ${profile.machine.node}`,
    `measured: fastest of ${passes} passes over all models, each the fastest of 5 batches of ~0.5 ms (runInPlace)`,
    '',
    'whole models                          n   within +-10 %   RMSPE   median err | FLOPs baseline: within +-10 %   RMSPE',
  ];
  const groups: [string, Row[]][] = [['random architectures', rows.filter((r) => !r.zoo)], ['zoo', rows.filter((r) => r.zoo)], ['all', rows]];
  for (const [label, rs] of groups) {
    if (rs.length === 0) continue;
    const t = summarise(rs.map((r) => err(r, 'predictedUs')));
    const f = summarise(rs.map((r) => err(r, 'baselineUs')));
    lines.push(`${label.padEnd(34)} ${String(rs.length).padStart(4)}   ${pct(t.within).padStart(11)}   ${pct(t.rmspe).padStart(7)}   ${pct(t.bias).padStart(8)}   | ${pct(f.within).padStart(28)}   ${pct(f.rmspe).padStart(7)}`);
  }
  // The ceiling for any predictor: how often the machine agrees with itself.
  const rep = summarise(rows.map((r) => (r.evenUs - r.oddUs) / r.oddUs));
  lines.push(`${'repeatability: even vs odd passes'.padEnd(34)} ${String(rows.length).padStart(4)}   ${pct(rep.within).padStart(11)}   ${pct(rep.rmspe).padStart(7)}`);
  lines.push(zoo.note);
  for (const r of rows.filter((x) => x.zoo)) {
    lines.push(`  ${r.name.padEnd(24)} measured ${r.measuredUs.toFixed(1).padStart(8)} us  predicted ${r.predictedUs.toFixed(1).padStart(8)} us (${pct(err(r, 'predictedUs'))})  FLOPs ${r.baselineUs.toFixed(1).padStart(8)} us (${pct(err(r, 'baselineUs'))})`);
  }
  lines.push('', `per op class, held-out one-op configurations (${configCount} each, seed ${seed * 31 + 1000003}):`, 'class          within +-10 %   RMSPE    | FLOPs baseline within +-10 % | repeatability within +-10 %');
  const heldError = (s: (typeof heldSamples)[number]) => (Math.max(0, predictTree(bp.classes[s.cls as OpClass]!.tree, s.features)) + bp.overheadUs - s.measuredUs) / s.measuredUs;
  for (const cls of classes) {
    const ss = heldSamples.filter((s) => s.cls === cls);
    const t = summarise(ss.map(heldError));
    const f = summarise(ss.map((s) => (bp.usPerMac * s.macs - s.measuredUs) / s.measuredUs));
    const r = summarise(ss.map((s) => (s.evenUs - s.oddUs) / s.oddUs));
    lines.push(`${cls.padEnd(14)} ${pct(t.within).padStart(13)}   ${pct(t.rmspe).padStart(7)}  | ${pct(f.within).padStart(28)} | ${pct(r.within).padStart(27)}`);
  }
  lines.push('', 'worst held-out configuration per class:');
  for (const cls of classes) {
    const scored = heldSamples.filter((s) => s.cls === cls).map((s) => ({ s, e: heldError(s) }));
    scored.sort((a, b) => Math.abs(b.e) - Math.abs(a.e));
    // --misses: every held-out configuration off by more than 10 %, not just the worst.
    for (const m of values.misses ? scored.filter((x) => Math.abs(x.e) > 0.1) : scored.slice(0, 1)) {
      lines.push(`  ${cls.padEnd(12)} measured ${m.s.measuredUs.toFixed(2).padStart(9)} us (${pct(m.e)}, even/odd ${pct((m.s.evenUs - m.s.oddUs) / m.s.oddUs)})  ${JSON.stringify(m.s.config)}`);
    }
  }
  const worst = [...rows].sort((a, b) => Math.abs(err(b, 'predictedUs')) - Math.abs(err(a, 'predictedUs'))).slice(0, 5);
  lines.push('', 'worst predicted models:');
  for (const r of worst) {
    lines.push(`  ${r.name.padEnd(28)} measured ${r.measuredUs.toFixed(2).padStart(9)} us  predicted ${r.predictedUs.toFixed(2).padStart(9)} us (${pct(err(r, 'predictedUs'))})`);
    // --layers: each layer's prediction next to its time inside the model (runTraced, fastest of 200).
    if (values.layers) for (const l of layerTimes(models[rows.indexOf(r)], profile, build)) lines.push(`      ${l}`);
  }
  console.log(lines.join('\n'));
}

function layerTimes(model: Model, profile: TimeProfile, build: WasmBuild): string[] {
  const session = loadModel(model, { build });
  const inputs = session.inputs.map((s) => new Float32Array(s.elements).map((_, i) => Math.sin(i)));
  const best = new Array<number>(model.ops.length).fill(Infinity);
  for (let r = 0; r < 200; r++) session.runTraced(inputs).ops.forEach((o, i) => (best[i] = Math.min(best[i], o.ms * 1000)));
  return predictLatency(model, profile, { build }).layers.map((l, i) => `${l.type.padEnd(18)} predicted ${l.us.toFixed(2).padStart(8)} us  in the model ${best[i].toFixed(2).padStart(8)} us`);
}

// Run as a script (the sampler is importable without running the bench).
if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
