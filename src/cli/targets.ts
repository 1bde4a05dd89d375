// `tinysense targets` lists the hardware profiles; `inspect --target` (wired
// in inspect.ts) prints the per-layer cost estimate and the budget verdict
// through inspectForTarget below.
import { writeFileSync } from 'node:fs';
import { fail } from '../errors.ts';
import type { Model } from '../graph/model.ts';
import { formatBytes } from '../plan/report.ts';
import { estimateAll, estimateModel, type EstimateOptions, type TargetEstimate } from '../targets/estimate.ts';
import { COST_DTYPES, QUALITIES, loadAllTargets, loadTarget, type CostDType, type Quality, type TargetProfile } from '../targets/profile.ts';
import { renderReport } from '../targets/report.ts';
import { formatTable, type Command } from './common.ts';

/** Options `inspect` accepts for a target estimate (merged into its own). */
export const TARGET_OPTIONS = {
  target: { type: 'string' },
  quality: { type: 'string' },
  dtype: { type: 'string' },
  rate: { type: 'string' },
  battery: { type: 'string' },
  html: { type: 'string' },
} as const;

export const TARGET_HELP = `
  --target NAME        estimate time, energy and memory on a target profile (see \`tinysense targets\`)
  --quality Q          kernel quality: reference (plain kernels, as TFLM) | optimized (CMSIS-NN / vendor); default optimized
  --dtype D            f32 (default) | int8: "what if this model were quantised" (1-byte weights, int8 costs)
  --rate N/s           inferences per second: prints the duty-cycle average power
  --battery mAh@V      battery capacity and voltage (e.g. 1000mAh@3.7V): prints the battery life at --rate
  --html FILE          write a self-contained HTML report with charts (needs --target)`;

function parseRate(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)\s*(?:\/s)?\s*$/i.exec(String(raw));
  if (!m || !(Number(m[1]) > 0)) fail('CLI_USAGE', '--rate must be a positive number of inferences per second', { expected: 'e.g. 10/s or 0.5', found: String(raw) });
  return Number(m![1]);
}

function parseBattery(raw: unknown): { mAh: number; volts: number } | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*([0-9]*\.?[0-9]+)\s*mAh\s*@\s*([0-9]*\.?[0-9]+)\s*V\s*$/i.exec(String(raw));
  if (!m || !(Number(m[1]) > 0) || !(Number(m[2]) > 0)) fail('CLI_USAGE', '--battery must be capacity@voltage', { expected: 'e.g. 1000mAh@3.7V', found: String(raw) });
  return { mAh: Number(m![1]), volts: Number(m![2]) };
}

export function readEstimateOptions(values: Record<string, unknown>): EstimateOptions {
  const quality = (values.quality ?? 'optimized') as Quality;
  if (!QUALITIES.includes(quality)) fail('CLI_USAGE', '--quality is reference or optimized', { found: String(values.quality) });
  const dtype = (values.dtype ?? 'f32') as CostDType;
  if (!COST_DTYPES.includes(dtype)) fail('CLI_USAGE', '--dtype is f32 or int8', { found: String(values.dtype) });
  const rateHz = parseRate(values.rate);
  const battery = parseBattery(values.battery);
  if (battery && rateHz === undefined) fail('CLI_USAGE', '--battery needs --rate (the battery life depends on how often the model runs)');
  return { quality, dtype, ...(rateHz !== undefined ? { rateHz } : {}), ...(battery ? { battery } : {}) };
}

const num = (v: number, digits = 3) => Number(v.toPrecision(digits));

