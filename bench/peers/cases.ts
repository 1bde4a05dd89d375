// The models bench/peers runs: the ONNX zoo (test/fixtures/onnx, made by
// test/fixtures/make_onnx.py) and two micro-cases written here as ONNX.
// Every engine gets the same weights and the same input; inputs and outputs
// are compared channels-last (tinysense's and TF.js's layout), the ONNX
// engines get them transposed to channels-first.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Model } from '../../src/graph/model.ts';
import { createBuilder } from '../../src/graph/builder.ts';
import { makeRng } from '../../src/util/rng.ts';
import { readOnnxGraph, writeOnnxModel, type OnnxGraph } from './onnx-proto.ts';
import { root } from './engines.ts';

export interface PeerCase {
  name: string;
  /** Multiply-adds of one inference (GFLOP/s = 2 * macs / time). */
  macs: number;
  /** Whole-model throughput is held to a share of the roofline. */
  computeBound: boolean;
  /** Channels-last input shape and a fixed input. */
  inputShape: number[];
  input: Float32Array;
  onnx: Uint8Array;
  graph: OnnxGraph;
  onnxInputShape: number[];
  onnxInput(): Float32Array;
  fromOnnxOutput(y: Float32Array): Float32Array;
  /** The model as tinysense runs it. */
  tinysenseModel(): Promise<Model>;
  /** Why outputs of some engine cannot be compared, by engine name prefix. */
  notComparable?: Record<string, string>;
}

/** NHWC -> NCHW for one image batch (c-first copies for the ONNX engines). */
function toChannelsFirst(x: Float32Array, shape: number[]): Float32Array {
  const [n, h, w, c] = shape;
  const y = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) y[b * c * h * w + ch * h * w + i] = x[b * h * w * c + i * c + ch];
  return y;
}

function toChannelsLast(y: Float32Array, shape: number[]): Float32Array {
  const [n, h, w, c] = shape;
  const x = new Float32Array(y.length);
  for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) x[b * h * w * c + i * c + ch] = y[b * c * h * w + ch * h * w + i];
  return x;
}

const identity = (x: Float32Array) => x;

/** The 256x256 dense layer (bias, no activation). */
function denseMicro(): PeerCase {
  const rng = makeRng(11);
  const [k, n] = [256, 256];
  const w = rng.floats(k * n, 1 / 16);
  const b = rng.floats(n, 0.1);
  // ONNX Gemm with transB = 1 wants W as [n][k].
  const wt = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) wt[j * k + i] = w[i * n + j];
  const onnx = writeOnnxModel({
    nodes: [{ opType: 'Gemm', inputs: ['input', 'W', 'B'], outputs: ['output'], int: { transB: 1 } }],
    initializers: [{ name: 'W', dims: [n, k], data: wt }, { name: 'B', dims: [n], data: b }],
    input: { name: 'input', shape: [1, k] },
    output: { name: 'output', shape: [1, n] },
  });
  const input = rng.floats(k);
  return {
    name: 'dense 256x256',
    macs: k * n,
    computeBound: false,
    inputShape: [1, k],
    input,
    onnx,
    graph: readOnnxGraph(onnx),
    onnxInputShape: [1, k],
    onnxInput: () => input,
    fromOnnxOutput: identity,
    async tinysenseModel() {
      const m = createBuilder('dense256');
      m.output(m.dense(m.input('input', [1, k]), { units: n, kernelInitializer: w, biasInitializer: b }), 'output');
      return m.build();
    },
  };
}

