// Each bench/peers model rebuilt with tfjs-layers (channels-last), with the
// weights of its ONNX file. Layers are created with zero initialisers (the
// default orthogonal one throws on the wasm and cpu backends) and then given
// the ONNX weights, converted from ONNX layouts to Keras ones:
//   Conv W [O][I][kh][kw] -> kernel [kh][kw][I][O]; depthwise [C][1][kh][kw] -> [kh][kw][C][1]
//   Gemm B [N][K] (transB) -> kernel [K][N]
//   LSTM W [4H][I] gates i,o,f,c -> kernel [I][4H] gates i,f,c,o; bias = Wb + Rb
//   GRU  W [3H][I] gates z,r,h -> kernel [I][3H] gates z,r,h (same order)
import type * as TF from '@tensorflow/tfjs';
import type { PeerCase } from './cases.ts';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './onnx-proto.ts';

type Tf = typeof TF;

/** Weight-carrying nodes in file order, each consumed by the layer built for it. */
class WeightQueue {
  private i = 0;
  private readonly nodes: OnnxNode[];
  constructor(private readonly g: OnnxGraph) {
    this.nodes = g.nodes.filter((n) => ['Conv', 'Gemm', 'LSTM', 'GRU', 'BatchNormalization'].includes(n.opType));
  }
  next(opType: string): { node: OnnxNode; w: (i: number) => OnnxTensor } {
    const node = this.nodes[this.i++];
    if (!node || node.opType !== opType) throw new Error(`tfjs rebuild expected ONNX ${opType}, found ${node?.opType ?? 'nothing'}`);
    return { node, w: (i) => this.g.initializers.get(node.inputs[i])! };
  }
  remaining(): number {
    return this.nodes.length - this.i;
  }
  done(): void {
    if (this.i !== this.nodes.length) throw new Error(`tfjs rebuild used ${this.i} of ${this.nodes.length} weight nodes`);
  }
}

function convKernel(t: OnnxTensor, depthwise: boolean): { data: Float32Array; shape: number[] } {
  const [o, i, kh, kw] = t.dims.length === 3 ? [t.dims[0], t.dims[1], 1, t.dims[2]] : t.dims;
  const out = new Float32Array(t.data.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    const src = t.data[((a * i + b) * kh + y) * kw + x];
    // Depthwise: ONNX [C][1] -> Keras [C][1] with C as the input-channel axis.
    if (depthwise) out[(y * kw + x) * o + a] = src;
    else out[((y * kw + x) * i + b) * o + a] = src;
  }
  return { data: out, shape: depthwise ? [kh, kw, o, 1] : [kh, kw, i, o] };
}

function transpose2d(t: OnnxTensor): Float32Array {
  const [r, c] = t.dims;
  const out = new Float32Array(r * c);
  for (let a = 0; a < r; a++) for (let b = 0; b < c; b++) out[b * r + a] = t.data[a * c + b];
  return out;
}

/** Gate blocks of one direction, rows [gates*H][cols], reordered and transposed to [cols][gates*H]. */
function gateKernel(t: OnnxTensor, dir: number, order: number[]): Float32Array {
  const [, rows, cols] = t.dims;
  const h = rows / order.length;
  const out = new Float32Array(rows * cols);
  const base = dir * rows * cols;
  order.forEach((src, dst) => {
    for (let u = 0; u < h; u++) for (let c = 0; c < cols; c++) out[c * rows + dst * h + u] = t.data[base + (src * h + u) * cols + c];
  });
  return out;
}

function gateBias(t: OnnxTensor | undefined, dir: number, order: number[], h: number): Float32Array {
  const gates = order.length;
  const out = new Float32Array(gates * h);
  if (!t) return out;
  const base = dir * 2 * gates * h;
  order.forEach((src, dst) => {
    for (let u = 0; u < h; u++) out[dst * h + u] = t.data[base + src * h + u] + t.data[base + (gates + src) * h + u];
  });
  return out;
}

// ONNX LSTM gates are i,o,f,c; Keras wants i,f,c,o. GRU: both z,r,h.
const LSTM_ORDER = [0, 2, 3, 1];
const GRU_ORDER = [0, 1, 2];

