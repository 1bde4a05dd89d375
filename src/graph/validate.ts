// Checks that a model (read from a blob, built, or imported) is one the
// runtime can plan and run, and infers every op's shapes once so the
// scheduler can reuse them. Checks run in dependency order: tensors, then the
// graph's wiring, then each op's semantics, so the first error reported is
// the most basic one.
import { fail, isTinysenseError, type ErrorWhere } from '../errors.ts';
import { getOpDef } from '../ops/registry.ts';
import { opWhere } from '../ops/attrs.ts';
import type { ShapeInfo } from '../ops/types.ts';
import { DTYPE_BYTES, type DType, type Model, type Tensor } from './model.ts';

export interface ModelShapes {
  /** Per op, in model order: input shapes (undefined for absent optional inputs; `data` set for constants) and output shapes. */
  ops: { ins: (ShapeInfo | undefined)[]; outs: ShapeInfo[] }[];
}

export interface ValidateOptions {
  file?: string;
}

/** Highest rank any tensor may have (the .tsm rank field allows no more). */
export const MAX_TENSOR_RANK = 8;
/** Largest tensor, in bytes: one tensor must fit 32-bit WebAssembly memory with room for the rest. */
export const MAX_TENSOR_BYTES = 2 ** 31;

const TYPED_ARRAY: Record<DType, Function> = { f32: Float32Array, i8: Int8Array, i32: Int32Array };

