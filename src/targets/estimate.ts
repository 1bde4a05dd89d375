// The cost model: what one inference of a model costs on a target profile,
// layer by layer. Pure arithmetic on the compiled plan (no wasm instance):
//
//   cycles(op)  = work(op) x cyclesPerMac[class][dtype][quality] + overheadCycles
//   latency     = cycles / clockHz
//   energy      = activePowerW x latency
//   ops         = 2 x MACs (a multiply and an add), GOP/s = ops / latency, GOP/W = GOP/s / activePowerW
//
// Memory: SRAM holds the activation arena, kernel scratch and the runtime's
// own RAM; flash holds the weights and the runtime's code. With dtype int8 the
// arena and scratch are scaled by 1/4 and weights count one byte per
// parameter: the plan is f32, and an int8 plan of the same graph has the same
// lifetimes with every buffer a quarter of the size.
import type { Model } from '../graph/model.ts';
import { elementCount } from '../graph/model.ts';
import { validateModel } from '../graph/validate.ts';
import { compilePlan, type CompiledPlan } from '../schedule/compile.ts';
import { measureBudget } from '../runtime/budget.ts';
import { classifyOp } from './classes.ts';
import { provisionalFields, type CostDType, type KernelClass, type Quality, type TargetProfile } from './profile.ts';

export interface EstimateOptions {
  quality?: Quality;
  dtype?: CostDType;
  /** Inferences per second, for the duty-cycle average power. */
  rateHz?: number;
  /** Battery capacity, for the battery life at that rate. */
  battery?: { mAh: number; volts: number };
}

export interface LayerEstimate {
  index: number;
  name: string;
  type: string;
  cls: KernelClass | null;
  macs: number;
  ops: number;
  weightBytes: number;
  activationBytes: number;
  cycles: number;
  latencyMs: number;
  energyUj: number;
  gopPerS: number;
  gopPerW: number;
}

export interface TargetEstimate {
  target: string;
  board: string;
  quality: Quality;
  dtype: CostDType;
  model: string;
  layers: LayerEstimate[];
  totals: { macs: number; ops: number; weightBytes: number; cycles: number; latencyMs: number; energyUj: number; gopPerS: number; gopPerW: number };
  memory: {
    arenaBytes: number;
    scratchBytes: number;
    runtimeSramBytes: number;
    sramUsedBytes: number;
    sramBytes: number;
    sramOverBytes: number;
    weightBytes: number;
    runtimeFlashBytes: number;
    flashUsedBytes: number;
    flashBytes: number;
    flashOverBytes: number;
    /** The op where the live activations peak. */
    peakOp: { index: number; name: string; type: string; liveBytes: number };
    /** Live activation bytes during each op (scaled for int8). */
    liveBytesPerOp: number[];
  };
  verdict: 'fits' | 'does not fit';
  duty?: {
    rateHz: number;
    /** Fraction of time spent inferring. */
    activeFraction: number;
    averagePowerW: number;
    battery?: { mAh: number; volts: number; hours: number; days: number };
  };
  /** Warnings: implausible efficiency, unsustainable rate, guessed op classes. */
  flags: string[];
  /** Constants used that have no published measurement behind them. */
  provisional: string[];
}

export function estimateModel(model: Model, profile: TargetProfile, options: EstimateOptions = {}): TargetEstimate {
  const shapes = validateModel(model);
  const plan = compilePlan(model, shapes, 0);
  return estimatePlan(model, plan, shapes.ops.map((s) => s.outs.reduce((n, o) => n + elementCount(o.shape), 0)), profile, options);
}

