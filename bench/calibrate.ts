// Fits the per-kernel-class cost constants of the target profiles to the
// published MLPerf Tiny results and prints the error per model and board.
//
//   npm run bench:calibrate              print the error table of the committed profiles
//   npm run bench:calibrate -- --write   refit, rewrite targets/*.json, print the table
//
// Method. For each (board, kernel quality) with published rows, the unknowns
// are the int8 cycles per MAC of the three classes the MLPerf models exercise
// (dense, conv, depthwise); per-op overhead and the element-wise cost are
// priors (they are a few percent of any of these models, so the data cannot
// pin them) and stay as the profile states them. Each model gives one linear
// equation: sum over classes of work x cycles/MAC = measured cycles - priors.
// Three models, three unknowns: the system is solved exactly by least
// squares; with two models (Raspberry Pi 4: no AD row) dense is tied to conv
// by a stated ratio. The constants are per class, not per model, so any other
// architecture is priced with the same numbers; the VWW (MobileNetV1) rows are
// held out of the fit to show how well that generalises.
// Active power per board is the geometric middle of the measured
// energy/latency ratios of its rows, which bounds the worst relative error.
// Constants no measurement reaches (f32, recurrent, boards without MLPerf
// rows) are derived by the stated rules below and marked provisional.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateModel } from '../src/graph/validate.ts';
import { compilePlan } from '../src/schedule/compile.ts';
import { elementCount } from '../src/graph/model.ts';
import { classifyOp } from '../src/targets/classes.ts';
import { estimateModel } from '../src/targets/estimate.ts';
import { MLPERF_MODELS, type MlperfTask } from '../src/targets/mlperf-models.ts';
import { CALIBRATION_TOLERANCE, MLPERF_RESULTS, type MlperfResult } from '../src/targets/mlperf-results.ts';
import { KERNEL_CLASSES, loadAllTargets, targetsDir, type KernelClass, type Quality, type TargetProfile } from '../src/targets/profile.ts';

const FITTED: KernelClass[] = ['dense', 'conv', 'depthwise'];
/** Raspberry Pi 4 has no AD row: dense (matrix-vector, memory bound) is tied to conv by this ratio (the L4R5/H7A3/U575 fits give 1.5 to 2.2). */
const RPI4_DENSE_PER_CONV = 2;
/** Recurrent layers: a matrix-vector product per time step plus gate nonlinearities. */
const RECURRENT_PER_DENSE = 1.25;
/** f32 cost relative to int8: M-profile cores have no f32 SIMD (CMSIS-NN's int8 kernels gain ~4.6x over plain code). */
const F32_PER_INT8: Record<Quality, number> = { reference: 1.5, optimized: 3 };
/** Boards without MLPerf rows, priced from a board with the same or a comparable core. */
const ANALOGS: { target: string; from: string; int8: number; f32: number; why: string }[] = [
  { target: 'nrf52840', from: 'stm32l4r5', int8: 1, f32: 1, why: 'same core (Cortex-M4F); cycles per MAC carry over, the clock differs' },
  { target: 'rp2040', from: 'stm32l4r5', int8: 3, f32: 8, why: 'Cortex-M0+: no DSP/SIMD multiply-accumulate (int8 x3) and no FPU (f32 in software, x8)' },
  { target: 'rpi-zero-2w', from: 'rpi4', int8: 2, f32: 2, why: 'Cortex-A53 (in-order, 64-bit NEON datapath) against Cortex-A72 (out-of-order, 128-bit): about 2x the cycles' },
];
/** Reference-quality constants where only optimized rows exist: optimized x this (TFLM reference vs tuned kernels). */
const REFERENCE_PER_OPTIMIZED_GATEWAY = 3;

interface ModelWork {
  work: Record<KernelClass, number>;
  costedOps: number;
}

function modelWork(task: MlperfTask): ModelWork {
  const model = MLPERF_MODELS[task]();
  const shapes = validateModel(model);
  const plan = compilePlan(model, shapes, 0);
  const work = Object.fromEntries(KERNEL_CLASSES.map((c) => [c, 0])) as Record<KernelClass, number>;
  let costedOps = 0;
  plan.ops.forEach((op, i) => {
    const cost = classifyOp(op, shapes.ops[i].outs.reduce((n, o) => n + elementCount(o.shape), 0));
    if (!cost.cls) return;
    work[cost.cls] += cost.work;
    costedOps++;
  });
  return { work, costedOps };
}

