// ONNX bytes -> plain data: protobufjs decodes the ModelProto (schema.ts),
// then every tensor is checked and converted to typed arrays, 64-bit
// integers to numbers, and the graph's structure is checked (every input
// produced once, no cycles) so the op mapping can trust it.
// Failures are IMPORT_PARSE (the file is not a well-formed ONNX model) or
// IMPORT_UNSUPPORTED (well-formed, but uses something the importer lacks).
import protobuf from 'protobufjs/light.js';
import { fail, type ErrorWhere } from '../../errors.ts';
import { elementCount } from '../../graph/model.ts';
import { ONNX_ATTR_TYPE, ONNX_DTYPE, ONNX_SCHEMA } from './schema.ts';

/** Constant data: floats as f32, every integer and bool type as f64 (exact up to 2^53). */
export type ConstDType = 'float' | 'int' | 'bool';

export interface OnnxTensor {
  name: string;
  dims: number[];
  dtype: ConstDType;
  data: Float32Array | Float64Array;
}

export interface OnnxAttr {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

export interface OnnxNode {
  /** The node's name, or `<op_type>_<index>` when it has none. */
  name: string;
  opType: string;
  domain: string;
  /** '' marks an absent optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Map<string, OnnxAttr>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Per dim: a size, a symbolic name, or undefined; undefined when the rank is unknown. */
  dims: (number | string | undefined)[] | undefined;
}

export interface OnnxModel {
  opset: number;
  irVersion: number;
  producer: string;
  graphName: string;
  /** In a topological order (re-sorted if the file's order was not one). */
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Graph inputs that are not initializers. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

type Msg = Record<string, unknown> & { [k: string]: any };

let modelType: protobuf.Type | undefined;

function decodeModel(bytes: Uint8Array, file: string | undefined): Msg {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  try {
    return modelType.decode(bytes) as unknown as Msg;
  } catch (e) {
    return fail('IMPORT_PARSE', `not a readable ONNX protobuf: ${(e as Error).message}`, { where: { file }, cause: e });
  }
}

/** protobufjs yields 64-bit integers as Long objects (or numbers when they fit). */
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

function has(m: Msg, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

const ELEMENT_BYTES: Record<number, number> = {
  [ONNX_DTYPE.FLOAT]: 4, [ONNX_DTYPE.DOUBLE]: 8, [ONNX_DTYPE.INT64]: 8, [ONNX_DTYPE.INT32]: 4, [ONNX_DTYPE.UINT64]: 8,
  [ONNX_DTYPE.UINT32]: 4, [ONNX_DTYPE.INT16]: 2, [ONNX_DTYPE.UINT16]: 2, [ONNX_DTYPE.INT8]: 1, [ONNX_DTYPE.UINT8]: 1, [ONNX_DTYPE.BOOL]: 1,
};

const DTYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k]));

export function dtypeName(code: number): string {
  return DTYPE_NAMES[code] ?? `code ${code}`;
}

/** Decodes a TensorProto's values (raw_data or the typed field) and checks their count against dims. */
export function readTensor(t: Msg, where: ErrorWhere): OnnxTensor {
  const name = String(t.name ?? '');
  const at = { ...where, tensor: name || where.tensor };
  const dims = (t.dims as unknown[]).map(num);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) fail('IMPORT_PARSE', 'tensor dims must be non-negative integers', { where: at, found: `[${dims}]` });
  if (num(t.data_location ?? 0) === 1 || (t.external_data as unknown[]).length > 0) {
    fail('IMPORT_UNSUPPORTED', 'tensor data stored outside the .onnx file is not supported; save the model with its weights inside (onnx.save(model, path, save_as_external_data=False))', { where: at });
  }
  const code = num(t.data_type ?? 0);
  const count = elementCount(dims);
  const bytesPer = ELEMENT_BYTES[code];
  if (bytesPer === undefined) {
    fail('IMPORT_UNSUPPORTED', `tensor data type ${dtypeName(code)} is not supported`, { where: at, expected: 'FLOAT, DOUBLE, INT64, INT32, INT16, INT8, UINT*, BOOL' });
  }
  const dtype: ConstDType = code === ONNX_DTYPE.FLOAT || code === ONNX_DTYPE.DOUBLE ? 'float' : code === ONNX_DTYPE.BOOL ? 'bool' : 'int';
  const data = dtype === 'float' ? new Float32Array(count) : new Float64Array(count);
  const raw = t.raw_data as Uint8Array | undefined;
  if (has(t, 'raw_data') && raw) {
    if (raw.length !== count * bytesPer) {
      fail('IMPORT_PARSE', `tensor raw_data has the wrong length for dims [${dims}] of ${dtypeName(code)}`, { where: at, expected: `${count * bytesPer} bytes`, found: `${raw.length} bytes` });
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) data[i] = readLittleEndian(view, i * bytesPer, code);
    return { name, dims, dtype, data };
  }
  const typed = typedField(t, code);
  if (typed.length !== count) {
    fail('IMPORT_PARSE', `tensor holds the wrong number of values for dims [${dims}]`, { where: at, expected: count, found: typed.length });
  }
  for (let i = 0; i < count; i++) data[i] = num(typed[i]);
  return { name, dims, dtype, data };
}

