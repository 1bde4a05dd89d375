// bench/peers: tinysense against the WebAssembly engines users would pick
// instead (onnxruntime-web's wasm backend, TensorFlow.js's WASM and CPU
// backends) and onnxruntime-node as the native ceiling, on the ONNX zoo and
// two micro-cases, at batch 1 on one thread, in one process. Engines are
// interleaved round by round so machine drift hits all alike; every number
// is also given as a ratio to tinysense SIMD measured in the same run. The
// relaxed-SIMD build runs too where the engine has relaxed SIMD (Node 20:
// behind a V8 flag, which this script and its cold-start children get).
// Writes bench/RESULTS.md (full runs only; --out FILE for a filtered one). Usage:
//   npm run bench:peers [-- --filter conv] [-- --quick] [-- --no-cold]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from '../machine.ts';
import { loadCases, type PeerCase } from './cases.ts';
import { ENGINES, Skip, root, type Engine, type Prepared } from './engines.ts';
import { writeResults, type CaseResult, type EngineResult } from './report.ts';
import { ensureRelaxedSimd, RELAXED_SIMD_FLAG } from '../../scripts/relaxed-simd.ts';

const { values } = parseArgs({
  options: {
    filter: { type: 'string' },
    quick: { type: 'boolean' },
    'no-cold': { type: 'boolean' },
    out: { type: 'string' },
    cold: { type: 'string' },
    tsm: { type: 'string' },
  },
});

const TINYSENSE_SIMD = ENGINES[0].name;
const TFJS_CPU = ENGINES.findIndex((e) => e.name === 'tfjs cpu');
const PASSES = [ENGINES.map((_, i) => i).filter((i) => i !== TFJS_CPU), [0, TFJS_CPU]];

/**
 * Per-call latencies in ms of interleaved rounds, after a warm-up that lets
 * V8 tier up (wasm starts in its baseline compiler). Each engine gets about
 * budgetMs per round set, and at least one call per round however slow.
 */
async function measure(runs: Prepared[], budgetMs: number): Promise<number[][]> {
  for (const r of runs) {
    const until = performance.now() + budgetMs / 3;
    let calls = 0;
    while (calls < 2 || (performance.now() < until && calls < 2000)) {
      await r.run();
      calls++;
    }
  }
  const rounds = 10;
  const times: number[][] = runs.map(() => []);
  const spentMs = runs.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < runs.length; j++) {
      // Rotate the order so no engine always runs right after another.
      const e = (j + round) % runs.length;
      // An engine taking far more than its budget (TF.js CPU on the conv
      // models: ~1 s a call) stops after 3 calls, so the run stays within
      // its 10 minutes.
      if (times[e].length >= 3 && spentMs[e] > 2 * budgetMs) continue;
      const until = performance.now() + budgetMs / rounds;
      do {
        const t0 = performance.now();
        await runs[e].run();
        const dt = performance.now() - t0;
        times[e].push(dt);
        spentMs[e] += dt;
      } while (performance.now() < until);
    }
  }
  return times;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

function maxError(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]) / (1e-3 + Math.abs(want[i]));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

async function tsmFor(c: PeerCase, dir: string): Promise<string> {
  const { writeModel } = await import('../../src/format/write.ts');
  const file = path.join(dir, `${c.name.replace(/[^a-z0-9_]+/gi, '_')}.tsm`);
  writeFileSync(file, writeModel(await c.tinysenseModel()));
  return file;
}

/**
 * Cold start in fresh processes: instantiate + model load + first inference,
 * timed after the engine's JS packages are imported (their import is timed
 * apart). tinysense: median of 3 processes (milliseconds, where one noisy
 * process shows); the peers: one (hundreds of milliseconds, and 3 would push
 * the run past its 10-minute budget).
 */
function coldStart(child: string, engine: Engine, c: PeerCase, tsm: string | undefined): { ms: number; importMs: number } | string {
  const args = [child, '--cold', `${engine.name}|${c.name}`];
  if (tsm) args.push('--tsm', tsm);
  const runs: { ms: number; importMs: number }[] = [];
  const count = engine.name.startsWith('tinysense') ? 3 : 1;
  for (let i = 0; i < count; i++) {
    const r = spawnSync(process.execPath, [...process.execArgv.filter((f) => f === RELAXED_SIMD_FLAG), ...args], { encoding: 'utf8', timeout: 60_000, cwd: root, env: { ...process.env, TINYSENSE_BENCH_ROOT: root } });
    const line = r.stdout.split('\n').find((l) => l.startsWith('COLD '));
    if (!line) return `failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}`;
    const [ms, importMs] = line.slice(5).split(' ').map(Number);
    runs.push({ ms, importMs });
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ms: median(runs.map((r) => r.ms)), importMs: median(runs.map((r) => r.importMs)) };
}