/** Least squares (normal equations, Gaussian elimination); small systems only. */
function leastSquares(a: number[][], b: number[]): number[] {
  const n = a[0].length;
  const m = Array.from({ length: n }, (_, i) => [...Array.from({ length: n }, (_, j) => a.reduce((s, row) => s + row[i] * row[j], 0)), a.reduce((s, row, r) => s + row[i] * b[r], 0)]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

const round3 = (v: number) => Number(v.toPrecision(3));

function fitGroup(profile: TargetProfile, quality: Quality, rows: MlperfResult[], works: Record<string, ModelWork>): void {
  const k = profile.kernels[quality];
  const ew = k.cyclesPerMac.elementwise.int8.value;
  const overhead = k.overheadCycles.value;
  const tieDense = !rows.some((r) => works[r.task].work.dense > works[r.task].work.conv);
  const unknowns: KernelClass[] = tieDense ? ['conv', 'depthwise'] : FITTED;
  const a = rows.map((r) => {
    const w = works[r.task].work;
    return unknowns.map((c) => (c === 'conv' && tieDense ? w.conv + RPI4_DENSE_PER_CONV * w.dense : w[c]));
  });
  const b = rows.map((r) => (r.latencyMs / 1e3) * profile.clockHz.value - works[r.task].work.elementwise * ew - works[r.task].costedOps * overhead);
  const x = leastSquares(a, b);
  const fitted: Partial<Record<KernelClass, number>> = {};
  unknowns.forEach((c, i) => (fitted[c] = x[i]));
  if (tieDense) fitted.dense = RPI4_DENSE_PER_CONV * fitted.conv!;
  const note = `fitted by bench/calibrate to ${rows.map((r) => r.task.toUpperCase()).join(', ')} (${rows[0].runtime})`;
  const src = [rows[0].target === 'rpi4' ? 'mlperf-leip-rpi4' : quality === 'reference' ? 'mlperf-v0.5-reference' : 'mlperf-v1.1-st', 'bench-calibrate'];
  for (const c of FITTED) {
    const v = fitted[c]!;
    if (!(v > 0)) throw new Error(`${profile.name} ${quality}: the fit gives ${c} = ${v} cycles/MAC; the priors do not suit this board`);
    const tied = tieDense && c === 'dense';
    k.cyclesPerMac[c].int8 = { value: round3(v), sources: src, provisional: tied, note: tied ? `${RPI4_DENSE_PER_CONV} x conv (no dense-only row to fit)` : note };
  }
}

function deriveFromInt8(profile: TargetProfile, quality: Quality): void {
  const cpm = profile.kernels[quality].cyclesPerMac;
  cpm.recurrent.int8 = { value: round3(cpm.dense.int8.value * RECURRENT_PER_DENSE), sources: ['bench-calibrate', 'assumption'], provisional: true, note: `${RECURRENT_PER_DENSE} x dense int8 (matrix-vector per step plus gates); no published recurrent measurement` };
  for (const c of KERNEL_CLASSES) {
    const f = c === 'elementwise' ? 1.5 : F32_PER_INT8[quality];
    // Tuned kernels gain little on f32 without f32 SIMD: never price them above the reference f32 kernels.
    const cap = quality === 'optimized' ? profile.kernels.reference.cyclesPerMac[c].f32.value : Infinity;
    const capped = cpm[c].int8.value * f > cap;
    cpm[c].f32 = { value: round3(Math.min(cpm[c].int8.value * f, cap)), sources: ['bench-calibrate', 'cmsis-nn-2018'], provisional: true, note: capped ? 'as the reference f32 kernels (tuned kernels have no f32 SIMD to use on this core class); no published f32 measurement' : `${f} x int8 (no f32 SIMD on this core class); no published f32 measurement` };
  }
}

function fitPower(profile: TargetProfile, rows: MlperfResult[]): void {
  const ratios = rows.filter((r) => r.energyUj !== undefined).map((r) => r.energyUj! / 1e6 / (r.latencyMs / 1e3));
  if (ratios.length === 0) return;
  const w = Math.sqrt(Math.min(...ratios) * Math.max(...ratios));
  profile.activePowerW = { value: round3(w), sources: [...new Set(rows.map((r) => (r.quality === 'reference' ? 'mlperf-v0.5-reference' : 'mlperf-v1.1-st')))], provisional: false, note: `geometric middle of measured energy / latency over ${ratios.length} rows (${Math.min(...ratios).toFixed(4)} to ${Math.max(...ratios).toFixed(4)} W)` };
}

function refit(profiles: Map<string, TargetProfile>, works: Record<string, ModelWork>): void {
  const fitRows = MLPERF_RESULTS.filter((r) => r.use === 'fit');
  for (const p of profiles.values()) {
    const boardRows = fitRows.filter((r) => r.target === p.name);
    if (boardRows.length === 0) continue;
    for (const q of ['reference', 'optimized'] as Quality[]) {
      const rows = boardRows.filter((r) => r.quality === q);
      if (rows.length) fitGroup(p, q, rows, works);
    }
    fitPower(p, boardRows);
  }
  // Reference quality where only optimized rows exist: scale by the L4R5 ratio per class (same vendor toolchain family).
  const l4 = profiles.get('stm32l4r5')!;
  for (const p of profiles.values()) {
    const rows = fitRows.filter((r) => r.target === p.name);
    if (rows.length === 0) continue;
    if (!rows.some((r) => r.quality === 'reference')) {
      for (const c of FITTED) {
        const ratio = p.kind === 'gateway' ? REFERENCE_PER_OPTIMIZED_GATEWAY : l4.kernels.reference.cyclesPerMac[c].int8.value / l4.kernels.optimized.cyclesPerMac[c].int8.value;
        p.kernels.reference.cyclesPerMac[c].int8 = {
          value: round3(p.kernels.optimized.cyclesPerMac[c].int8.value * ratio),
          sources: ['bench-calibrate', p.kind === 'gateway' ? 'assumption' : 'mlperf-v0.5-reference'],
          provisional: true,
          note: p.kind === 'gateway' ? `${ratio} x optimized (plain kernels without NEON tuning)` : `optimized x ${ratio.toFixed(2)}, the reference/optimized ratio measured on the L4R5`,
        };
      }
    }
    for (const q of ['reference', 'optimized'] as Quality[]) deriveFromInt8(p, q);
  }
  for (const an of ANALOGS) {
    const p = profiles.get(an.target);
    const from = profiles.get(an.from);
    if (!p || !from) continue;
    for (const q of ['reference', 'optimized'] as Quality[]) {
      for (const c of KERNEL_CLASSES) {
        for (const d of ['int8', 'f32'] as const) {
          const f = d === 'int8' ? an.int8 : an.f32;
          p.kernels[q].cyclesPerMac[c][d] = { value: round3(from.kernels[q].cyclesPerMac[c][d].value * f), sources: ['bench-calibrate', 'assumption'], provisional: true, note: `${f} x ${an.from}: ${an.why}` };
        }
      }
      p.kernels[q].overheadCycles = { ...from.kernels[q].overheadCycles, provisional: true, note: `as ${an.from}` };
    }
  }
}

function writeProfile(p: TargetProfile): void {
  const file = path.join(targetsDir(), `${p.name}.json`);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.activePowerW = p.activePowerW;
  json.kernels = p.kernels;
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

export interface CalibrationRow {
  row: MlperfResult;
  latencyMs: number;
  energyUj: number;
  latencyError: number;
  energyError?: number;
}

export function calibrationTable(profiles: TargetProfile[]): CalibrationRow[] {
  const models = Object.fromEntries(Object.entries(MLPERF_MODELS).map(([k, f]) => [k, f()]));
  return MLPERF_RESULTS.map((row) => {
    const profile = profiles.find((p) => p.name === row.target)!;
    const e = estimateModel(models[row.task], profile, { quality: row.quality, dtype: 'int8' });
    return {
      row,
      latencyMs: e.totals.latencyMs,
      energyUj: e.totals.energyUj,
      latencyError: e.totals.latencyMs / row.latencyMs - 1,
      ...(row.energyUj !== undefined ? { energyError: e.totals.energyUj / row.energyUj - 1 } : {}),
    };
  });
}

function formatTable(rows: CalibrationRow[]): string {
  const pct = (v: number | undefined) => (v === undefined ? '-' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);
  const head = ['target', 'quality', 'runtime', 'model', 'use', 'lat meas ms', 'lat est ms', 'lat err', 'E meas uJ', 'E est uJ', 'E err'];
  const body = rows.map((r) => [r.row.target, r.row.quality, r.row.runtime, r.row.task.toUpperCase(), r.row.use, String(r.row.latencyMs), r.latencyMs.toPrecision(4), pct(r.latencyError), r.row.energyUj === undefined ? '-' : String(r.row.energyUj), r.row.energyUj === undefined ? '-' : r.energyUj.toPrecision(4), pct(r.energyError)]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  return [head, ...body].map((r) => r.map((c, j) => (j >= 5 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const profiles = new Map(loadAllTargets().map((p) => [p.name, p]));
  if (write) {
    const works = Object.fromEntries((Object.keys(MLPERF_MODELS) as MlperfTask[]).map((t) => [t, modelWork(t)]));
    refit(profiles, works);
    for (const p of profiles.values()) writeProfile(p);
  }
  const table = calibrationTable(loadAllTargets());
  console.log(formatTable(table));
  const fit = table.filter((r) => r.row.use === 'fit');
  const worst = (f: (r: CalibrationRow) => number | undefined) => Math.max(...fit.map((r) => Math.abs(f(r) ?? 0)));
  const holdout = table.filter((r) => r.row.use === 'holdout');
  console.log(`\nfitted rows: worst latency error ${(worst((r) => r.latencyError) * 100).toFixed(1)}% (tolerance ${CALIBRATION_TOLERANCE.latency * 100}%), worst energy error ${(worst((r) => r.energyError) * 100).toFixed(1)}% (tolerance ${CALIBRATION_TOLERANCE.energy * 100}%)`);
  if (holdout.length) console.log(`held-out rows (never fitted): latency errors ${holdout.map((r) => `${r.row.target} ${(r.latencyError * 100).toFixed(0)}%`).join(', ')}`);
  console.log(write ? 'targets/*.json rewritten' : '(profiles as committed; --write refits them)');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) await main();
