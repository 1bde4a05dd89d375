// importOnnx: ONNX model bytes -> tinysense IR.
//   parse.ts    protobuf -> plain nodes, tensors and value infos (checked)
//   context.ts  values and layouts during the mapping; emits IR through the builder
//   ops/        one mapping per ONNX op (ops/index.ts is the table)
//   passes.ts   no-op removal, batch-norm / bias folding, activation fusion, dead code
// The result is validated (src/graph/validate.ts) before it is returned.
import { fail, isTinysenseError, TinysenseError } from '../../errors.ts';
import type { Model } from '../../graph/model.ts';
import { validateModel } from '../../graph/validate.ts';
import { ImportContext, makeConst, type Value } from './context.ts';
import { identityPerm } from './layout.ts';
import { CONSTANT_ONLY_OPS, ONNX_OPS, SUPPORTED_OPS } from './ops/index.ts';
import { dtypeName, parseOnnx, type OnnxNode, type OnnxValueInfo } from './parse.ts';
import { optimizeImported } from './passes.ts';
import { ONNX_DTYPE } from './schema.ts';

export { SUPPORTED_OPS as ONNX_SUPPORTED_OPS, CONSTANT_ONLY_OPS as ONNX_CONSTANT_ONLY_OPS };

export interface ImportOnnxOptions {
  /** Static shapes for inputs whose dims are symbolic, by input name: { input: [1, 9, 128] }. */
  inputShapes?: Record<string, number[]>;
  /** Shown in error messages and recorded in the provenance. */
  file?: string;
  /** The IR model's name (default: the graph's name, else the file's stem). */
  name?: string;
}

/** The opsets whose operator semantics the mappings follow (and the tests cover). */
export const ONNX_OPSETS = { min: 11, max: 18 } as const;

export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Model {
  const file = options.file;
  const onnx = parseOnnx(bytes, file);
  if (onnx.opset < ONNX_OPSETS.min) {
    fail('IMPORT_UNSUPPORTED', `opset ${onnx.opset} is older than the importer supports; re-export with opset_version between ${ONNX_OPSETS.min} and ${ONNX_OPSETS.max}`, { where: { file, field: 'opset_import' }, expected: `${ONNX_OPSETS.min}..${ONNX_OPSETS.max}`, found: onnx.opset });
  }
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of onnx.nodes) for (const i of n.inputs) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const name = options.name ?? (onnx.graphName && onnx.graphName !== 'main_graph' && onnx.graphName !== 'torch_jit' ? onnx.graphName : stem(file) ?? 'onnx_model');
  const ctx = new ImportContext(name, onnx.opset, file, consumers, new Set(onnx.outputs.map((o) => o.name)));

  for (const [key, t] of onnx.initializers) ctx.set(key, makeConst(t.dims, t.dtype, t.data));
  for (const input of onnx.inputs) {
    const shape = staticShape(input, options.inputShapes?.[input.name], file);
    const ref = ctx.b.input(input.name, shape);
    ctx.inputIds.push(ref.id);
    ctx.set(input.name, ctx.tensor(ref, shape, identityPerm(shape.length)));
  }
  const unknownShapes = Object.keys(options.inputShapes ?? {}).filter((k) => !onnx.inputs.some((i) => i.name === k));
  if (unknownShapes.length) {
    fail('IMPORT_DYNAMIC_SHAPE', `--input-shape names ${unknownShapes.join(', ')}, which is not a graph input`, { where: { file }, expected: `one of ${onnx.inputs.map((i) => i.name).join(', ')}` });
  }
  for (const node of onnx.nodes) importNode(ctx, node);

  const taken = new Set<number>(ctx.inputIds);
  for (const out of onnx.outputs) {
    const v = ctx.get(out.name);
    if (v.kind === 'const') fail('IMPORT_UNSUPPORTED', `graph output "${out.name}" is a constant (it does not depend on any input)`, { where: { file, tensor: out.name } });
    let ref = ctx.plain(v, out.name);
    // An output must be a tensor of its own: a graph input or another output passed through is copied.
    if (taken.has(ref.id)) ref = ctx.emit('transpose', [ref], { perm: identityPerm(ref.shape.length) }, `${out.name}/copy`)[0];
    taken.add(ref.id);
    ctx.b.output(ref, out.name);
  }
  const built = ctx.b.build({ provenance: `onnx importer: ${file ? `${stem(file)}.onnx, ` : ''}opset ${onnx.opset}${onnx.producer ? `, produced by ${onnx.producer}` : ''}` });
  const model = optimizeImported(built);
  validateModel(model);
  return model;
}

