// `npm start`: the main job on the bundled default model and sample windows.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../errors.ts';
import { loadModel } from '../runtime/session.ts';
import { availableBuilds, type WasmBuild } from '../runtime/wasm.ts';
import { readNpy } from '../util/npy.ts';
import { formatTable, intOption, loadModelFile, readFileBytes, type Command } from './common.ts';
import { benchModel, formatBench } from './bench.ts';
import { formatSummary, summarizeModel } from './inspect.ts';
import { argmax } from './run.ts';
import type { Model } from '../graph/model.ts';
import { estimateModel } from '../targets/estimate.ts';
import { loadTarget } from '../targets/profile.ts';

/** models/ next to the bundle (dist/) or the sources (src/cli/). */
export function bundledModelsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../models', '../../models']) {
    const dir = path.resolve(here, rel);
    if (existsSync(path.join(dir, 'default.json'))) return dir;
  }
  return fail('IO_FILE', 'cannot find the bundled models/ folder (models/default.json)');
}

interface DefaultManifest {
  model: string;
  samples: string;
  sampleLabels: string;
  description: string;
  /** Target profiles the model's fit is estimated on (targets/<name>.json). */
  targets?: string[];
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** One line per target: estimated latency, energy, memory use and the verdict. */
export function formatFit(model: Model, targets: string[]): string {
  const rows = targets.map((name) => {
    const e = estimateModel(model, loadTarget(name));
    const m = e.memory;
    return [name, e.board, Number(e.totals.latencyMs.toPrecision(3)), Number(e.totals.energyUj.toPrecision(3)), `${kib(m.sramUsedBytes)} / ${kib(m.sramBytes)}`, `${kib(m.flashUsedBytes)} / ${kib(m.flashBytes)}`, e.verdict];
  });
  return formatTable(['target', 'board', 'ms', 'uJ', 'SRAM used / has', 'flash used / has', 'verdict'], rows);
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'inspect, run and benchmark the bundled default model on its sample windows',
  help: `usage: tinysense demo [--runs N]

The main job on the bundled default (models/default.json names the model and
its sample windows): prints the model summary and memory plan, runs every
sample window and compares predictions with the recorded labels (with the
latency of each window), estimates the model's fit on the default target
profiles, then benchmarks the SIMD and scalar builds.

  --runs N   timed samples per build (default 100)`,
  options: { runs: { type: 'string' } },
  run(values) {
    const dir = bundledModelsDir();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'default.json'), 'utf8')) as DefaultManifest;
    const modelFile = path.join(dir, manifest.model);
    const { model } = loadModelFile(modelFile);
    console.log(`${manifest.description}\n`);
    console.log(formatSummary(summarizeModel(model)));

    const session = loadModel(model);
    const samples = readNpy(readFileBytes(path.join(dir, manifest.samples)), manifest.samples);
    const truth = JSON.parse(readFileSync(path.join(dir, manifest.sampleLabels), 'utf8')) as string[];
    const per = session.inputs[0].elements;
    const labels = model.metadata.labels ?? [];
    const rows: (string | number)[][] = [];
    let correct = 0;
    const windowUs: number[] = [];
    for (let w = 0; w < samples.data.length / per; w++) {
      const t0 = performance.now();
      const out = session.run([samples.data.subarray(w * per, (w + 1) * per)]);
      windowUs.push((performance.now() - t0) * 1000);
      const probs = out[session.outputs[0].name].data;
      const top = argmax(probs);
      const predicted = labels[top] ?? String(top);
      if (predicted === truth[w]) correct++;
      rows.push([String(w), truth[w] ?? '?', predicted, probs[top], windowUs[w]]);
    }
    console.log(`\nsample windows (${session.build} build; latency includes copying the window in and the output out; the first run is cold)`);
    console.log(formatTable(['window', 'label', 'predicted', 'score', 'latency us'], rows));
    console.log(`${correct}/${rows.length} correct`);

    if (manifest.targets?.length) {
      console.log('\nfit on target hardware (estimated from the target profiles, f32, optimized kernels; `tinysense inspect MODEL --target NAME` for the per-layer table)');
      console.log(formatFit(model, manifest.targets));
    }

    const builds: WasmBuild[] = availableBuilds();
    console.log('\nbenchmark');
    console.log(formatBench(benchModel(model, builds, intOption(values, 'runs', 100), 20)));
  },
};
