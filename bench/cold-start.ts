// bench/cold-start: where the first inference of a fresh process goes, per
// zoo model and phase, with the runtime-only bundle (dist/runtime.js) an
// application deploys.
//
//   npm run bench:cold-start [-- --runs 5] [-- --filter dscnn]
//
// Each run is a fresh Node process that imports dist/runtime.js, loads the
// model's .tsm blob (read + validate + wasm instantiate + plan + weight
// packing) and runs it once; then, in the same process, loads and runs it
// again. The second pass does the same work with the JavaScript already
// compiled and the wasm kernels tiered up, so the difference between the two
// passes is what a cold engine costs and the second pass is the work itself.
// Medians over --runs processes.
//
// A last column runs the same child under `node --liftoff-only` and reports
// its second run: the kernels as V8's baseline compiler (Liftoff) leaves them.
// A fresh process runs its first inference on that code (V8 compiles every
// wasm function with Liftoff first and swaps in optimised code only for calls
// made after a function's tier-up finishes), so 'first run' tracks this column
// rather than 'run again'.
//
// The last column is the alternative: the same child under `node --no-liftoff`,
// where V8 compiles the kernels with its optimising compiler (TurboFan) before
// they first run; its cold total (load + first run) shows what skipping the
// baseline tier costs in compile time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './machine.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ZOO = ['deepsense_har', 'dscnn_kws', 'resnet8_ic', 'fc_ae', 'lstm_har', 'mlp_har'];
const PHASES = ['import', 'read', 'load', 'first run', 'load again', 'run again'] as const;
const LIFTOFF = 'Liftoff run';
const TURBOFAN = 'TurboFan-first cold';

// The child: plain JS, so nothing but the runtime bundle is compiled in it.
const CHILD = `
import { readFileSync } from 'node:fs';
const [bundle, file] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(file));
const t0 = performance.now();
const rt = await import(bundle);
const t1 = performance.now();
rt.readModel(bytes);
const t2 = performance.now();
const s = rt.loadModel(bytes);
const t3 = performance.now();
s.runInPlace();
const t4 = performance.now();
const s2 = rt.loadModel(bytes);
const t5 = performance.now();
s2.runInPlace();
const t6 = performance.now();
console.log('PHASES ' + [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5].join(' '));
`;

const { values } = parseArgs({ options: { runs: { type: 'string' }, filter: { type: 'string' } } });
const runs = Number(values.runs ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { importOnnx } = await import('../src/importers/onnx/index.ts');
const { writeModel } = await import('../src/format/write.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tinysense-cold-'));
try {
  const child = path.join(tmp, 'child.mjs');
  writeFileSync(child, CHILD);
  const bundle = path.join(root, 'dist', 'runtime.js');
  console.log(`bench/cold-start on ${describeMachine()}; medians of ${runs} fresh processes, ms`);
  console.log(`${'model'.padEnd(16)}${PHASES.map((p) => p.padStart(11)).join('')}${'cold total'.padStart(12)}${LIFTOFF.padStart(13)}${TURBOFAN.padStart(21)}`);
  for (const name of ZOO.filter((n) => !values.filter || n.includes(values.filter))) {
    const file = path.join(tmp, `${name}.tsm`);
    writeFileSync(file, writeModel(importOnnx(new Uint8Array(readFileSync(path.join(root, 'test', 'fixtures', 'onnx', `${name}.onnx`))))));
    const childRows = (flags: string[]): number[][] => {
      const rows: number[][] = [];
      for (let r = 0; r < runs; r++) {
        const out = spawnSync(process.execPath, [...flags, child, bundle, file], { encoding: 'utf8', timeout: 60_000 });
        const line = out.stdout.split('\n').find((l) => l.startsWith('PHASES '));
        if (!line) throw new Error(`${name}: the child failed: ${out.stderr.trim().split('\n').slice(-1)[0]}`);
        rows.push(line.slice(7).split(' ').map(Number));
      }
      return rows;
    };
    const rows = childRows([]);
    const m = PHASES.map((_, i) => median(rows.map((r) => r[i])));
    // Cold start as bench/peers counts it: load (which reads) + first run, after the import.
    const cold = median(rows.map((r) => r[2] + r[3]));
    const liftoff = median(childRows(['--liftoff-only']).map((r) => r[5]));
    const turbofan = median(childRows(['--no-liftoff']).map((r) => r[2] + r[3]));
    console.log(`${name.padEnd(16)}${m.map((v) => v.toFixed(2).padStart(11)).join('')}${cold.toFixed(2).padStart(12)}${liftoff.toFixed(2).padStart(13)}${turbofan.toFixed(2).padStart(21)}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