function importNode(ctx: ImportContext, node: OnnxNode): void {
  if (node.domain !== '' && node.domain !== 'ai.onnx') {
    fail('IMPORT_UNSUPPORTED', `${node.opType} node "${node.name}" is in operator domain "${node.domain}"; only the default ONNX domain is supported`, { where: ctx.where(node) });
  }
  const imp = ONNX_OPS[node.opType];
  if (!imp) {
    fail('IMPORT_UNSUPPORTED', `op type ${node.opType} (node "${node.name}") is not supported; supported ops: ${SUPPORTED_OPS.join(', ')} (and on constants only: ${CONSTANT_ONLY_OPS.join(', ')})`, { where: ctx.where(node) });
  }
  for (const a of node.attrs.keys()) {
    if (!imp.attrs.includes(a)) {
      fail('IMPORT_UNSUPPORTED', `${node.opType} node "${node.name}" has attribute ${a}, which the importer does not support; it reads ${imp.attrs.length ? imp.attrs.join(', ') : 'no attributes'}`, { where: ctx.where(node, a) });
    }
  }
  const ins = node.inputs.map((n) => (n ? ctx.get(n, node) : undefined));
  const allConst = ins.every((v) => !v || v.kind === 'const');
  let outs: (Value | undefined)[];
  try {
    if (imp.fold && (imp.foldsAny || allConst)) outs = imp.fold(node, ins, ctx);
    else if (imp.run) outs = imp.run(node, ctx);
    else return ctx.unsupported(node, `is supported on constants only (shape arithmetic), but input ${ins.findIndex((v) => v?.kind === 'tensor')} is computed from the graph inputs`);
  } catch (e) {
    // The IR ops check what they are given; a rejection there means this ONNX node cannot be mapped as it is.
    if (isTinysenseError(e) && !e.code.startsWith('IMPORT_')) {
      throw new TinysenseError('IMPORT_UNSUPPORTED', `${node.opType} node "${node.name}" cannot be mapped: ${e.message}`, { where: ctx.where(node), cause: e });
    }
    throw e;
  }
  node.outputs.forEach((o, i) => {
    if (!o) return;
    const v = outs[i];
    if (v) ctx.set(o, v);
    else if (!ctx.isUnavailable(o)) ctx.markUnavailable(o, `output ${i} of ${node.opType} node "${node.name}" is not produced by the importer`);
  });
}

/** The input's shape with every dim a positive integer, from the file or from `given`. */
function staticShape(input: OnnxValueInfo, given: number[] | undefined, file: string | undefined): number[] {
  const where = { file, tensor: input.name };
  if (input.elemType !== ONNX_DTYPE.FLOAT) {
    fail('IMPORT_UNSUPPORTED', `graph input "${input.name}" has element type ${dtypeName(input.elemType)}; inputs must be FLOAT`, { where });
  }
  const hint = (dims: string) => `export with static shapes (e.g. torch.onnx.export without dynamic_axes) or pass --input-shape ${input.name}=${dims} (inputShapes: { '${input.name}': [${dims.split('x').join(', ')}] })`;
  if (given) {
    if (given.some((d) => !Number.isInteger(d) || d < 1)) fail('IMPORT_DYNAMIC_SHAPE', `the shape given for input "${input.name}" must be positive integers`, { where, found: `[${given}]` });
    if (input.dims && input.dims.length !== given.length) {
      fail('IMPORT_DYNAMIC_SHAPE', `the shape given for input "${input.name}" has rank ${given.length}, the model declares rank ${input.dims.length}`, { where, expected: `[${input.dims.map((d) => d ?? '?')}]`, found: `[${given}]` });
    }
    input.dims?.forEach((d, i) => {
      if (typeof d === 'number' && d > 0 && d !== given[i]) {
        fail('IMPORT_DYNAMIC_SHAPE', `the shape given for input "${input.name}" changes dim ${i}, which the model fixes`, { where, expected: `[${input.dims!.map((x) => x ?? '?')}]`, found: `[${given}]` });
      }
    });
    return [...given];
  }
  if (!input.dims) fail('IMPORT_DYNAMIC_SHAPE', `input "${input.name}" has no declared shape; ${hint('1x9x128')}`, { where });
  const dynamic = input.dims.findIndex((d) => typeof d !== 'number' || d < 1);
  if (dynamic >= 0) {
    const example = input.dims.map((d) => (typeof d === 'number' && d > 0 ? String(d) : '1')).join('x');
    const dim = input.dims[dynamic];
    fail('IMPORT_DYNAMIC_SHAPE', `input "${input.name}" dim ${dynamic} is dynamic (${typeof dim === 'string' ? `"${dim}"` : 'unknown'}); ${hint(example)}`, {
      where, found: `[${input.dims.map((d) => (typeof d === 'number' && d > 0 ? d : typeof d === 'string' ? d : '?'))}]`,
    });
  }
  return input.dims as number[];
}

function stem(file: string | undefined): string | undefined {
  if (!file) return undefined;
  return file.split(/[\\/]/).pop()!.replace(/\.onnx$/i, '');
}

