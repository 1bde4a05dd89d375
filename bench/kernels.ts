// bench/kernels: GFLOP/s of every kernel on representative shapes, SIMD vs
// its scalar twin measured in the same run (rounds interleave the builds so
// machine drift hits both alike), and the relaxed-SIMD build (fused
// multiply-add) against the SIMD one where the engine runs it (on Node 20
// this script turns it on with a V8 flag). Usage:
//   npm run bench:kernels [-- --filter conv] [-- --rounds 7]
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeHarness, type KernelHarness } from '../test/helpers/wasm.ts';
import type { WasmBuild } from '../src/runtime/wasm.ts';
import { ensureRelaxedSimd } from '../scripts/relaxed-simd.ts';
import type { KernelBenchCase } from './cases/types.ts';
import { describeMachine } from './machine.ts';
import { measureRooflineGflops } from './roofline.ts';

const relaxed = ensureRelaxedSimd();
const { values } = parseArgs({ options: { filter: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'boolean' } } });
const rounds = Number(values.rounds ?? 5);
const casesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

async function loadCases(): Promise<KernelBenchCase[]> {
  const files = readdirSync(casesDir).filter((f) => f.endsWith('.ts') && f !== 'types.ts').sort();
  const all: KernelBenchCase[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(casesDir, f)).href)) as { cases?: KernelBenchCase[] };
    all.push(...(mod.cases ?? []));
  }
  return all.filter((c) => !values.filter || c.name.includes(values.filter));
}

/** Seconds per call: calls batched to ~20 ms so the timer's resolution does not matter. */
function timeBatch(run: () => void, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) run();
  return (performance.now() - t0) / 1000 / calls;
}

function calibrate(run: () => void): number {
  let calls = 1;
  for (;;) {
    const t = timeBatch(run, calls) * calls;
    if (t > 0.02 || calls > 1e6) return calls;
    calls *= 2;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases = await loadCases();
console.log(`bench/kernels on ${describeMachine()}`);
const roofline = measureRooflineGflops();
console.log(`roofline (f32x4 mul+add, no memory traffic, bench/roofline.ts): ${roofline.toFixed(1)} GFLOP/s`);
// The roofline is a peak (best of its runs), so a kernel is set against it
// by its best round too: on a shared machine medians drift with the load.
const builds: WasmBuild[] = relaxed ? ['simd', 'scalar', 'relaxed'] : ['simd', 'scalar'];
console.log(
  'case'.padEnd(34), 'simd GFLOP/s'.padStart(13), 'scalar GFLOP/s'.padStart(15), 'simd speed-up'.padStart(14), 'best % roofline'.padStart(16),
  relaxed ? `${'relaxed GFLOP/s'.padStart(16)}${'relaxed / simd'.padStart(15)}` : '',
);
const rows = [];
for (const c of cases) {
  const harnesses: KernelHarness[] = builds.map((b) => makeHarness(b));
  const runs = harnesses.map((h) => c.setup(h));
  const calls = runs.map((r) => {
    for (let i = 0; i < 3; i++) r();
    return calibrate(r);
  });
  const times: number[][] = builds.map(() => []);
  for (let r = 0; r < rounds; r++) for (let b = 0; b < builds.length; b++) times[b].push(timeBatch(runs[b], calls[b]));
  const [simd, scalar, fused] = times.map((t) => c.flops / median(t) / 1e9);
  const simdBest = c.flops / Math.min(...times[0]) / 1e9;
  rows.push({
    case: c.name, simdGflops: simd, scalarGflops: scalar, speedup: simd / scalar, simdBestRooflinePercent: (100 * simdBest) / roofline,
    ...(relaxed ? { relaxedGflops: fused, relaxedSpeedup: fused / simd } : {}),
  });
  console.log(
    c.name.padEnd(34), simd.toFixed(2).padStart(13), scalar.toFixed(2).padStart(15), `${(simd / scalar).toFixed(2)}x`.padStart(14), `${((100 * simdBest) / roofline).toFixed(0)} %`.padStart(16),
    relaxed ? `${fused.toFixed(2).padStart(16)}${`${(fused / simd).toFixed(2)}x`.padStart(15)}` : '',
  );
}
if (values.json) console.log(JSON.stringify(rows, null, 2));