function typedField(t: Msg, code: number): unknown[] {
  switch (code) {
    case ONNX_DTYPE.FLOAT: return t.float_data;
    case ONNX_DTYPE.DOUBLE: return t.double_data;
    case ONNX_DTYPE.INT64: return t.int64_data;
    case ONNX_DTYPE.UINT64: case ONNX_DTYPE.UINT32: return t.uint64_data;
    default: return t.int32_data; // INT32, INT16, INT8, UINT16, UINT8, BOOL (onnx.proto)
  }
}

function readLittleEndian(v: DataView, at: number, code: number): number {
  switch (code) {
    case ONNX_DTYPE.FLOAT: return v.getFloat32(at, true);
    case ONNX_DTYPE.DOUBLE: return v.getFloat64(at, true);
    case ONNX_DTYPE.INT64: return Number(v.getBigInt64(at, true));
    case ONNX_DTYPE.UINT64: return Number(v.getBigUint64(at, true));
    case ONNX_DTYPE.INT32: return v.getInt32(at, true);
    case ONNX_DTYPE.UINT32: return v.getUint32(at, true);
    case ONNX_DTYPE.INT16: return v.getInt16(at, true);
    case ONNX_DTYPE.UINT16: return v.getUint16(at, true);
    case ONNX_DTYPE.INT8: return v.getInt8(at);
    default: return v.getUint8(at); // UINT8, BOOL
  }
}

function readAttr(a: Msg, where: ErrorWhere): OnnxAttr {
  const name = String(a.name ?? '');
  const at = { ...where, field: name };
  if (a.ref_attr_name) fail('IMPORT_UNSUPPORTED', 'attribute references (used inside ONNX functions) are not supported', { where: at });
  let type = num(a.type ?? 0);
  if (type === 0) {
    // IR version < 3 files may omit the discriminator: infer it from the field present.
    type = has(a, 'f') ? ONNX_ATTR_TYPE.FLOAT : has(a, 'i') ? ONNX_ATTR_TYPE.INT : has(a, 's') ? ONNX_ATTR_TYPE.STRING : has(a, 't') ? ONNX_ATTR_TYPE.TENSOR
      : a.floats.length ? ONNX_ATTR_TYPE.FLOATS : a.ints.length ? ONNX_ATTR_TYPE.INTS : a.strings.length ? ONNX_ATTR_TYPE.STRINGS : 0;
  }
  switch (type) {
    case ONNX_ATTR_TYPE.FLOAT: return { name, type, f: Number(a.f ?? 0) };
    case ONNX_ATTR_TYPE.INT: return { name, type, i: num(a.i ?? 0) };
    case ONNX_ATTR_TYPE.STRING: return { name, type, s: utf8.decode(a.s as Uint8Array) };
    case ONNX_ATTR_TYPE.TENSOR: return { name, type, t: readTensor(a.t, at) };
    case ONNX_ATTR_TYPE.FLOATS: return { name, type, floats: (a.floats as number[]).map(Number) };
    case ONNX_ATTR_TYPE.INTS: return { name, type, ints: (a.ints as unknown[]).map(num) };
    case ONNX_ATTR_TYPE.STRINGS: return { name, type, strings: (a.strings as Uint8Array[]).map((s) => utf8.decode(s)) };
    default:
      // Graphs (If/Loop bodies), sparse tensors and type protos: the importer runs none of them.
      return { name, type };
  }
}

function readValueInfo(v: Msg): OnnxValueInfo {
  const name = String(v.name ?? '');
  const tt = v.type?.tensor_type as Msg | undefined;
  if (!tt || !v.type || !has(v.type, 'tensor_type')) return { name, elemType: 0, dims: undefined };
  const shape = has(tt, 'shape') ? (tt.shape as Msg) : undefined;
  const dims = shape
    ? (shape.dim as Msg[]).map((d) => (has(d, 'dim_value') ? num(d.dim_value) : has(d, 'dim_param') ? String(d.dim_param) : undefined))
    : undefined;
  return { name, elemType: num(tt.elem_type ?? 0), dims };
}

