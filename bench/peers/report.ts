// bench/RESULTS.md: the tables of one bench/peers run.
import type { Engine } from './engines.ts';

export interface EngineResult {
  engine: string;
  skipped?: string;
  medianMs?: number;
  p90Ms?: number;
  p10Ms?: number;
  calls?: number;
  /** Instantiate + load + first inference in a fresh process (or why it failed). */
  coldMs?: number | string;
  /** Import of the engine's JS packages before that. */
  importMs?: number;
  maxRelError?: number;
  agreement?: string;
}

export interface CaseResult {
  name: string;
  macs: number;
  computeBound: boolean;
  engines: EngineResult[];
}

const us = (ms: number | undefined) => (ms === undefined ? '-' : ms < 1 ? `${(ms * 1000).toFixed(1)} us` : `${ms.toFixed(2)} ms`);

function agreement(e: EngineResult): string {
  if (e.agreement) return e.agreement;
  if (e.maxRelError === undefined) return 'reference';
  return e.maxRelError < 1e-2 ? `ok (${e.maxRelError.toExponential(0)})` : `**differs** (${e.maxRelError.toExponential(1)})`;
}

/** The faster of onnxruntime-web and TF.js WASM on a case (issue 7's goals compare against it). */
function bestPeer(c: CaseResult): { name: string; ms: number } | undefined {
  let best: { name: string; ms: number } | undefined;
  for (const e of c.engines) {
    if (e.medianMs === undefined || e.engine.startsWith('tinysense') || e.engine.includes('native') || e.engine === 'tfjs cpu') continue;
    if (!best || e.medianMs < best.ms) best = { name: e.engine, ms: e.medianMs };
  }
  return best;
}

export function writeResults(r: { machine: string; roofline: number; overheadUs: number; cases: CaseResult[]; engines: Engine[] }): string {
  const lines: string[] = [];
  lines.push('# bench/peers results', '');
  lines.push('Written by `npm run bench:peers` (bench/peers/main.ts). Batch 1, one thread, all engines in one process,');
  lines.push('interleaved round by round; latency is per call through each engine\'s fastest public API with a');
  lines.push('fixed input (tinysense: `runInPlace` on the input view; ONNX Runtime: `session.run` with a reused');
  lines.push('input tensor; TF.js: `model.predict` + `dataSync`). Ratios are engine median / tinysense SIMD median');
  lines.push('(> 1: tinysense is faster). Cold start = instantiate + model load + first inference in a fresh');
  lines.push('process (tinysense: median of 3 processes), timed after the engine\'s JS packages are imported; "JS import" is');
  lines.push('that import (tinysense: dist/runtime.js, the `tinysense/runtime` export, and a .tsm blob; the');
  lines.push('others: their packages and the .onnx file or the rebuilt tfjs-layers model). Agreement: max |got - want| / (1e-3 + |want|) against');
  lines.push('onnxruntime-node (or onnxruntime-web when native is absent).', '');
  lines.push(`- Machine: ${r.machine}`);
  lines.push(`- Roofline (WebAssembly SIMD f32x4 mul+add, no memory traffic, bench/roofline.ts): ${r.roofline.toFixed(1)} GFLOP/s`);
  lines.push(`- tinysense fixed per-inference overhead (runInPlace, 1-MAC model): ${r.overheadUs.toFixed(2)} us`);
  lines.push(`- Packages: ${r.engines.map((e) => `${e.name} ${e.version()}`).join('; ')}`);
  const sizes = r.engines.map((e) => {
    const b = e.binary();
    return b ? `${e.name} ${(b.bytes / 1024).toFixed(1)} KB (${b.file})` : `${e.name} -`;
  });
  lines.push(`- Binary on disk: ${sizes.join('; ')}`, '');

  lines.push('## Summary', '');
  lines.push('| model | M MACs | tinysense SIMD median | best wasm peer (median) | tinysense / best peer | tinysense % of roofline, median (p10) | native / tinysense (p10) |');
  lines.push('|---|---:|---:|---|---:|---:|---:|');
  const pct = (macs: number, ms: number | undefined) => (ms ? `${((100 * 2 * macs) / (ms / 1000) / 1e9 / r.roofline).toFixed(0)} %` : '-');
  for (const c of r.cases) {
    const ts = c.engines[0];
    const peer = bestPeer(c);
    const native = c.engines.find((e) => e.engine.includes('native'));
    lines.push(`| ${c.name} | ${(c.macs / 1e6).toFixed(2)} | ${ts.medianMs ? us(ts.medianMs) : ts.skipped} | ${peer ? `${peer.name} ${us(peer.ms)}` : '-'} | ${peer && ts.medianMs ? (ts.medianMs / peer.ms).toFixed(2) : '-'} | ${pct(c.macs, ts.medianMs)} (${pct(c.macs, ts.p10Ms)}) | ${native?.p10Ms && ts.p10Ms ? (native.p10Ms / ts.p10Ms).toFixed(2) : '-'} |`);
  }
  lines.push('');
  lines.push('Goals (issue 7): tinysense / best peer < 1 on every model, <= 0.8 on the dense-only ones; compute-bound');
  lines.push('models >= 75 % of the roofline; native is the ceiling, not a goal.');
  lines.push('The roofline is a best-of (the core\'s peak), so on a shared machine the median share understates what');
  lines.push('the kernels reach; the p10 share is the closer like-for-like figure. TF.js CPU runs in a second pass');
  lines.push('(TF.js has one global backend), its times scaled by tinysense SIMD\'s drift between the passes.');
  lines.push('');

  for (const c of r.cases) {
    const base = c.engines[0].medianMs;
    lines.push(`## ${c.name} (${(c.macs / 1e6).toFixed(2)} M MACs${c.computeBound ? ', compute-bound' : ''})`, '');
    lines.push('| engine | median | p90 | p10 | calls | ratio | GFLOP/s | % roofline | cold start | JS import | agreement |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const e of c.engines) {
      if (e.medianMs === undefined) {
        lines.push(`| ${e.engine} | ${e.skipped} | | | | | | | | | |`);
        continue;
      }
      const gflops = (2 * c.macs) / (e.medianMs / 1000) / 1e9;
      const cold = typeof e.coldMs === 'number' ? us(e.coldMs) : (e.coldMs ?? '-');
      lines.push(`| ${e.engine} | ${us(e.medianMs)} | ${us(e.p90Ms)} | ${us(e.p10Ms)} | ${e.calls} | ${base ? (e.medianMs / base).toFixed(2) : '-'} | ${gflops.toFixed(2)} | ${((100 * gflops) / r.roofline).toFixed(0)} % | ${cold} | ${e.importMs === undefined ? '-' : us(e.importMs)} | ${agreement(e)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