export function buildTfjsModel(tf: Tf, c: PeerCase): TF.LayersModel {
  const q = new WeightQueue(c.graph);
  const L = tf.layers;
  const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  const setters: (() => void)[] = [];
  const t = (data: Float32Array, shape: number[]) => tf.tensor(data, shape);

  const conv = (x: TF.SymbolicTensor, opts: { strides?: number; pad?: [number, number]; activation?: 'relu' }) => {
    const { node, w } = q.next('Conv');
    const depthwise = (node.attrs.group?.i ?? 1) > 1;
    const k = convKernel(w(1), depthwise);
    const pads = node.attrs.pads?.ints ?? [0, 0, 0, 0];
    const strides = node.attrs.strides?.ints ?? [1, 1];
    let y = x;
    const [pt, pl] = k.shape[0] === 1 && pads.length === 2 ? [0, pads[0]] : [pads[0], pads[1]];
    if (pt || pl) y = L.zeroPadding2d({ padding: [[pt, pt], [pl, pl]] }).apply(y) as TF.SymbolicTensor;
    const s = strides.length === 1 ? [1, strides[0]] : strides;
    const layer = depthwise
      ? L.depthwiseConv2d({ kernelSize: [k.shape[0], k.shape[1]], strides: s as [number, number], padding: 'valid', activation: opts.activation, depthwiseInitializer: 'zeros', biasInitializer: 'zeros' })
      : L.conv2d({ filters: k.shape[3], kernelSize: [k.shape[0], k.shape[1]], strides: s as [number, number], padding: 'valid', activation: opts.activation, ...zeros });
    y = layer.apply(y) as TF.SymbolicTensor;
    setters.push(() => layer.setWeights([t(k.data, k.shape), t(w(2).data, [w(2).dims[0]])]));
    return y;
  };
  const dense = (x: TF.SymbolicTensor, activation?: 'relu' | 'softmax') => {
    const { w } = q.next('Gemm');
    const [n, k] = w(1).dims;
    const layer = L.dense({ units: n, activation, ...zeros });
    const y = layer.apply(x) as TF.SymbolicTensor;
    setters.push(() => layer.setWeights([t(transpose2d(w(1)), [k, n]), t(w(2).data, [n])]));
    return y;
  };
  const batchNorm = (x: TF.SymbolicTensor) => {
    const { node, w } = q.next('BatchNormalization');
    const layer = L.batchNormalization({ epsilon: node.attrs.epsilon?.f ?? 1e-5 });
    const y = layer.apply(x) as TF.SymbolicTensor;
    const n = w(1).dims[0];
    setters.push(() => layer.setWeights([1, 2, 3, 4].map((i) => t(w(i).data, [n]))));
    return y;
  };
  const relu = (x: TF.SymbolicTensor) => L.reLU().apply(x) as TF.SymbolicTensor;
  const rnn = (x: TF.SymbolicTensor, kind: 'LSTM' | 'GRU', returnSequences: boolean) => {
    const { node, w } = q.next(kind);
    const h = node.attrs.hidden_size!.i!;
    const bidirectional = node.attrs.direction?.s === 'bidirectional';
    const order = kind === 'LSTM' ? LSTM_ORDER : GRU_ORDER;
    const make = () => (kind === 'LSTM'
      ? L.lstm({ units: h, returnSequences, recurrentActivation: 'sigmoid', ...zeros, recurrentInitializer: 'zeros' })
      : L.gru({ units: h, returnSequences, recurrentActivation: 'sigmoid', ...zeros, recurrentInitializer: 'zeros' }));
    const weightsOf = (dir: number) => {
      const inW = w(1).dims[2];
      return [
        t(gateKernel(w(1), dir, order), [inW, order.length * h]),
        t(gateKernel(w(2), dir, order), [h, order.length * h]),
        t(gateBias(w(3), dir, order, h), [order.length * h]),
      ];
    };
    if (bidirectional) {
      const layer = L.bidirectional({ layer: make() as TF.RNN, mergeMode: 'concat' });
      const y = layer.apply(x) as TF.SymbolicTensor;
      setters.push(() => layer.setWeights([...weightsOf(0), ...weightsOf(1)]));
      return y;
    }
    const layer = make();
    const y = layer.apply(x) as TF.SymbolicTensor;
    setters.push(() => layer.setWeights(weightsOf(0)));
    return y;
  };

  const input = tf.input({ shape: c.inputShape.slice(1) });
  let y: TF.SymbolicTensor;
  switch (c.name.split(' ')[0]) {
    case 'dense':
      y = dense(input);
      break;
    case 'mlp_har':
      y = dense(dense(dense(input, 'relu'), 'relu'));
      break;
    case 'fc_ae':
      y = input;
      while (q.remaining() > 1) y = relu(batchNorm(dense(y)));
      y = dense(y);
      break;
    case 'conv':
      y = conv(input, { activation: 'relu' });
      break;
    case 'dscnn_kws':
      y = conv(input, { activation: 'relu' });
      for (let b = 0; b < 4; b++) y = conv(conv(y, { activation: 'relu' }), { activation: 'relu' });
      y = L.averagePooling2d({ poolSize: [25, 5] }).apply(y) as TF.SymbolicTensor;
      y = dense(L.flatten().apply(y) as TF.SymbolicTensor, 'softmax');
      break;
    case 'resnet8_ic': {
      y = conv(input, { activation: 'relu' });
      for (const shortcut of [false, true, true]) {
        const a = conv(y, { activation: 'relu' });
        const b = conv(a, {});
        const s = shortcut ? conv(y, {}) : y;
        y = relu(L.add().apply([b, s]) as TF.SymbolicTensor);
      }
      y = L.averagePooling2d({ poolSize: [8, 8] }).apply(y) as TF.SymbolicTensor;
      y = dense(L.flatten().apply(y) as TF.SymbolicTensor, 'softmax');
      break;
    }
    case 'lstm_har':
      y = rnn(rnn(input, 'LSTM', true), 'LSTM', false);
      y = dense(y);
      break;
    case 'deepsense_har': {
      // [200, 6] -> 10 intervals x 20 samples as an image [10][20][6]: a
      // (1 x k) conv2d is the per-interval conv1d.
      const img = L.reshape({ targetShape: [10, 20, 6] }).apply(input) as TF.SymbolicTensor;
      const branch = (from: number) => {
        let b = new ChannelSlice(tf, from, 3).apply(img) as TF.SymbolicTensor;
        for (let i = 0; i < 3; i++) b = conv(b, { activation: 'relu' });
        return b;
      };
      y = L.concatenate({ axis: -1 }).apply([branch(0), branch(3)]) as TF.SymbolicTensor;
      for (let i = 0; i < 3; i++) y = conv(y, { activation: 'relu' });
      // ONNX flattens each interval channel-major ([64][6]).
      y = L.permute({ dims: [1, 3, 2] }).apply(y) as TF.SymbolicTensor;
      y = L.reshape({ targetShape: [10, 384] }).apply(y) as TF.SymbolicTensor;
      y = rnn(rnn(y, 'GRU', true), 'GRU', true);
      y = L.globalAveragePooling1d().apply(y) as TF.SymbolicTensor;
      y = dense(y);
      break;
    }
    default:
      throw new Error(`no tfjs rebuild for ${c.name}`);
  }
  q.done();
  const model = tf.model({ inputs: input, outputs: y });
  for (const set of setters) set();
  return model;
}

/** Channels [from, from + count) of a channels-last tensor (tfjs-layers has no Lambda layer). */
class ChannelSlice {
  private readonly layer: TF.layers.Layer;
  constructor(tf: Tf, from: number, count: number) {
    class Slice extends tf.layers.Layer {
      static className = 'ChannelSlice';
      computeOutputShape(s: TF.Shape): TF.Shape {
        return [...s.slice(0, -1), count];
      }
      call(x: TF.Tensor | TF.Tensor[]): TF.Tensor {
        const v = Array.isArray(x) ? x[0] : x;
        return tf.slice(v, [...v.shape.slice(0, -1).map(() => 0), from], [...v.shape.slice(0, -1).map(() => -1), count]);
      }
    }
    this.layer = new Slice({});
  }
  apply(x: TF.SymbolicTensor): TF.SymbolicTensor | TF.SymbolicTensor[] {
    return this.layer.apply(x) as TF.SymbolicTensor;
  }
}