/**
 * bench/peers as one plain-JS file for the cold-start children (esbuild,
 * packages left to Node): run through tsx, a fresh process spent ~9 s
 * compiling the bench before its first line, 13 of the run's 14 minutes.
 * It lives under node_modules/ so that the packages resolve from it.
 */
async function bundleColdChild(): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = path.join(root, 'node_modules', '.cache', 'tinysense-bench', 'peers-child.mjs');
  await esbuild.build({
    entryPoints: [path.join(root, 'bench', 'peers', 'main.ts')], outfile,
    bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  return outfile;
}

async function coldChild(spec: string): Promise<void> {
  const [engineName, caseName] = spec.split('|');
  const c = loadCases(undefined, caseName)[0];
  const engine = ENGINES.find((e) => e.name === engineName)!;
  const t0 = performance.now();
  const modules = [];
  for (const p of engine.packages) modules.push(await import(p));
  const t1 = performance.now();
  let t2: number;
  if (engineName.startsWith('tinysense')) {
    // The runtime bundle and a .tsm blob: what an application deploys.
    const bytes = new Uint8Array(readFileSync(values.tsm!));
    t2 = performance.now();
    const s = modules[0].loadModel(bytes, { build: engineName.split(' ')[1] });
    s.inputView(0).set(c.input);
    s.runInPlace();
    s.outputView(0)[0];
  } else {
    t2 = performance.now();
    const p = await engine.prepare(c);
    await p.run();
    p.output();
  }
  console.log(`COLD ${performance.now() - t2} ${t1 - t0}`);
}

/** Fixed cost of one tinysense inference: runInPlace on a one-multiply model. */
async function fixedOverheadUs(): Promise<number> {
  const { createBuilder } = await import('../../src/graph/builder.ts');
  const { loadModel } = await import('../../src/runtime/session.ts');
  const m = createBuilder('tiny');
  m.output(m.dense(m.input('x', [1, 1]), { units: 1 }), 'y');
  const s = loadModel(m.build(), { build: 'simd' });
  const calls = 200_000;
  for (let i = 0; i < calls; i++) s.runInPlace();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) s.runInPlace();
    best = Math.min(best, ((performance.now() - t0) * 1000) / calls);
  }
  return best;
}