/** The 32->32 3x3 conv on 32x32 (same padding, bias, relu). */
function convMicro(): PeerCase {
  const rng = makeRng(12);
  const [h, w, c, oc] = [32, 32, 32, 32];
  const hwio = rng.floats(9 * c * oc, 1 / 12);
  const b = rng.floats(oc, 0.1);
  const oihw = new Float32Array(hwio.length);
  for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) for (let i = 0; i < c; i++) for (let o = 0; o < oc; o++) {
    oihw[((o * c + i) * 3 + ky) * 3 + kx] = hwio[((ky * 3 + kx) * c + i) * oc + o];
  }
  const onnx = writeOnnxModel({
    nodes: [
      { opType: 'Conv', inputs: ['input', 'W', 'B'], outputs: ['conv'], ints: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] } },
      { opType: 'Relu', inputs: ['conv'], outputs: ['output'] },
    ],
    initializers: [{ name: 'W', dims: [oc, c, 3, 3], data: oihw }, { name: 'B', dims: [oc], data: b }],
    input: { name: 'input', shape: [1, c, h, w] },
    output: { name: 'output', shape: [1, oc, h, w] },
  });
  const input = rng.floats(h * w * c);
  return {
    name: 'conv 32x32x32->32 3x3',
    macs: h * w * oc * 9 * c,
    computeBound: true,
    inputShape: [1, h, w, c],
    input,
    onnx,
    graph: readOnnxGraph(onnx),
    onnxInputShape: [1, c, h, w],
    onnxInput: () => toChannelsFirst(input, [1, h, w, c]),
    fromOnnxOutput: (y) => toChannelsLast(y, [1, h, w, oc]),
    async tinysenseModel() {
      const m = createBuilder('conv32');
      const x = m.input('input', [1, h, w, c]);
      m.output(m.conv2d(x, { filters: oc, kernel: [3, 3], padding: 'same', activation: 'relu', kernelInitializer: hwio, biasInitializer: b }), 'output');
      return m.build();
    },
  };
}

interface ZooSpec {
  name: string;
  /** ONNX input shape; channels-last when `nchw` is false. */
  onnxShape: number[];
  nchw: boolean;
  computeBound: boolean;
  notComparable?: Record<string, string>;
}

const ZOO: ZooSpec[] = [
  {
    name: 'deepsense_har', onnxShape: [1, 200, 6], nchw: false, computeBound: true,
    notComparable: { tfjs: 'tfjs-layers has only the reset-before GRU (ONNX linear_before_reset=0); this model uses PyTorch\'s reset-after form, so TF.js runs the same shapes and FLOPs with a different recurrence' },
  },
  { name: 'dscnn_kws', onnxShape: [1, 1, 49, 10], nchw: true, computeBound: true },
  { name: 'resnet8_ic', onnxShape: [1, 3, 32, 32], nchw: true, computeBound: true },
  { name: 'fc_ae', onnxShape: [1, 640], nchw: false, computeBound: false },
  { name: 'lstm_har', onnxShape: [1, 200, 6], nchw: false, computeBound: false },
  { name: 'mlp_har', onnxShape: [1, 561], nchw: false, computeBound: false },
];

