// Latency prediction from a profile, without running anything: each op's
// features (features.ts) go through its class's model tree, and a model's
// latency is the profile's per-inference overhead plus the sum of its ops.
// Beside it, the FLOPs-proportional baseline (one constant time per MAC,
// fitted on the same samples) shows what counting MACs alone would say.
import type { Model } from '../graph/model.ts';
import { validateModel } from '../graph/validate.ts';
import { compilePlan } from '../schedule/compile.ts';
import { fail } from '../errors.ts';
import { WASM_BUILDS, type WasmBuild } from '../runtime/wasm.ts';
import { opFeatures, planRecords, type OpKind } from './features.ts';
import { predictTree } from './tree.ts';
import type { BuildProfile, TimeProfile } from './profile-file.ts';

export interface LayerPrediction {
  name: string;
  type: string;
  kind: OpKind;
  macs: number;
  /** Predicted time of this op, us (0 for ops that run nothing, such as reshape). */
  us: number;
  /** The FLOPs-proportional baseline for this op, us. */
  baselineUs: number;
  /** The op has no class of its own (copies) or its class was not profiled: a rougher estimate. */
  approximate: boolean;
}

export interface LatencyPrediction {
  build: WasmBuild;
  layers: LayerPrediction[];
  overheadUs: number;
  /** overheadUs + the layers' sum. */
  totalUs: number;
  /** usPerMac x the model's MACs. */
  baselineUs: number;
}

/** The build a prediction uses by default: the one 'auto' loads on the profiled machine (the fastest it has). */
export function defaultBuild(profile: TimeProfile): WasmBuild {
  return WASM_BUILDS.find((b) => profile.builds[b]) ?? 'scalar';
}

export function predictLatency(model: Model, profile: TimeProfile, options: { build?: WasmBuild } = {}): LatencyPrediction {
  const build = options.build ?? defaultBuild(profile);
  const bp = profile.builds[build];
  if (!bp) {
    return fail('TIMEMODEL_PROFILE', `the profile has no ${build} build`, { where: { field: `builds.${build}` }, expected: build, found: Object.keys(profile.builds).join(', ') });
  }
  const shapes = validateModel(model);
  const plan = compilePlan(model, shapes, 0);
  const layers = model.ops.map((op, i): LayerPrediction => {
    const p = plan.ops[i];
    const f = opFeatures(op, shapes.ops[i], p.macs, p.weightBytes, planRecords(plan, i), build);
    const baselineUs = bp.usPerMac * p.macs;
    if (f.kind === 'free') return { name: op.name, type: op.type, kind: f.kind, macs: p.macs, us: 0, baselineUs, approximate: false };
    const cp = bp.classes[f.kind];
    const us = cp ? Math.max(0, predictTree(cp.tree, f.values)) : baselineUs;
    return { name: op.name, type: op.type, kind: f.kind, macs: p.macs, us, baselineUs, approximate: f.approximate || !cp };
  });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    build,
    layers,
    overheadUs: bp.overheadUs,
    totalUs: bp.overheadUs + sum(layers.map((l) => l.us)),
    baselineUs: sum(layers.map((l) => l.baselineUs)),
  };
}

export type { BuildProfile };