export function validateModel(model: Model, options: ValidateOptions = {}): ModelShapes {
  const file = options.file;
  const tensors = model.tensors;
  model.tensors.forEach((t, i) => checkTensor(t, i, file));
  const tensorWhere = (i: number): ErrorWhere => ({ file, tensor: tensors[i].name });

  // Graph inputs and outputs.
  const isInput = new Uint8Array(tensors.length);
  for (const [list, what] of [[model.inputs, 'inputs'], [model.outputs, 'outputs']] as const) {
    const seen = new Set<number>();
    list.forEach((x, j) => {
      if (!isIndex(x, tensors.length, false)) failIndex(x, tensors.length, false, { file, field: `${what}[${j}]` });
      if (seen.has(x)) fail('MODEL_GRAPH', `tensor listed twice among the graph ${what}`, { where: tensorWhere(x) });
      seen.add(x);
      if (tensors[x].data) fail('MODEL_GRAPH', `a constant cannot be a graph ${what === 'inputs' ? 'input' : 'output'}`, { where: tensorWhere(x) });
      // Sessions exchange f32 tensors; other dtypes live only inside a model.
      if (tensors[x].dtype !== 'f32') fail('MODEL_TENSOR', `graph ${what} must be f32`, { where: tensorWhere(x), expected: 'f32', found: tensors[x].dtype });
      if (what === 'inputs') isInput[x] = 1;
    });
  }

  // Producers: each non-constant tensor is a graph input or the output of exactly one op.
  const producer = new Int32Array(tensors.length).fill(-1);
  // Error locations are put together only when a check fails.
  const opAt = (op: Model['ops'][number], extra?: ErrorWhere): ErrorWhere => ({ file, ...opWhere(op), ...extra });
  model.ops.forEach((op, i) => {
    if (!Array.isArray(op.inputs) || !Array.isArray(op.outputs)) fail('MODEL_GRAPH', 'op inputs and outputs must be lists of tensor indices', { where: opAt(op) });
    if (typeof op.attrs !== 'object' || op.attrs === null || Array.isArray(op.attrs)) fail('MODEL_ATTRIBUTE', 'op attributes must be an object', { where: opAt(op), found: JSON.stringify(op.attrs) });
    for (let j = 0; j < op.inputs.length; j++) {
      if (!isIndex(op.inputs[j], tensors.length, true)) failIndex(op.inputs[j], tensors.length, true, opAt(op, { field: `inputs[${j}]` }));
    }
    for (let j = 0; j < op.outputs.length; j++) {
      const x = op.outputs[j];
      if (!isIndex(x, tensors.length, false)) failIndex(x, tensors.length, false, opAt(op, { field: `outputs[${j}]` }));
      if (tensors[x].data) fail('MODEL_GRAPH', 'an op writes to a constant', { where: opAt(op, { tensor: tensors[x].name }) });
      if (isInput[x]) fail('MODEL_GRAPH', 'an op writes to a graph input', { where: opAt(op, { tensor: tensors[x].name }) });
      if (producer[x] >= 0) fail('MODEL_GRAPH', 'tensor is produced by two ops', { where: opAt(op, { tensor: tensors[x].name }), expected: 'one producer', found: `${model.ops[producer[x]].name} and ${op.name}` });
      producer[x] = i;
    }
  });
  tensors.forEach((t, i) => {
    if (!t.data && !isInput[i] && producer[i] < 0) {
      fail('MODEL_GRAPH', 'tensor is neither a constant, a graph input nor the output of an op', { where: tensorWhere(i) });
    }
  });
  model.outputs.forEach((x) => {
    if (!isInput[x] && producer[x] < 0) fail('MODEL_GRAPH', 'graph output is never produced', { where: tensorWhere(x) });
  });

  // Execution order: every input is available before its op runs.
  model.ops.forEach((op, i) => {
    for (const x of op.inputs) {
      if (x < 0 || tensors[x].data || isInput[x] || producer[x] < i) continue;
      const cycle = findCycle(model, producer, i);
      const where = { file, ...opWhere(op), tensor: tensors[x].name };
      if (cycle) fail('MODEL_GRAPH', `the graph has a cycle: ${describeCycle(model, cycle)}`, { where });
      fail('MODEL_GRAPH', 'the op order is not a topological order: a tensor is used before it is produced', {
        where, expected: `produced before op #${i}`, found: `produced by op #${producer[x]} (${model.ops[producer[x]].name})`,
      });
    }
  });

  // Op semantics: known type, inputs as the OpDef specifies, declared shapes as inferred.
  const shapes: ModelShapes = { ops: [] };
  const info = (x: number): ShapeInfo | undefined => {
    if (x < 0) return undefined;
    const t = tensors[x];
    return t.data ? { shape: t.shape, dtype: t.dtype, data: t.data } : { shape: t.shape, dtype: t.dtype };
  };
  model.ops.forEach((op) => {
    const where: ErrorWhere = { file, ...opWhere(op) };
    const def = getOpDef(op.type, where);
    checkArity(op.inputs, def.inputs, tensors, where);
    const nOut = typeof def.outputs === 'number' ? def.outputs : def.outputs(op.attrs);
    if (op.outputs.length !== nOut) fail('MODEL_GRAPH', `op ${op.type} has the wrong number of outputs`, { where, expected: nOut, found: op.outputs.length });
    const ins = op.inputs.map(info);
    let inferred: ShapeInfo[];
    try {
      inferred = def.infer(ins, op.attrs, where);
    } catch (e) {
      if (isTinysenseError(e)) throw e;
      // A crash in an OpDef is a bug, but the load still fails with a code.
      return fail('MODEL_SHAPE_MISMATCH', `shape inference of ${op.type} failed on these inputs (a bug in the op: ${String(e)})`, {
        where, found: ins.map((s) => (s ? describeShape(s) : 'absent')).join(', '), cause: e,
      });
    }
    if (inferred.length !== nOut) fail('MODEL_SHAPE_MISMATCH', `shape inference of ${op.type} returned the wrong number of outputs`, { where, expected: nOut, found: inferred.length });
    const outs = op.outputs.map((x, j) => {
      const t = tensors[x];
      const want = inferred[j];
      if (t.dtype !== want.dtype || !sameShape(t.shape, want.shape)) {
        fail('MODEL_SHAPE_MISMATCH', 'declared output shape differs from the inferred one', {
          where: { ...where, tensor: t.name }, expected: describeShape(want), found: describeShape(t),
        });
      }
      return { shape: t.shape, dtype: t.dtype };
    });
    shapes.ops.push({ ins, outs });
  });
  return shapes;
}

function checkTensor(t: Tensor, i: number, file: string | undefined): void {
  // The location is put together only when a check fails.
  const where = (): ErrorWhere => ({ file, tensor: typeof t.name === 'string' ? t.name : `#${i}`, field: `tensors[${i}]` });
  if (typeof t.name !== 'string') fail('MODEL_TENSOR', 'tensor name must be a string', { where: where(), found: typeof t.name });
  if (!Object.prototype.hasOwnProperty.call(DTYPE_BYTES, t.dtype)) fail('MODEL_TENSOR', 'unknown dtype', { where: where(), expected: Object.keys(DTYPE_BYTES).join(', '), found: JSON.stringify(t.dtype) });
  if (!Array.isArray(t.shape) || t.shape.length > MAX_TENSOR_RANK) fail('MODEL_TENSOR', 'shape must be a list of at most 8 dimensions', { where: where(), found: JSON.stringify(t.shape) });
  const maxElements = MAX_TENSOR_BYTES / DTYPE_BYTES[t.dtype];
  let elements = 1;
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 1) fail('MODEL_TENSOR', 'dimensions must be positive integers', { where: where(), found: `[${t.shape}]` });
    elements *= d;
    if (elements > maxElements) fail('MODEL_TENSOR', 'tensor is too large', { where: where(), expected: `<= ${MAX_TENSOR_BYTES} bytes`, found: `[${t.shape}] ${t.dtype}` });
  }
  if (t.data !== undefined) {
    if (!(t.data instanceof TYPED_ARRAY[t.dtype])) fail('MODEL_WEIGHTS', `constant data must be a ${TYPED_ARRAY[t.dtype].name} for dtype ${t.dtype}`, { where: where(), found: Object.prototype.toString.call(t.data) });
    if (t.data.length !== elements) {
      fail('MODEL_WEIGHTS', 'constant data size does not match its shape', { where: where(), expected: `${elements * DTYPE_BYTES[t.dtype]} bytes ([${t.shape}] ${t.dtype})`, found: `${t.data.byteLength} bytes` });
    }
  }
}

