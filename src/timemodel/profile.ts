// The profiler: times every kernel class on this machine, on sampled
// configurations, each as a one-op model run the way the runtime runs any
// model (loadModel, then runInPlace: one wasm call over the op list), and
// fits a model tree per class (tree.ts) on the features of features.ts.
//
// Per-inference overhead (the call into wasm, the interpreter's entry) is
// fitted separately from chains of 1..16 tiny ops and subtracted, so a
// model's latency is that overhead plus the sum of its ops' predictions.
//
// Sampling is adaptive, as in nn-Meter (Zhang et al. 2021, "nn-Meter:
// towards accurate latency prediction of deep-learning model inference on
// diverse edge devices", section 4.3): after a first fit, fresh probe
// configurations are timed, and around every probe the tree misses by more
// than 10 % more neighbours are timed before the final fit.
import os from 'node:os';
import { availableBuilds, type WasmBuild } from '../runtime/wasm.ts';
import { makeRng } from '../util/rng.ts';
import type { Progress } from '../util/progress.ts';
import { neighbourConfig, sampleConfig, type OpConfig } from './configs.ts';
import { CLASS_FEATURES, OP_CLASSES, type OpClass } from './features.ts';
import { fitModelTree, predictTree } from './tree.ts';
import { measureConfigs, measureOverhead, retime, warmUp, type Sample } from './timing.ts';
import { kernelsHash, PROFILE_SCHEMA, PROFILE_SCHEMA_VERSION, runtimeVersion, type BuildProfile, type ClassProfile, type MachineInfo, type TimeProfile } from './profile-file.ts';

export type { Sample };

export interface ProfileOptions {
  quick?: boolean;
  builds?: WasmBuild[];
  classes?: OpClass[];
  seed?: number;
  progress?: Progress;
  /** Scales every sample count (tests use a small one). */
  sampleScale?: number;
}

interface Plan {
  initial: number;
  probes: number;
  rounds: number;
  neighbours: number;
  /** Target wall time of one timed batch, ms, and batches per timing (the fastest counts). */
  batchMs: number;
  repeats: number;
  /** Timings of each config, spread over the run (the fastest is kept). */
  passes: number;
}

/** Each build samples its own configurations (seeded apart). */
const BUILD_SEED_OFFSET: Record<WasmBuild, number> = { simd: 0, scalar: 1, relaxed: 2 };

const PLANS: Record<'quick' | 'full', Plan> = {
  quick: { initial: 150, probes: 50, rounds: 1, neighbours: 3, batchMs: 0.5, repeats: 5, passes: 2 },
  full: { initial: 1000, probes: 200, rounds: 2, neighbours: 3, batchMs: 0.5, repeats: 5, passes: 3 },
};

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return { cpu: (cpus[0]?.model ?? 'unknown CPU').trim(), cores: cpus.length, node: process.version, platform: os.platform(), arch: os.arch() };
}

/** Fits one class's tree on its samples; the target is the op's own time (overhead removed). */
export function fitClass(cls: OpClass, samples: Sample[], overheadUs: number, seed: number): ClassProfile {
  const spec = CLASS_FEATURES[cls];
  const X = samples.map((s) => s.features);
  const y = samples.map((s) => Math.max(0, s.measuredUs - overheadUs));
  // Relative error on what a whole inference of the sample measured.
  const weights = samples.map((s) => 1 / Math.max(1e-3, s.measuredUs) ** 2);
  const regressors = spec.regressors.map((r) => spec.features.indexOf(r));
  const fit = fitModelTree(X, y, {
    featureNames: [...spec.features],
    regressors,
    weights,
    nonNegative: true,
    maxLeaves: 16,
    minLeaf: Math.max(regressors.length + 3, Math.min(12, Math.floor(samples.length / 25))),
    seed,
  });
  const held = fit.validation.length > 0 ? fit.validation : samples.map((_, i) => i);
  const errs = held.map((i) => relativeError(Math.max(0, predictTree(fit.tree, X[i])) + overheadUs, samples[i].measuredUs));
  return {
    tree: fit.tree,
    samples: samples.length,
    leaves: fit.leaves,
    validation: { rows: held.length, within10: errs.filter((e) => Math.abs(e) <= 0.1).length / errs.length, rmspe: Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / errs.length) },
  };
}

export function relativeError(predicted: number, measured: number): number {
  return (predicted - measured) / measured;
}

/** One constant time per MAC (through the origin), fitted for least relative error. */
export function fitUsPerMac(samples: Sample[], overheadUs: number): number {
  let num = 0;
  let den = 0;
  for (const s of samples) {
    const y = Math.max(1e-3, s.measuredUs - overheadUs);
    num += s.macs / y;
    den += (s.macs / y) ** 2;
  }
  return den > 0 ? num / den : 0;
}