async function main(): Promise<void> {
  const budgetMs = values.quick ? 200 : 400;
  const started = performance.now();
  // Imported here by a computed path, which esbuild leaves alone: the cold-start children never load binaryen.
  const { measureRooflineGflops } = (await import(new URL('../roofline.ts', import.meta.url).href)) as typeof import('../roofline.ts');
  const cases = loadCases(values.filter);
  console.log(`bench/peers on ${describeMachine()}`);
  // The roofline is the core's peak: re-measured before every case and at
  // the end, keeping the best, so a busy moment at the start cannot lower it.
  let roofline = measureRooflineGflops();
  console.log(`roofline (f32x4 mul+add, no memory traffic): ${roofline.toFixed(1)} GFLOP/s (re-measured per case, best kept)`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tinysense-peers-'));
  let coldScript: string | undefined;
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      roofline = Math.max(roofline, measureRooflineGflops(10));
      const engines: EngineResult[] = ENGINES.map((e) => ({ engine: e.name }));
      const live: { engine: Engine; result: EngineResult; run: Prepared; times: number[] }[] = [];
      // TF.js has one global backend, and switching it moves every tensor
      // between backends: its wasm and cpu backends run in separate passes,
      // each interleaved with tinysense SIMD (whose ratio row comes from pass 1).
      for (const pass of PASSES) {
        const inPass: typeof live = [];
        for (const i of pass) {
          const engine = ENGINES[i];
          const result = engines[i];
          if (i === 0 && live.length) {
            inPass.push({ ...live[0], times: [] });
            continue;
          }
          try {
            inPass.push({ engine, result, run: await engine.prepare(c), times: [] });
          } catch (e) {
            result.skipped = e instanceof Skip ? e.message : `failed: ${(e as Error).message.split('\n')[0]}`;
          }
        }
        const times = await measure(inPass.map((l) => l.run), budgetMs);
        inPass.forEach((l, k) => {
          l.times = times[k];
          if (!live.some((x) => x.engine === l.engine)) live.push(l);
        });
        // Ratios of a later pass are to tinysense SIMD as timed in that pass.
        const tsThisPass = quantile(times[0], 0.5);
        const tsFirst = quantile(live[0].times, 0.5);
        for (const l of inPass.slice(1)) l.times = l.times.map((t) => (t * tsFirst) / tsThisPass);
        if (inPass[0] && inPass[0].engine !== ENGINES[0]) throw new Error('each pass starts with tinysense SIMD');
      }
      const reference = live.find((l) => l.engine.name.startsWith('onnxruntime-node')) ?? live.find((l) => l.engine.name.startsWith('onnxruntime-web'));
      const want = reference?.run.output();
      live.forEach((l) => {
        const t = l.times;
        l.result.medianMs = quantile(t, 0.5);
        l.result.p90Ms = quantile(t, 0.9);
        l.result.p10Ms = quantile(t, 0.1);
        l.result.calls = t.length;
        const why = Object.entries(c.notComparable ?? {}).find(([prefix]) => l.engine.name.startsWith(prefix))?.[1];
        if (why) l.result.agreement = `not compared: ${why}`;
        else if (want && l !== reference) l.result.maxRelError = maxError(l.run.output(), want);
      });
      let tsm: string | undefined;
      if (!values['no-cold']) {
        try {
          tsm = await tsmFor(c, tmp);
        } catch {
          tsm = undefined;
        }
        for (const l of live) {
          if (l.engine.name.startsWith('tinysense') && !tsm) continue;
          const cold = coldStart(coldScript ??= await bundleColdChild(), l.engine, c, tsm);
          if (typeof cold === 'string') l.result.coldMs = cold;
          else [l.result.coldMs, l.result.importMs] = [cold.ms, cold.importMs];
        }
      }
      const r: CaseResult = { name: c.name, macs: c.macs, computeBound: c.computeBound, engines };
      results.push(r);
      printCase(r, roofline);
    }
    roofline = Math.max(roofline, measureRooflineGflops());
    console.log(`roofline, best over the run: ${roofline.toFixed(1)} GFLOP/s (the per-case % above used the best so far)`);
    const overheadUs = await fixedOverheadUs();
    console.log(`tinysense fixed per-inference overhead (runInPlace, 1-MAC model): ${overheadUs.toFixed(2)} us`);
    // bench/RESULTS.md holds full runs only: a filtered or quick run writes where --out says, or nowhere.
    const partial = values.filter !== undefined || values.quick === true;
    const out = values.out ?? (partial ? undefined : path.join(root, 'bench', 'RESULTS.md'));
    if (out) {
      writeFileSync(out, writeResults({ machine: describeMachine(), roofline, overheadUs, cases: results, engines: ENGINES }));
      console.log(`wrote ${path.relative(process.cwd(), out)} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    } else {
      console.log(`partial run (--filter/--quick): bench/RESULTS.md left as it was; --out FILE writes this table (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function printCase(r: CaseResult, roofline: number): void {
  const base = r.engines.find((e) => e.engine === TINYSENSE_SIMD)?.medianMs;
  console.log(`\n${r.name}: ${(r.macs / 1e6).toFixed(2)} M MACs`);
  for (const e of r.engines) {
    if (e.medianMs === undefined) {
      console.log(`  ${e.engine.padEnd(28)} ${e.skipped}`);
      continue;
    }
    const gflops = (2 * r.macs) / (e.medianMs / 1000) / 1e9;
    const ratio = base ? (e.medianMs / base).toFixed(2) : '-';
    const cold = typeof e.coldMs === 'number' ? `${e.coldMs.toFixed(1)} ms (+${e.importMs!.toFixed(1)} import)` : (e.coldMs ?? '-');
    const agree = e.agreement ?? (e.maxRelError === undefined ? 'reference' : e.maxRelError < 1e-2 ? 'ok' : `DIFFERS (${e.maxRelError.toExponential(1)})`);
    console.log(`  ${e.engine.padEnd(28)} median ${(e.medianMs * 1000).toFixed(1).padStart(9)} us  p90 ${(e.p90Ms! * 1000).toFixed(1).padStart(9)} us  x${ratio.padStart(6)}  ${gflops.toFixed(2).padStart(6)} GFLOP/s ${((100 * gflops) / roofline).toFixed(0).padStart(3)}%  cold ${cold}  ${agree.slice(0, 40)}`);
  }
}

if (values.cold) await coldChild(values.cold);
else {
  ensureRelaxedSimd();
  await main();
}
