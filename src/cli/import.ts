import { writeFileSync } from 'node:fs';
import { fail } from '../errors.ts';
import { writeModel } from '../format/write.ts';
import { importOnnx, ONNX_OPSETS, ONNX_SUPPORTED_OPS } from '../importers/onnx/index.ts';
import { summarizeModel } from './inspect.ts';
import { readFileBytes, requirePositional, shapeText, type Command } from './common.ts';

/** `name=1x9x128` -> ['name', [1, 9, 128]]. */
export function parseInputShape(spec: string): [string, number[]] {
  const eq = spec.lastIndexOf('=');
  const dims = eq > 0 ? spec.slice(eq + 1).split(/[x,]/).map(Number) : [];
  if (eq <= 0 || dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    fail('CLI_USAGE', '--input-shape takes NAME=DIMS with positive dims joined by x', { expected: 'e.g. --input-shape input=1x9x128', found: spec });
  }
  return [spec.slice(0, eq), dims];
}

export const importCommand: Command = {
  name: 'import',
  summary: 'convert an ONNX model to .tsm',
  help: `usage: tinysense import MODEL.onnx -o MODEL.tsm [--input-shape NAME=1x9x128 ...]

Reads an ONNX model (opsets ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max}, as exported by PyTorch or tf2onnx),
folds constants, batch-norm and activations into the ops before them, converts
the layout to tinysense's channels-last (the model's inputs and outputs keep
their ONNX names and shapes) and writes a .tsm.

  -o, --output FILE        the .tsm to write (required)
  --input-shape NAME=DIMS  fix a dynamic input shape, e.g. input=1x9x128 (repeatable)

Supported ONNX ops: ${ONNX_SUPPORTED_OPS.join(', ')}.
Shape subgraphs (Shape, Gather, Concat, ... on static shapes) are folded.`,
  options: { output: { type: 'string', short: 'o' }, 'input-shape': { type: 'string', multiple: true } },
  run(values, positionals) {
    const file = requirePositional(importCommand, positionals, 'model');
    const out = values.output as string | undefined;
    if (!out) fail('CLI_USAGE', 'tinysense import needs -o OUTPUT.tsm', { expected: 'tinysense import MODEL.onnx -o MODEL.tsm' });
    const inputShapes = Object.fromEntries(((values['input-shape'] as string[] | undefined) ?? []).map(parseInputShape));
    const model = importOnnx(readFileBytes(file), { file, inputShapes });
    const bytes = writeModel(model);
    try {
      writeFileSync(out, bytes);
    } catch (e) {
      fail('IO_FILE', `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: { file: out }, cause: e });
    }
    const s = summarizeModel(model);
    console.log(`${file} -> ${out} (${bytes.length.toLocaleString('en-US')} bytes)`);
    console.log(`inputs:  ${s.inputs.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')}`);
    console.log(`outputs: ${s.outputs.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')}`);
    console.log(`${model.ops.length} ops, params ${s.totals.params.toLocaleString('en-US')}, MACs ${s.totals.macs.toLocaleString('en-US')}`);
  },
};
