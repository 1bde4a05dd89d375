// How the profiler and bench/time-model time things on a machine they share
// with others.
//
// - A timing is the fastest of a few batches of ~0.5 ms of runInPlace():
//   other work only ever adds time (a batch that loses the core runs long),
//   so the fastest short batch is the machine's own speed.
// - Every configuration is timed in several passes over the whole list,
//   each in its own shuffled order, keeping the fastest: busy periods last
//   seconds, and passes spread over the run see different ones.
//
// Tried and dropped: scaling each timing by a reference workload timed next
// to it. On this kind of shared host the slowdowns are not uniform across
// kernels (im2col-heavy convs slowed 1.6x while the reference did not), so
// the scaling added noise instead of removing it.
import type { Model } from '../graph/model.ts';
import { validateModel } from '../graph/validate.ts';
import { compilePlan } from '../schedule/compile.ts';
import { loadModel, type Session } from '../runtime/session.ts';
import type { WasmBuild } from '../runtime/wasm.ts';
import { makeRng } from '../util/rng.ts';
import type { Progress } from '../util/progress.ts';
import { buildOneOp, buildOverheadChain, sampleConfig, type OpConfig } from './configs.ts';
import { opFeatures, planRecords, type OpClass } from './features.ts';

/** One timing of session.runInPlace() on seeded random inputs: the fastest batch, us per run. */
export function timeSession(session: Session, batchMs: number, repeats: number): number {
  const rng = makeRng(3);
  session.inputs.forEach((s, i) => session.inputView(i).set(rng.floats(s.elements)));
  session.runInPlace();
  let t0 = performance.now();
  session.runInPlace();
  let single = performance.now() - t0;
  // A second estimate: the first call after load can still be cold.
  t0 = performance.now();
  session.runInPlace();
  single = Math.max(1e-4, Math.min(single, performance.now() - t0));
  const inner = Math.max(1, Math.min(100000, Math.round(batchMs / single)));
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const s = performance.now();
    for (let j = 0; j < inner; j++) session.runInPlace();
    best = Math.min(best, ((performance.now() - s) * 1000) / inner);
  }
  return best;
}

export interface Sample {
  cls: OpClass;
  config: OpConfig;
  features: number[];
  macs: number;
  /** Fastest timing over the passes, us per inference of the one-op model. */
  measuredUs: number;
}

/** The features of the single op of a one-op model. */
export function oneOpFeatures(model: Model, build: WasmBuild): { features: number[]; macs: number } {
  const shapes = validateModel(model);
  const plan = compilePlan(model, shapes, 0);
  const i = plan.ops.findIndex((o) => o.records.length > 0);
  const f = opFeatures(model.ops[i], shapes.ops[i], plan.ops[i].macs, plan.ops[i].weightBytes, planRecords(plan, i), build);
  return { features: f.values, macs: plan.ops[i].macs };
}

export interface TimingOptions {
  batchMs: number;
  repeats: number;
  passes: number;
  progress?: Progress;
}

/**
 * Times models in `passes` passes over the list. Per model: the fastest of
 * all passes, and of the even and odd passes apart (two independent
 * measurements, to show how well the machine repeats itself).
 */
export function timeModels(models: Model[], build: WasmBuild, o: TimingOptions, note: (i: number, pass: number) => string): { us: number; even: number; odd: number }[] {
  const out = models.map(() => ({ us: Infinity, even: Infinity, odd: Infinity }));
  // Each pass in its own shuffled order: a slow spell then hits a random
  // handful of models, differently in each pass, not a whole class at once.
  const rng = makeRng(models.length);
  for (let p = 0; p < o.passes; p++) {
    const order = models.map((_, i) => ({ i, k: rng.next() })).sort((a, b) => a.k - b.k).map((e) => e.i);
    order.forEach((i) => {
      const t = timeSession(loadModel(models[i], { build }), o.batchMs, o.repeats);
      out[i].us = Math.min(out[i].us, t);
      if (p % 2 === 0) out[i].even = Math.min(out[i].even, t);
      else out[i].odd = Math.min(out[i].odd, t);
      o.progress?.tick(1, note(i, p));
    });
  }
  return out;
}

export function measureConfigs(items: { cls: OpClass; config: OpConfig }[], build: WasmBuild, o: TimingOptions): Sample[] {
  const models = items.map((it) => buildOneOp(it.cls, it.config));
  const times = timeModels(models, build, o, (i, p) => `${build} ${items[i].cls}, pass ${p + 1}/${o.passes}`);
  return items.map((it, i): Sample => ({ ...it, ...oneOpFeatures(models[i], build), measuredUs: times[i].us }));
}

/** Times samples again (`o.passes` more passes) and keeps each one's fastest time. */
export function retime(samples: Sample[], build: WasmBuild, o: TimingOptions): void {
  const times = timeModels(samples.map((s) => buildOneOp(s.cls, s.config)), build, o, (i, p) => `${build} ${samples[i].cls}, re-timing, pass ${p + 1}/${o.passes}`);
  samples.forEach((s, i) => (s.measuredUs = Math.min(s.measuredUs, times[i].us)));
}

/**
 * Per-inference overhead: chains of n tiny ops, timed like configurations;
 * fit t = o + n * a (least squares). o is what every inference pays once.
 */
export function measureOverhead(build: WasmBuild, o: TimingOptions): number {
  const counts = [1, 2, 3, 4, 6, 8, 12, 16];
  const ts = timeModels(counts.map(buildOverheadChain), build, o, () => `${build}: overhead`).map((t) => t.us);
  const mx = counts.reduce((a, b) => a + b, 0) / counts.length;
  const my = ts.reduce((a, b) => a + b, 0) / ts.length;
  let sxy = 0;
  let sxx = 0;
  counts.forEach((n, i) => {
    sxy += (n - mx) * (ts[i] - my);
    sxx += (n - mx) ** 2;
  });
  // Never more than the one-op chain itself took.
  return Math.min(ts[0], Math.max(0, my - (sxy / sxx) * mx));
}

/** Runs every class's kernels for a while before timing starts (caches, branch predictors, lazy tiers). */
export function warmUp(build: WasmBuild, classes: readonly OpClass[], ms: number): void {
  const rng = makeRng(99);
  const sessions = classes.flatMap((cls) => [0, 1, 2].map(() => loadModel(buildOneOp(cls, sampleConfig(cls, rng)), { build })));
  const end = performance.now() + ms;
  while (performance.now() < end) for (const s of sessions) s.runInPlace();
}
