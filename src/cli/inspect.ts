import { fail } from '../errors.ts';
import { validateModel } from '../graph/validate.ts';
import { compilePlan } from '../schedule/compile.ts';
import { formatBytes } from '../plan/report.ts';
import { formatTable, loadModelFile, requirePositional, shapeText, type Command } from './common.ts';
import type { Model } from '../graph/model.ts';
import { inspectForTarget, TARGET_HELP, TARGET_OPTIONS } from './targets.ts';
import { inspectWithTimeModel, TIME_MODEL_HELP, TIME_MODEL_OPTIONS } from './profile.ts';

export interface ModelSummary {
  name: string;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  labels?: string[];
  ops: { name: string; type: string; outputShape: number[]; params: number; macs: number }[];
  totals: { params: number; macs: number };
  memory: { arenaBytes: number; weightBytes: number; scratchBytes: number; peakLiveBytes: number; peakOp: string; planBytes: number };
}

/** Everything `inspect` reports, as plain data (no wasm instance needed). */
export function summarizeModel(model: Model): ModelSummary {
  const shapes = validateModel(model);
  const plan = compilePlan(model, shapes, 0);
  const ops = model.ops.map((op, i) => ({
    name: op.name,
    type: op.type,
    outputShape: [...shapes.ops[i].outs[0].shape],
    params: plan.ops[i].params,
    macs: plan.ops[i].macs,
  }));
  const peakOp = model.ops[plan.arena.peakOp];
  return {
    name: model.name,
    inputs: plan.inputs.map((s) => ({ name: s.name, shape: s.shape })),
    outputs: plan.outputs.map((s) => ({ name: s.name, shape: s.shape })),
    ...(model.metadata.labels ? { labels: model.metadata.labels } : {}),
    ops,
    totals: { params: ops.reduce((s, o) => s + o.params, 0), macs: ops.reduce((s, o) => s + o.macs, 0) },
    memory: {
      arenaBytes: plan.layout.arenaBytes,
      weightBytes: plan.layout.weightBytes,
      scratchBytes: plan.layout.scratchBytes,
      peakLiveBytes: plan.arena.peakLiveBytes,
      peakOp: peakOp ? `${peakOp.name} (${peakOp.type})` : '-',
      planBytes: plan.layout.end - plan.layout.base,
    },
  };
}

export function formatSummary(s: ModelSummary): string {
  const lines = [
    `model ${s.name}`,
    `inputs:  ${s.inputs.map((t) => `${t.name} ${shapeText(t.shape)} f32`).join(', ')}`,
    `outputs: ${s.outputs.map((t) => `${t.name} ${shapeText(t.shape)} f32`).join(', ')}`,
  ];
  if (s.labels) lines.push(`labels:  ${s.labels.join(', ')}`);
  lines.push('', formatTable(['#', 'op', 'type', 'output', 'params', 'MACs'], s.ops.map((o, i) => [String(i), o.name, o.type, shapeText(o.outputShape), o.params, o.macs])));
  lines.push(
    '',
    `params ${s.totals.params.toLocaleString('en-US')}, MACs ${s.totals.macs.toLocaleString('en-US')}`,
    `arena ${formatBytes(s.memory.arenaBytes)} (peak live ${formatBytes(s.memory.peakLiveBytes)} at ${s.memory.peakOp}), weights ${formatBytes(s.memory.weightBytes)} packed, scratch ${formatBytes(s.memory.scratchBytes)}`,
  );
  return lines.join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'ops, shapes, params, MACs and memory of a model',
  help: `usage: tinysense inspect MODEL.tsm [--json]

Prints each op with its output shape, parameter count and multiply-accumulates,
the totals, and the memory plan: activation arena bytes (and the op where the
live set peaks), packed weight bytes and kernel scratch bytes.

  --json   print the same as JSON
${TARGET_HELP}${TIME_MODEL_HELP}`,
  options: { json: { type: 'boolean' }, ...TARGET_OPTIONS, ...TIME_MODEL_OPTIONS },
  run(values, positionals) {
    const file = requirePositional(inspectCommand, positionals, 'model');
    if (values.target !== undefined) return inspectForTarget(loadModelFile(file).model, values);
    if (values['time-model'] !== undefined) return inspectWithTimeModel(loadModelFile(file).model, values);
    if (values.html !== undefined) fail('CLI_USAGE', '--html needs --target NAME');
    const summary = summarizeModel(loadModelFile(file).model);
    console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  },
};
