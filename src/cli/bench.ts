import type { Model } from '../graph/model.ts';
import { loadModel, type Session } from '../runtime/session.ts';
import type { WasmBuild } from '../runtime/wasm.ts';
import { makeRng } from '../util/rng.ts';
import { formatTable, intOption, loadModelFile, requirePositional, type Command } from './common.ts';
import { summarizeModel } from './inspect.ts';
import { buildsOption } from './run.ts';

export interface BenchResult {
  build: WasmBuild;
  runs: number;
  medianUs: number;
  p90Us: number;
  inferencesPerSecond: number;
  gflops: number;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/** Latency of session.runInPlace() on seeded random inputs, after warm-up. */
export function benchSession(session: Session, macs: number, runs: number, warmup: number): BenchResult {
  const rng = makeRng(7);
  session.inputs.forEach((s, i) => session.inputView(i).set(rng.floats(s.elements)));
  for (let i = 0; i < warmup; i++) session.runInPlace();
  // Batch calls so each timed sample is >= ~50 us and timer resolution does not dominate.
  const t0 = performance.now();
  session.runInPlace();
  const single = Math.max(performance.now() - t0, 1e-4);
  const inner = Math.max(1, Math.min(1000, Math.ceil(0.05 / single)));
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    for (let j = 0; j < inner; j++) session.runInPlace();
    samples.push(((performance.now() - s) * 1000) / inner);
  }
  samples.sort((a, b) => a - b);
  const medianUs = quantile(samples, 0.5);
  return { build: session.build, runs, medianUs, p90Us: quantile(samples, 0.9), inferencesPerSecond: 1e6 / medianUs, gflops: (2 * macs) / (medianUs * 1e3) };
}

export function benchModel(model: Model, builds: WasmBuild[], runs: number, warmup: number): BenchResult[] {
  const macs = summarizeModel(model).totals.macs;
  return builds.map((b) => benchSession(loadModel(model, { build: b }), macs, runs, warmup));
}

export function formatBench(results: BenchResult[]): string {
  const base = results.find((r) => r.build === 'simd');
  return formatTable(['build', 'median us', 'p90 us', 'inferences/s', 'GFLOP/s', 'time vs simd'], results.map((r) => [
    r.build, r.medianUs, r.p90Us, Math.round(r.inferencesPerSecond), r.gflops, base ? `${(r.medianUs / base.medianUs).toFixed(2)}x` : '-',
  ]));
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'latency (median/p90), inferences/s and GFLOP/s of a model',
  help: `usage: tinysense bench MODEL.tsm [--runs N] [--warmup N] [--build relaxed|simd|scalar|all] [--json]

Times whole inferences (one wasm call each) on seeded random inputs after a
warm-up, for the SIMD and the scalar build in the same process, and prints the
median and p90 latency, inferences per second, GFLOP/s (2 x MACs / median)
and the scalar/SIMD ratio.

  --runs N     timed samples (default 200)
  --warmup N   untimed runs first (default 20)
  --build      relaxed, simd, scalar or all (default all: every build this engine runs)
  --json       print the results as JSON`,
  options: { runs: { type: 'string' }, warmup: { type: 'string' }, build: { type: 'string' }, json: { type: 'boolean' } },
  run(values, positionals) {
    const file = requirePositional(benchCommand, positionals, 'model');
    const { model } = loadModelFile(file);
    const results = benchModel(model, buildsOption(values.build), intOption(values, 'runs', 200), intOption(values, 'warmup', 20, 0));
    console.log(values.json ? JSON.stringify(results, null, 2) : `${model.name}\n${formatBench(results)}`);
  },
};
