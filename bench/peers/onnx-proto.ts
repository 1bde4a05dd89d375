// ONNX models for bench/peers: the zoo models' nodes and initializers as
// plain records (to give TF.js the same weights), read with the importer's
// parser, and a writer for the two micro-case models (onnx/onnx.proto, ONNX
// IR spec; protobuf encoding: https://protobuf.dev/programming-guides/encoding/),
// which the importer has no need of.
import { parseOnnx, type OnnxTensor as ParsedTensor } from '../../src/importers/onnx/parse.ts';

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OnnxAttribute {
  name: string;
  t?: OnnxTensor;
  f?: number;
  i?: number;
  ints?: number[];
  s?: string;
}

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttribute>;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
}

/** Nodes (in graph order) and float initializers of an ONNX model, through the importer's parser. */
export function readOnnxGraph(file: Uint8Array): OnnxGraph {
  // A plain view: a Node Buffer's slice() shares memory instead of copying.
  const parsed = parseOnnx(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
  const tensor = (t: ParsedTensor): OnnxTensor => ({ name: t.name, dims: [...t.dims], data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) });
  const g: OnnxGraph = { nodes: [], initializers: new Map() };
  for (const [name, t] of parsed.initializers) g.initializers.set(name, tensor(t));
  for (const n of parsed.nodes) {
    const attrs: Record<string, OnnxAttribute> = {};
    for (const [name, a] of n.attrs) attrs[name] = { name, f: a.f, i: a.i, s: a.s, ints: a.ints, ...(a.t ? { t: tensor(a.t) } : {}) };
    g.nodes.push({ opType: n.opType, name: n.name, inputs: [...n.inputs], outputs: [...n.outputs], attrs });
  }
  // Constant nodes hold tensors too (shapes for Reshape, slice bounds).
  for (const n of g.nodes) {
    const t = n.opType === 'Constant' ? n.attrs.value?.t : undefined;
    if (t) g.initializers.set(n.outputs[0], { ...t, name: n.outputs[0] });
  }
  return g;
}

// ---- writing ----

class Writer {
  private bytes: number[] = [];
  varint(no: number, v: number): this {
    this.key(no, 0);
    this.raw(v);
    return this;
  }
  bytesField(no: number, b: Uint8Array): this {
    this.key(no, 2);
    this.raw(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  str(no: number, s: string): this {
    return this.bytesField(no, new TextEncoder().encode(s));
  }
  msg(no: number, w: Writer): this {
    return this.bytesField(no, w.finish());
  }
  f32(no: number, v: number): this {
    this.key(no, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
  private key(no: number, wire: number) {
    this.raw(no * 8 + wire);
  }
  private raw(v: number) {
    while (v >= 0x80) {
      this.bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }
}

export interface OnnxNodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
}

function valueInfo(name: string, shape: number[]): Writer {
  const dims = new Writer();
  for (const d of shape) dims.msg(1, new Writer().varint(1, d));
  const tensorType = new Writer().varint(1, 1).msg(2, dims);
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensorType));
}

/** A single-graph float model (opset 13) with the given nodes and initializers. */
export function writeOnnxModel(spec: {
  nodes: OnnxNodeSpec[];
  initializers: OnnxTensor[];
  input: { name: string; shape: number[] };
  output: { name: string; shape: number[] };
}): Uint8Array {
  const graph = new Writer();
  for (const n of spec.nodes) {
    const w = new Writer();
    for (const i of n.inputs) w.str(1, i);
    for (const o of n.outputs) w.str(2, o);
    w.str(4, n.opType);
    for (const [name, vals] of Object.entries(n.ints ?? {})) {
      const a = new Writer().str(1, name).varint(20, 7);
      for (const v of vals) a.varint(8, v);
      w.msg(5, a);
    }
    for (const [name, v] of Object.entries(n.int ?? {})) w.msg(5, new Writer().str(1, name).varint(20, 2).varint(3, v));
    graph.msg(1, w);
  }
  graph.str(2, 'micro');
  for (const t of spec.initializers) {
    const w = new Writer();
    for (const d of t.dims) w.varint(1, d);
    w.varint(2, 1).str(8, t.name).bytesField(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    graph.msg(5, w);
  }
  graph.msg(11, valueInfo(spec.input.name, spec.input.shape));
  graph.msg(12, valueInfo(spec.output.name, spec.output.shape));
  return new Writer()
    .varint(1, 8)
    .str(2, 'tinysense-bench')
    .msg(7, graph)
    .msg(8, new Writer().str(1, '').varint(2, 13))
    .finish();
}
