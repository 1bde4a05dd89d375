// The few ONNX protobuf messages bench/peers needs (onnx/onnx.proto, ONNX
// IR spec): reading initializers and nodes of the zoo models (to give TF.js
// the same weights) and writing the two micro-case models. Only the fields
// used here are decoded; everything else is skipped by wire type
// (protobuf encoding: https://protobuf.dev/programming-guides/encoding/).

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

interface Field {
  no: number;
  wire: number;
  value: number | Uint8Array;
}

function* fields(buf: Uint8Array): Generator<Field> {
  let p = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[p++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (p < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 1) {
      yield { no, wire, value: buf.subarray(p, p + 8) };
      p += 8;
    } else if (wire === 2) {
      const len = varint();
      yield { no, wire, value: buf.subarray(p, p + len) };
      p += len;
    } else if (wire === 5) {
      yield { no, wire, value: buf.subarray(p, p + 4) };
      p += 4;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

const text = (v: number | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

function packedVarints(bytes: Uint8Array): number[] {
  return [...fields(prefixEach(bytes))].map((f) => f.value as number);
}

// A packed varint run re-read as a sequence of field-1 varints.
function prefixEach(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = true;
  for (const b of bytes) {
    if (start) out.push(8);
    out.push(b);
    start = b < 0x80;
  }
  return Uint8Array.from(out);
}

function readTensor(buf: Uint8Array): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], data: new Float32Array(0) };
  const floats: number[] = [];
  let dtype = 1;
  let raw: Uint8Array | undefined;
  for (const f of fields(buf)) {
    if (f.no === 1) {
      if (f.wire === 0) t.dims.push(f.value as number);
      else t.dims.push(...packedVarints(f.value as Uint8Array));
    } else if (f.no === 8) t.name = text(f.value);
    else if (f.no === 2) dtype = f.value as number;
    else if (f.no === 9) raw = f.value as Uint8Array;
    else if (f.no === 7) {
      if (f.wire === 0) floats.push(f.value as number);
      else floats.push(...packedVarints(f.value as Uint8Array));
    } else if (f.no === 4) {
      const b = f.value as Uint8Array;
      if (f.wire === 2) floats.push(...new Float32Array(b.slice().buffer));
      else floats.push(new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true));
    }
  }
  // Float (1) as is; int64 (7) shape and index constants as numbers.
  if (raw && dtype === 1) t.data = new Float32Array(raw.slice().buffer);
  else if (raw && dtype === 7) t.data = Float32Array.from(new BigInt64Array(raw.slice().buffer), Number);
  else if (floats.length) t.data = Float32Array.from(floats);
  return t;
}

function readAttribute(buf: Uint8Array): OnnxAttribute {
  const a: OnnxAttribute = { name: '' };
  for (const f of fields(buf)) {
    if (f.no === 1) a.name = text(f.value);
    else if (f.no === 2) {
      const b = f.value as Uint8Array;
      a.f = new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
    } else if (f.no === 3) a.i = f.value as number;
    else if (f.no === 4) a.s = text(f.value);
    else if (f.no === 5) a.t = readTensor(f.value as Uint8Array);
    else if (f.no === 8) {
      a.ints ??= [];
      if (f.wire === 0) a.ints.push(f.value as number);
      else a.ints.push(...packedVarints(f.value as Uint8Array));
    }
  }
  return a;
}

function readNode(buf: Uint8Array): OnnxNode {
  const n: OnnxNode = { opType: '', name: '', inputs: [], outputs: [], attrs: {} };
  for (const f of fields(buf)) {
    if (f.no === 1) n.inputs.push(text(f.value));
    else if (f.no === 2) n.outputs.push(text(f.value));
    else if (f.no === 3) n.name = text(f.value);
    else if (f.no === 4) n.opType = text(f.value);
    else if (f.no === 5) {
      const a = readAttribute(f.value as Uint8Array);
      n.attrs[a.name] = a;
    }
  }
  return n;
}

/** Nodes (in file order) and float initializers of an ONNX model. */
export function readOnnxGraph(file: Uint8Array): OnnxGraph {
  // A plain view: a Node Buffer's slice() shares memory instead of copying.
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const g: OnnxGraph = { nodes: [], initializers: new Map() };
  for (const f of fields(bytes)) {
    if (f.no !== 7) continue;
    for (const gf of fields(f.value as Uint8Array)) {
      if (gf.no === 1) g.nodes.push(readNode(gf.value as Uint8Array));
      else if (gf.no === 5) {
        const t = readTensor(gf.value as Uint8Array);
        g.initializers.set(t.name, t);
      }
    }
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