export function formatEstimate(e: TargetEstimate): string {
  const rows = e.layers.map((l) => [String(l.index), l.name, l.type, l.cls ?? '-', l.macs, l.ops, l.weightBytes, l.activationBytes, Math.round(l.cycles), num(l.latencyMs), num(l.energyUj), num(l.gopPerS), num(l.gopPerW)]);
  const t = e.totals;
  const m = e.memory;
  const lines = [
    `model ${e.model} on ${e.target} (${e.board}), ${e.quality} kernels, ${e.dtype}`,
    '',
    formatTable(['#', 'op', 'type', 'class', 'MACs', 'ops', 'weight B', 'act B', 'cycles', 'ms', 'uJ', 'GOP/s', 'GOP/W'], rows),
    '',
    `total: ${t.macs.toLocaleString('en-US')} MACs, ${Math.round(t.cycles).toLocaleString('en-US')} cycles, ${num(t.latencyMs)} ms, ${num(t.energyUj)} uJ, ${num(t.gopPerS)} GOP/s, ${num(t.gopPerW)} GOP/W`,
    `SRAM:  ${formatBytes(m.sramUsedBytes)} used (arena ${formatBytes(m.arenaBytes)} + scratch ${formatBytes(m.scratchBytes)} + runtime ${formatBytes(m.runtimeSramBytes)}) of ${formatBytes(m.sramBytes)}; peak live ${formatBytes(m.peakOp.liveBytes)} at op ${m.peakOp.index} ${m.peakOp.name} (${m.peakOp.type})`,
    `flash: ${formatBytes(m.flashUsedBytes)} used (weights ${formatBytes(m.weightBytes)} + runtime ${formatBytes(m.runtimeFlashBytes)}) of ${formatBytes(m.flashBytes)}`,
    `verdict: ${e.verdict}${e.verdict === 'fits' ? '' : ` (${[m.sramOverBytes ? `SRAM over by ${m.sramOverBytes} bytes` : '', m.flashOverBytes ? `flash over by ${m.flashOverBytes} bytes` : ''].filter(Boolean).join(', ')}; the arena peaks at op ${m.peakOp.name})`}`,
  ];
  if (e.duty) {
    const d = e.duty;
    lines.push(`at ${d.rateHz}/s: busy ${num(d.activeFraction * 100)} % of the time, average power ${num(d.averagePowerW * 1e3)} mW`);
    if (d.battery) lines.push(`battery ${d.battery.mAh} mAh @ ${d.battery.volts} V: ${num(d.battery.hours)} h (${num(d.battery.days)} days)`);
  }
  for (const f of e.flags) lines.push(`warning: ${f}`);
  if (e.provisional.length) lines.push(`provisional constants used (no published measurement): ${e.provisional.join(', ')}`);
  return lines.join('\n');
}

/** inspect MODEL --target NAME ...: prints (or writes) the estimate. */
export async function inspectForTarget(model: Model, values: Record<string, unknown>): Promise<void> {
  const profile = loadTarget(String(values.target));
  const options = readEstimateOptions(values);
  const estimate = estimateModel(model, profile, options);
  if (values.html !== undefined) {
    const all = estimateAll(model, loadAllTargets(), options);
    const html = await renderReport(estimate, all, profile);
    try {
      writeFileSync(String(values.html), html);
    } catch (e) {
      fail('IO_FILE', `cannot write ${String(values.html)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: { file: String(values.html) }, cause: e });
    }
  }
  console.log(values.json ? JSON.stringify(estimate, null, 2) : formatEstimate(estimate) + (values.html !== undefined ? `\nreport: ${String(values.html)}` : ''));
}

function targetRow(p: TargetProfile): (string | number)[] {
  const opt = p.kernels.optimized.cyclesPerMac;
  return [p.name, p.board, `${p.core}${p.cores > 1 ? ` x${p.cores}` : ''}`, `${num(p.clockHz.value / 1e6)} MHz`, formatBytes(p.sramBytes.value), formatBytes(p.flashBytes.value), `${num(p.activePowerW.value * 1e3)} mW`, `${opt.conv.int8.value}/${opt.dense.int8.value}`, `${p.plausibleGopPerW.min.value}-${p.plausibleGopPerW.max.value}`];
}

export const targetsCommand: Command = {
  name: 'targets',
  summary: 'list the hardware target profiles and their key figures',
  help: `usage: tinysense targets [--json]

Lists the target profiles in targets/: core, clock, SRAM, flash, active power,
the optimized int8 cycles per MAC of conv and dense layers, and the GOP/W range
estimates are checked against. Use a name with \`tinysense inspect MODEL --target NAME\`.

  --json   print the profiles as JSON`,
  options: { json: { type: 'boolean' } },
  run(values) {
    const profiles = loadAllTargets();
    if (values.json) {
      console.log(JSON.stringify(profiles.map(({ budget: _b, ...p }) => p), null, 2));
      return;
    }
    console.log(formatTable(['name', 'board', 'core', 'clock', 'SRAM', 'flash', 'active', 'int8 cyc/MAC conv/dense', 'GOP/W range'], profiles.map(targetRow)));
  },
};
