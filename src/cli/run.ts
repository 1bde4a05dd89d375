import { writeFileSync } from 'node:fs';
import { fail } from '../errors.ts';
import { loadModel } from '../runtime/session.ts';
import { availableBuilds, resolveBuild, WASM_BUILDS, type WasmBuild } from '../runtime/wasm.ts';
import { writeNpy } from '../util/npy.ts';
import { formatTable, loadModelFile, requirePositional, shapeText, type Command } from './common.ts';
import { readInputs } from './inputs.ts';

export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

const isBuild = (v: unknown): v is WasmBuild => (WASM_BUILDS as readonly unknown[]).includes(v);

/** --build for one session: a build name or 'auto' (the default). */
export function buildOption(v: unknown, flag = '--build'): WasmBuild | 'auto' {
  if (v === undefined) return 'auto';
  if (v === 'auto' || isBuild(v)) return v;
  return fail('CLI_USAGE', `${flag} must be ${WASM_BUILDS.join(', ')} or auto`, { found: String(v) });
}

/** --build for commands that go through several builds: one build name (which the engine must run) or 'all' (the default: every build it runs). */
export function buildsOption(v: unknown): WasmBuild[] {
  if (v === undefined || v === 'all') return availableBuilds();
  if (isBuild(v)) return [resolveBuild(v)];
  return fail('CLI_USAGE', `--build must be ${WASM_BUILDS.join(', ')} or all`, { found: String(v) });
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a model on inputs from .npy or raw f32 files',
  help: `usage: tinysense run MODEL.tsm --input FILE [--input NAME=FILE ...] [--output OUT.npy] [--build relaxed|simd|scalar|auto] [--json]

Inputs are .npy arrays (any numeric dtype, converted to f32) or raw
little-endian f32. A file holding several whole windows (e.g. [k, 200, 6] for a
[1, 200, 6] model) runs each window. For a classifier (labels in the model's
metadata) each window prints its top class; otherwise the output values.

  --input FILE       input file; NAME=FILE for models with several inputs
  --output OUT.npy   write the (first) output of all windows to a .npy
  --build            wasm build to use (default auto: relaxed SIMD, else SIMD, else scalar,
                     whichever the engine runs first)
  --json             print outputs as JSON`,
  options: { input: { type: 'string', multiple: true }, output: { type: 'string' }, build: { type: 'string' }, json: { type: 'boolean' } },
  run(values, positionals) {
    const file = requirePositional(runCommand, positionals, 'model');
    const { model } = loadModelFile(file);
    const session = loadModel(model, { build: buildOption(values.build), file });
    const batch = readInputs((values.input as string[] | undefined) ?? [], session.inputs);
    const labels = model.metadata.labels;
    const results = batch.windows.map((w) => session.run(w));
    const first = session.outputs[0];
    if (values.output) {
      const all = new Float32Array(results.length * first.elements);
      results.forEach((r, i) => all.set(r[first.name].data, i * first.elements));
      writeFileSync(values.output as string, writeNpy(all, [results.length, ...first.shape.slice(1)]));
    }
    if (values.json) {
      console.log(JSON.stringify(results.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { shape: v.shape, data: [...v.data] }])))));
      return;
    }
    console.log(`${model.name} on ${batch.source}: ${results.length} window(s), ${session.build} build`);
    if (labels && first.elements === labels.length) {
      console.log(formatTable(['window', 'class', 'score'], results.map((r, i) => {
        const d = r[first.name].data;
        const top = argmax(d);
        return [String(i), labels[top], d[top]];
      })));
    } else {
      results.forEach((r, i) => {
        for (const [name, v] of Object.entries(r)) {
          const shown = [...v.data.slice(0, 16)].map((x) => x.toPrecision(5)).join(' ');
          console.log(`window ${i} ${name} ${shapeText(v.shape)}: ${shown}${v.data.length > 16 ? ' ...' : ''}`);
        }
      });
    }
    if (values.output) console.log(`wrote ${values.output}`);
  },
};
