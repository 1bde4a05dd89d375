// Builds small ONNX models in tests (protobufjs + the importer's schema; the
// bytes are also read by onnxruntime, which parses them with the official
// onnx.proto, so a wrong field number would show there), and runs a model
// through onnxruntime-node and through tinysense on both wasm builds.
import protobuf from 'protobufjs/light.js';
import ort from 'onnxruntime-node';
import { ONNX_SCHEMA } from '../../src/importers/onnx/schema.ts';
import { loadModel } from '../../src/runtime/session.ts';
import type { Model } from '../../src/graph/model.ts';
import type { WasmBuild } from '../../src/runtime/wasm.ts';
import { BUILDS } from '../helpers/wasm.ts';

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
export const ModelProto = root.lookupType('onnx.ModelProto');

export const f = (v: number) => ({ f: v });
export const fs = (v: number[]) => ({ floats: v });
export type AttrSpec = number | number[] | string | string[] | { f: number } | { floats: number[] } | { t: TensorSpec };

export interface TensorSpec {
  dims: number[];
  data: ArrayLike<number>;
  /** 'float' (raw_data) by default; 'int64' goes in int64_data. */
  type?: 'float' | 'int64';
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrSpec>;
  name?: string;
  domain?: string;
}

export interface ModelSpec {
  opset?: number;
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: string[];
  nodes: NodeSpec[];
  initializers?: Record<string, TensorSpec>;
}

export function tensorProto(name: string, t: TensorSpec): Record<string, unknown> {
  if (t.type === 'int64') return { name, dims: t.dims, data_type: 7, int64_data: Array.from(t.data) };
  const bytes = new Uint8Array(Float32Array.from(t.data).buffer);
  return { name, dims: t.dims, data_type: 1, raw_data: bytes };
}

function attrProto(name: string, v: AttrSpec): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return { name, type: 8, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    return { name, type: 7, ints: v };
  }
  if ('f' in v) return { name, type: 1, f: v.f };
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  return { name, type: 4, t: tensorProto('', v.t) };
}

export function modelProto(spec: ModelSpec): Record<string, any> {
  const valueInfo = (name: string, dims?: (number | string)[]) => ({
    name,
    type: { tensor_type: { elem_type: 1, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } : {}) } },
  });
  return {
    ir_version: 8,
    producer_name: 'tinysense-test',
    opset_import: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        op_type: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attrProto(k, v)),
      })),
      initializer: Object.entries(spec.initializers ?? {}).map(([k, t]) => tensorProto(k, t)),
      input: spec.inputs.map((i) => valueInfo(i.name, i.dims)),
      output: spec.outputs.map((o) => valueInfo(o)),
    },
  };
}

export function encodeModel(spec: ModelSpec | Record<string, any>): Uint8Array {
  const obj = 'graph' in spec ? spec : modelProto(spec as ModelSpec);
  return ModelProto.encode(ModelProto.fromObject(obj)).finish();
}

export type Feeds = Record<string, { dims: number[]; data: Float32Array }>;

/** onnxruntime's outputs, by name, in the graph's output order. */
export async function runOrt(bytes: Uint8Array, feeds: Feeds): Promise<{ name: string; dims: number[]; data: Float32Array }[]> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await session.run(inputs);
  const result = session.outputNames.map((n) => ({ name: n, dims: [...out[n].dims], data: out[n].data as Float32Array }));
  await session.release();
  return result;
}

export { BUILDS };

/** tinysense's outputs on one build, in the model's output order. */
export function runTinysense(model: Model, build: WasmBuild, feeds: Feeds): { name: string; dims: number[]; data: Float32Array }[] {
  const session = loadModel(model, { build });
  const inputs: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = v.data;
  const out = session.run(inputs);
  return session.outputs.map((o) => ({ name: o.name, dims: out[o.name].shape, data: out[o.name].data }));
}