export function parseOnnx(bytes: Uint8Array, file?: string): OnnxModel {
  const m = decodeModel(bytes, file);
  const where: ErrorWhere = { file };
  if (!has(m, 'graph') || !m.graph) fail('IMPORT_PARSE', 'the ModelProto has no graph (is this an ONNX model file?)', { where });
  const g = m.graph as Msg;
  let opset = 0;
  for (const o of m.opset_import as Msg[]) {
    const domain = String(o.domain ?? '');
    if (domain === '' || domain === 'ai.onnx') opset = num(o.version);
  }
  if (opset === 0) fail('IMPORT_PARSE', 'the model imports no version of the default ONNX operator set', { where: { ...where, field: 'opset_import' } });
  if ((g.sparse_initializer as unknown[]).length > 0) fail('IMPORT_UNSUPPORTED', 'sparse initializers are not supported', { where: { ...where, field: 'sparse_initializer' } });

  const initializers = new Map<string, OnnxTensor>();
  for (const t of g.initializer as Msg[]) {
    const tensor = readTensor(t, { ...where, section: 'initializer' });
    if (!tensor.name) fail('IMPORT_PARSE', 'an initializer has no name', { where: { ...where, section: 'initializer' } });
    initializers.set(tensor.name, tensor);
  }
  const nodes: OnnxNode[] = (g.node as Msg[]).map((n, index) => {
    const opType = String(n.op_type ?? '');
    const name = String(n.name ?? '') || `${opType}_${index}`;
    const attrs = new Map<string, OnnxAttr>();
    for (const a of n.attribute as Msg[]) {
      const attr = readAttr(a, { ...where, op: `${name} (${opType})` });
      attrs.set(attr.name, attr);
    }
    return { name, opType, domain: String(n.domain ?? ''), inputs: (n.input as string[]).map(String), outputs: (n.output as string[]).map(String), attrs };
  });
  const inputs = (g.input as Msg[]).map(readValueInfo).filter((v) => !initializers.has(v.name));
  const outputs = (g.output as Msg[]).map(readValueInfo);
  if (outputs.length === 0) fail('IMPORT_PARSE', 'the graph declares no outputs', { where: { ...where, field: 'output' } });
  return {
    opset,
    irVersion: num(m.ir_version ?? 0),
    producer: [m.producer_name, m.producer_version].filter(Boolean).join(' '),
    graphName: String(g.name ?? ''),
    nodes: sortNodes(nodes, new Set([...initializers.keys(), ...inputs.map((i) => i.name)]), outputs, file),
    initializers,
    inputs,
    outputs,
  };
}

/**
 * Kahn's algorithm over value names: the nodes in a topological order.
 * ONNX requires the file's order to be one already; a node input nobody
 * produces, a value produced twice, or a cycle is IMPORT_PARSE.
 */
function sortNodes(nodes: OnnxNode[], sources: Set<string>, outputs: OnnxValueInfo[], file: string | undefined): OnnxNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o) || sources.has(o)) {
        fail('IMPORT_PARSE', `value "${o}" is produced more than once`, { where: { file, op: `${n.name} (${n.opType})` } });
      }
      producer.set(o, i);
    }
  });
  const waiting = nodes.map(() => 0);
  const consumers = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    for (const name of n.inputs) {
      if (!name || sources.has(name)) continue;
      const p = producer.get(name);
      if (p === undefined) {
        fail('IMPORT_PARSE', `node input "${name}" is produced by no node, initializer or graph input`, { where: { file, op: `${n.name} (${n.opType})` } });
      }
      waiting[i]++;
      consumers.set(p, [...(consumers.get(p) ?? []), i]);
    }
  });
  for (const o of outputs) {
    if (!producer.has(o.name) && !sources.has(o.name)) fail('IMPORT_PARSE', `graph output "${o.name}" is produced by no node`, { where: { file, tensor: o.name } });
  }
  // The earliest ready node first: a file already in order (as ONNX requires) keeps its order.
  const ready = nodes.map((_, i) => i).filter((i) => waiting[i] === 0);
  const order: OnnxNode[] = [];
  while (ready.length > 0) {
    const at = ready.indexOf(Math.min(...ready));
    const i = ready.splice(at, 1)[0];
    order.push(nodes[i]);
    for (const c of consumers.get(i) ?? []) if (--waiting[c] === 0) ready.push(c);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.filter((_, i) => waiting[i] > 0).map((n) => n.name);
    fail('IMPORT_PARSE', `the graph has a cycle (ONNX graphs must be acyclic) through ${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', ...' : ''}`, { where: { file } });
  }
  return order;
}