/** Multiply-adds of the ops that do nearly all the work (conv, gemm, rnn). */
function countMacs(g: OnnxGraph, onnxShape: number[]): number {
  // Shapes of the tensors the counted ops consume are derived by running the
  // graph's shape rules for the few op types the zoo uses.
  const shapes = new Map<string, number[]>([['input', onnxShape]]);
  const get = (n: string) => shapes.get(n) ?? g.initializers.get(n)?.dims;
  let macs = 0;
  for (const node of g.nodes) {
    const x = get(node.inputs[0]);
    const out = node.outputs[0];
    if (!x) continue;
    switch (node.opType) {
      case 'Conv': {
        const wt = g.initializers.get(node.inputs[1])!;
        const k = wt.dims.slice(2);
        const pads = node.attrs.pads?.ints ?? k.flatMap(() => [0, 0]);
        const strides = node.attrs.strides?.ints ?? k.map(() => 1);
        const spatial = k.map((kk, i) => Math.floor((x[2 + i] + pads[i] + pads[i + k.length] - kk) / strides[i]) + 1);
        const y = [x[0], wt.dims[0], ...spatial];
        macs += y.reduce((a, b) => a * b, 1) * wt.dims.slice(1).reduce((a, b) => a * b, 1);
        shapes.set(out, y);
        break;
      }
      case 'Gemm': {
        const wt = g.initializers.get(node.inputs[1])!;
        macs += x[0] * wt.dims[0] * wt.dims[1];
        shapes.set(out, [x[0], wt.dims[0]]);
        break;
      }
      case 'LSTM': case 'GRU': {
        const wt = g.initializers.get(node.inputs[1])!;
        const r = g.initializers.get(node.inputs[2])!;
        const [dirs, gates] = wt.dims;
        const hidden = r.dims[2];
        macs += x[0] * x[1] * dirs * gates * (wt.dims[2] + hidden);
        shapes.set(out, [x[0], dirs, x[1], hidden]);
        break;
      }
      case 'Relu': case 'Softmax': case 'BatchNormalization': case 'Add': case 'Pad': shapes.set(out, x); break;
      case 'Reshape': {
        const to = [...g.initializers.get(node.inputs[1])!.data];
        const total = x.reduce((a, b) => a * b, 1);
        const known = to.map((d, i) => (d === 0 ? x[i] : d));
        const rest = known.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        shapes.set(out, known.map((d) => (d === -1 ? total / rest : d)));
        break;
      }
      case 'Transpose': {
        const perm = node.attrs.perm?.ints ?? x.map((_, i) => x.length - 1 - i);
        shapes.set(out, perm.map((p) => x[p]));
        break;
      }
      case 'Slice': {
        const starts = g.initializers.get(node.inputs[1])!.data;
        const ends = g.initializers.get(node.inputs[2])!.data;
        const axes = g.initializers.get(node.inputs[3])!.data;
        const y = [...x];
        axes.forEach((a, i) => (y[a] = Math.min(ends[i], x[a]) - starts[i]));
        shapes.set(out, y);
        break;
      }
      case 'Concat': {
        const axis = node.attrs.axis?.i ?? 0;
        const parts = node.inputs.map(get);
        if (parts.every(Boolean)) shapes.set(out, x.map((d, i) => (i === axis ? parts.reduce((s, p) => s + p![i], 0) : d)));
        break;
      }
      case 'Squeeze': {
        const axes = [...(g.initializers.get(node.inputs[1])?.data ?? [])];
        shapes.set(out, x.filter((_, i) => !axes.includes(i)));
        break;
      }
      default:
        break;
    }
  }
  return macs;
}

function zooCase(spec: ZooSpec, file: string): PeerCase {
  const onnx = new Uint8Array(readFileSync(file));
  const graph = readOnnxGraph(onnx);
  const rng = makeRng(100 + spec.name.length);
  const [n, c, h, w] = spec.onnxShape;
  const inputShape = spec.nchw ? [n, h, w, c] : spec.onnxShape;
  const input = rng.floats(inputShape.reduce((a, b) => a * b, 1));
  return {
    name: spec.name,
    macs: countMacs(graph, spec.onnxShape),
    computeBound: spec.computeBound,
    inputShape,
    input,
    onnx,
    graph,
    onnxInputShape: spec.onnxShape,
    onnxInput: () => (spec.nchw ? toChannelsFirst(input, inputShape) : input),
    fromOnnxOutput: identity,
    notComparable: spec.notComparable,
    async tinysenseModel() {
      const importer = await importOnnxModule();
      if (!importer) throw new Error('the ONNX importer (src/importers/onnx) is not available yet');
      return importer(onnx, spec.name);
    },
  };
}

type Importer = (bytes: Uint8Array, name: string) => Model;

async function importOnnxModule(): Promise<Importer | undefined> {
  const entry = path.join(root, 'src', 'importers', 'onnx', 'index.ts');
  if (!existsSync(entry)) return undefined;
  const mod = (await import(entry)) as Record<string, unknown>;
  const fn = mod.importOnnx as ((bytes: Uint8Array, options?: object) => unknown) | undefined;
  if (typeof fn !== 'function') return undefined;
  return (bytes, name) => {
    const result = fn(bytes, { name }) as Model | { model: Model };
    return 'model' in result ? result.model : result;
  };
}

/** The cases whose name contains `filter` (exactly `name` when given), only those parsed. */
export function loadCases(filter?: string, name?: string): PeerCase[] {
  const wanted = (n: string) => (name === undefined ? !filter || n.includes(filter) : n === name);
  const all: PeerCase[] = [];
  for (const spec of ZOO) {
    const file = path.join(root, 'test', 'fixtures', 'onnx', `${spec.name}.onnx`);
    if (wanted(spec.name) && existsSync(file)) all.push(zooCase(spec, file));
  }
  for (const make of [denseMicro, convMicro]) {
    const c = make();
    if (wanted(c.name)) all.push(c);
  }
  return all;
}