function estimatePlan(model: Model, plan: CompiledPlan, outputElements: number[], profile: TargetProfile, options: EstimateOptions): TargetEstimate {
  const quality = options.quality ?? 'optimized';
  const dtype = options.dtype ?? 'f32';
  const kernels = profile.kernels[quality];
  const clockHz = profile.clockHz.value;
  const powerW = profile.activePowerW.value;
  const bytesPerValue = dtype === 'int8' ? 1 : 4;
  const flags: string[] = [];
  const usedFields = new Set(['clockHz', 'activePowerW', 'sramBytes', 'flashBytes', 'runtime.sramOverheadBytes', 'runtime.flashCodeBytes']);

  const layers: LayerEstimate[] = plan.ops.map((op, i) => {
    const irOp = model.ops[i];
    const cost = classifyOp(op, outputElements[i]);
    if (cost.guessed) flags.push(`op ${op.name} (${op.type}) has no cost class; priced as elementwise`);
    let cycles = 0;
    if (cost.cls) {
      cycles = cost.work * kernels.cyclesPerMac[cost.cls][dtype].value + kernels.overheadCycles.value;
      usedFields.add(`kernels.${quality}.cyclesPerMac.${cost.cls}.${dtype}`);
      usedFields.add(`kernels.${quality}.overheadCycles`);
    }
    const activationElements = [...irOp.inputs, ...irOp.outputs]
      .filter((t) => t >= 0 && !model.tensors[t].data)
      .reduce((s, t) => s + elementCount(model.tensors[t].shape), 0);
    const latencyS = cycles / clockHz;
    const ops = 2 * op.macs;
    return {
      index: i,
      name: op.name,
      type: op.type,
      cls: cost.cls,
      macs: op.macs,
      ops,
      weightBytes: dtype === 'int8' ? op.params : op.weightBytes,
      activationBytes: activationElements * bytesPerValue,
      cycles,
      latencyMs: latencyS * 1e3,
      energyUj: powerW * latencyS * 1e6,
      gopPerS: latencyS > 0 ? ops / latencyS / 1e9 : 0,
      gopPerW: latencyS > 0 ? ops / latencyS / 1e9 / powerW : 0,
    };
  });

  const sum = (f: (l: LayerEstimate) => number) => layers.reduce((s, l) => s + f(l), 0);
  const cycles = sum((l) => l.cycles);
  const latencyS = cycles / clockHz;
  const ops = sum((l) => l.ops);
  const gopPerS = latencyS > 0 ? ops / latencyS / 1e9 : 0;
  const totals = {
    macs: sum((l) => l.macs),
    ops,
    weightBytes: dtype === 'int8' ? sum((l) => l.weightBytes) : plan.layout.weightBytes,
    cycles,
    latencyMs: latencyS * 1e3,
    energyUj: powerW * latencyS * 1e6,
    gopPerS,
    gopPerW: gopPerS / powerW,
  };
  const { min, max } = profile.plausibleGopPerW;
  if (totals.gopPerW > 0 && (totals.gopPerW < min.value || totals.gopPerW > max.value)) {
    flags.push(`GOP/W ${totals.gopPerW.toPrecision(3)} is outside the range measured for this class of device (${min.value} to ${max.value} GOP/W): treat the estimate with suspicion`);
  }

  const scale = dtype === 'int8' ? 0.25 : 1;
  const use = measureBudget(plan, profile.budget, { activationScale: scale, weightBytes: totals.weightBytes });
  const peakIndex = plan.arena.peakOp;
  const peak = plan.ops[peakIndex];
  const memory: TargetEstimate['memory'] = {
    arenaBytes: Math.ceil(plan.layout.arenaBytes * scale),
    scratchBytes: Math.ceil(plan.layout.scratchBytes * scale),
    runtimeSramBytes: profile.budget.runtimeSramBytes,
    sramUsedBytes: use.sramUsedBytes,
    sramBytes: profile.budget.sramBytes,
    sramOverBytes: use.sramOverBytes,
    weightBytes: totals.weightBytes,
    runtimeFlashBytes: profile.budget.runtimeFlashBytes,
    flashUsedBytes: use.flashUsedBytes,
    flashBytes: profile.budget.flashBytes,
    flashOverBytes: use.flashOverBytes,
    peakOp: { index: peakIndex, name: peak?.name ?? '-', type: peak?.type ?? '-', liveBytes: Math.ceil(plan.arena.peakLiveBytes * scale) },
    liveBytesPerOp: plan.arena.liveBytesPerOp.map((b) => Math.ceil(b * scale)),
  };

  const estimate: TargetEstimate = {
    target: profile.name,
    board: profile.board,
    quality,
    dtype,
    model: model.name,
    layers,
    totals,
    memory,
    verdict: use.sramOverBytes === 0 && use.flashOverBytes === 0 ? 'fits' : 'does not fit',
    flags,
    provisional: [],
  };

  if (options.rateHz !== undefined) {
    estimate.duty = dutyCycle(latencyS, options.rateHz, profile, options.battery);
    if (estimate.duty.activeFraction > 1) flags.push(`${options.rateHz}/s needs ${(estimate.duty.activeFraction * 100).toFixed(0)} % of the time: the target cannot sustain that rate`);
    usedFields.add('idlePowerW');
  }
  estimate.provisional = provisionalFields(profile).filter((f) => usedFields.has(f));
  return estimate;
}

/** Average power at `rateHz` inferences per second (active while inferring, idle otherwise). */
export function dutyCycle(latencyS: number, rateHz: number, profile: TargetProfile, battery?: { mAh: number; volts: number }): NonNullable<TargetEstimate['duty']> {
  const activeFraction = latencyS * rateHz;
  const busy = Math.min(1, activeFraction);
  const averagePowerW = profile.activePowerW.value * busy + profile.idlePowerW.value * (1 - busy);
  const duty: NonNullable<TargetEstimate['duty']> = { rateHz, activeFraction, averagePowerW };
  if (battery) {
    const hours = (battery.mAh / 1000) * battery.volts / averagePowerW;
    duty.battery = { ...battery, hours, days: hours / 24 };
  }
  return duty;
}

/** The same model on every profile (for side-by-side reports). */
export function estimateAll(model: Model, profiles: TargetProfile[], options: EstimateOptions = {}): TargetEstimate[] {
  const shapes = validateModel(model);
  const plan = compilePlan(model, shapes, 0);
  const outs = shapes.ops.map((s) => s.outs.reduce((n, o) => n + elementCount(o.shape), 0));
  return profiles.map((p) => estimatePlan(model, plan, outs, p, options));
}