function isIndex(x: number, count: number, allowAbsent: boolean): boolean {
  return Number.isInteger(x) && x < count && x >= (allowAbsent ? -1 : 0);
}

/** Callers test isIndex first, so the location is built only for a bad index. */
function failIndex(x: number, count: number, allowAbsent: boolean, where: ErrorWhere): never {
  return fail('MODEL_TENSOR', 'tensor index out of range', { where, expected: allowAbsent ? `-1 (absent) or 0..${count - 1}` : `0..${count - 1}`, found: x });
}

const F32_ONLY: readonly DType[] = ['f32'];

function checkArity(inputs: number[], specs: ReturnType<typeof getOpDef>['inputs'], tensors: Tensor[], where: ErrorWhere): void {
  const variadic = specs.length > 0 && specs[specs.length - 1].variadic === true;
  let min = specs.length;
  while (min > 0 && specs[min - 1].optional) min--;
  const max = variadic ? Infinity : specs.length;
  if (inputs.length < min || inputs.length > max) {
    fail('MODEL_GRAPH', 'wrong number of op inputs', {
      where, expected: `${min === max ? min : `${min} to ${max === Infinity ? 'any number' : max}`} (${specs.map((s) => s.name + (s.optional ? '?' : '') + (s.variadic ? '...' : '')).join(', ')})`, found: inputs.length,
    });
  }
  inputs.forEach((x, j) => {
    const spec = specs[Math.min(j, specs.length - 1)];
    if (x < 0 && !spec.optional) fail('MODEL_GRAPH', `required input ${spec.name} is absent`, { where: { ...where, field: `inputs[${j}]` } });
    const dtypes = spec.dtypes ?? F32_ONLY;
    if (x >= 0 && !dtypes.includes(tensors[x].dtype)) {
      fail('MODEL_TENSOR', `input ${spec.name} has an unsupported dtype`, { where: { ...where, tensor: tensors[x].name, field: `inputs[${j}]` }, expected: dtypes.join(' or '), found: tensors[x].dtype });
    }
    if (x >= 0 && spec.constant && !tensors[x].data) {
      fail('MODEL_WEIGHTS', `input ${spec.name} must be a constant`, { where: { ...where, tensor: tensors[x].name, field: `inputs[${j}]` }, expected: 'a constant tensor with data', found: 'an activation' });
    }
  });
}

/** The ops of a cycle reachable from op `start` along its dependencies, if there is one. */
function findCycle(model: Model, producer: Int32Array, start: number): number[] | undefined {
  // Iterative depth-first search (a corrupted blob can chain many thousands of
  // ops, too deep for recursion); `path` is the current chain of dependencies.
  const state = new Uint8Array(model.ops.length); // 0 unseen, 1 on the path, 2 finished
  const path: number[] = [start];
  const next: number[] = [0];
  state[start] = 1;
  while (path.length > 0) {
    const i = path[path.length - 1];
    const inputs = model.ops[i].inputs;
    const j = next[next.length - 1]++;
    if (j >= inputs.length) {
      state[i] = 2;
      path.pop();
      next.pop();
      continue;
    }
    const p = inputs[j] < 0 ? -1 : producer[inputs[j]];
    if (p < 0 || state[p] === 2) continue;
    // Data flows from producer to consumer, the reverse of the path.
    if (state[p] === 1) return [...path.slice(path.indexOf(p)), p].reverse();
    state[p] = 1;
    path.push(p);
    next.push(0);
  }
  return undefined;
}

function describeCycle(model: Model, cycle: number[]): string {
  const names = cycle.map((k) => model.ops[k].name);
  // A corrupted blob can make a cycle of thousands of ops: name the ends.
  return names.length <= 9 ? names.join(' -> ') : `${names.slice(0, 4).join(' -> ')} -> ... (${names.length - 8} more) -> ${names.slice(-4).join(' -> ')}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describeShape(s: { shape: readonly number[]; dtype: string }): string {
  return `${s.dtype}[${s.shape.join(', ')}]`;
}