/** Profiles the machine; returns the profile to save (see profile-file.ts). */
export function runProfile(options: ProfileOptions = {}): TimeProfile {
  const mode = options.quick ? 'quick' : 'full';
  const base = PLANS[mode];
  const scale = options.sampleScale ?? 1;
  const plan: Plan = { ...base, initial: Math.max(4, Math.round(base.initial * scale)), probes: Math.max(2, Math.round(base.probes * scale)) };
  const builds = options.builds ?? availableBuilds();
  const classes = options.classes ?? [...OP_CLASSES];
  const seed = options.seed ?? 1;
  const progress = options.progress;
  const neighbourBudget = Math.round(plan.probes * plan.neighbours * 0.5);
  const perClass = plan.initial + plan.rounds * (plan.probes + neighbourBudget * 0.6);
  // Configurations x passes, the overhead chains, and (a guess) the re-timed share.
  const expected = Math.round(builds.length * (classes.length * perClass * plan.passes * 1.15 + 8 * plan.passes * 2));
  progress?.setTotal(expected);

  const out: Record<string, BuildProfile> = {};
  for (const build of builds) {
    warmUp(build, classes, mode === 'quick' ? 300 : 1000);
    const timing = { batchMs: plan.batchMs, repeats: plan.repeats, passes: plan.passes, progress };
    const overheadUs = measureOverhead(build, { ...timing, passes: plan.passes * 2 });
    const rngs = new Map(classes.map((cls) => [cls, makeRng(seed * 7919 + OP_CLASSES.indexOf(cls) * 104729 + BUILD_SEED_OFFSET[build])]));
    const samples = new Map<OpClass, Sample[]>(classes.map((cls) => [cls, []]));
    const all = () => [...samples.values()].flat();
    const measure = (items: { cls: OpClass; config: OpConfig }[]) => {
      for (const s of measureConfigs(items, build, timing)) samples.get(s.cls)!.push(s);
    };
    measure(classes.flatMap((cls) => Array.from({ length: plan.initial }, () => ({ cls, config: sampleConfig(cls, rngs.get(cls)!) }))));
    for (let round = 0; round < plan.rounds; round++) {
      const fits = new Map(classes.map((cls) => [cls, fitClass(cls, samples.get(cls)!, overheadUs, seed)]));
      const probes = measureConfigs(classes.flatMap((cls) => Array.from({ length: plan.probes }, () => ({ cls, config: sampleConfig(cls, rngs.get(cls)!) }))), build, timing);
      // Around each probe the current tree misses by > 10 %, time neighbours.
      const near: { cls: OpClass; config: OpConfig }[] = [];
      const budget = new Map(classes.map((cls) => [cls, neighbourBudget]));
      for (const probe of probes) {
        samples.get(probe.cls)!.push(probe);
        const predicted = Math.max(0, predictTree(fits.get(probe.cls)!.tree, probe.features)) + overheadUs;
        if (Math.abs(relativeError(predicted, probe.measuredUs)) <= 0.1) continue;
        for (let k = 0; k < plan.neighbours && budget.get(probe.cls)! > 0; k++) {
          budget.set(probe.cls, budget.get(probe.cls)! - 1);
          near.push({ cls: probe.cls, config: neighbourConfig(probe.cls, probe.config, rngs.get(probe.cls)!) });
        }
      }
      measure(near);
    }
    // Other work only ever slows a timing down: samples measured well above
    // their class's fit get more timings (the fastest is kept) before the final fit.
    const slow = classes.flatMap((cls) => {
      const fit = fitClass(cls, samples.get(cls)!, overheadUs, seed);
      return samples.get(cls)!.filter((s) => s.measuredUs > 1.1 * (Math.max(0, predictTree(fit.tree, s.features)) + overheadUs));
    });
    retime(slow, build, timing);
    const classProfiles: Partial<Record<OpClass, ClassProfile>> = {};
    for (const cls of classes) classProfiles[cls] = fitClass(cls, samples.get(cls)!, overheadUs, seed);
    out[build] = { wasmSha256: kernelsHash(build), overheadUs, usPerMac: fitUsPerMac(all(), overheadUs), classes: classProfiles };
  }
  progress?.done();
  return {
    schema: PROFILE_SCHEMA,
    schemaVersion: PROFILE_SCHEMA_VERSION,
    tinysenseVersion: runtimeVersion(),
    createdAt: new Date().toISOString(),
    mode,
    machine: describeMachine(),
    builds: out,
  };
}
