// The model zoo (test/fixtures/onnx, made by test/fixtures/make_onnx.py from
// PyTorch): every model imported, run by onnxruntime-node (the reference)
// and by tinysense on both wasm builds on seeded random inputs, zeros and
// large magnitudes; max |diff| <= rtol x max |reference| with rtol stated
// per model. Then `inspect`'s params and MACs against counts made here from
// the ONNX file alone: initializer sizes, and output shapes that
// onnxruntime reports for every weighted node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { summarizeModel } from '../../src/cli/inspect.ts';
import { importOnnx } from '../../src/importers/onnx/index.ts';
import type { Model } from '../../src/graph/model.ts';
import { makeRng } from '../helpers/random.ts';
import { BUILDS, ModelProto, runOrt, runTinysense, type Feeds } from './onnx-build.ts';

interface ZooModel {
  name: string;
  /** Typical input magnitude (sensor units, MFCCs, normalised pixels). */
  scale: number;
  /** max |diff| <= rtol x max |reference|: f32 reordering over the longest reduction chain, with headroom. */
  rtol: number;
}

// All at the bound the importer promises, 1e-4; measured: <= 7e-7 relative on every model and build.
const ZOO: ZooModel[] = [
  { name: 'deepsense_har', scale: 2, rtol: 1e-4 },
  { name: 'dscnn_kws', scale: 3, rtol: 1e-4 },
  { name: 'dscnn_kws_opset11', scale: 3, rtol: 1e-4 },
  { name: 'dscnn_kws_opset17', scale: 3, rtol: 1e-4 },
  { name: 'resnet8_ic', scale: 1, rtol: 1e-4 },
  { name: 'fc_ae', scale: 1, rtol: 1e-4 },
  { name: 'lstm_har', scale: 2, rtol: 1e-4 },
  { name: 'mlp_har', scale: 1, rtol: 1e-4 },
];

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/onnx/${name}.onnx`, import.meta.url)));

const imported = new Map<string, Model>();
function load(name: string): Model {
  let m = imported.get(name);
  if (!m) imported.set(name, (m = importOnnx(fixture(name), { file: `${name}.onnx` })));
  return m;
}

ZOO.forEach((z, zi) => {
  test(`zoo ${z.name}: tinysense matches onnxruntime (rtol ${z.rtol}) on random, zero and large inputs, both builds`, async () => {
    const bytes = fixture(z.name);
    const model = load(z.name);
    const input = model.tensors[model.inputs[0]];
    const n = input.shape.reduce((a, b) => a * b, 1);
    const rng = makeRng(100 + zi);
    const inputs: [string, Float32Array][] = [
      ['random', rng.floats(n, z.scale)],
      ['random 2', rng.floats(n, z.scale)],
      ['zeros', new Float32Array(n)],
      ['large', rng.floats(n, 100 * z.scale)],
    ];
    for (const [label, data] of inputs) {
      const feeds: Feeds = { [input.name]: { dims: input.shape, data } };
      const [want] = await runOrt(bytes, feeds);
      for (const build of BUILDS) {
        const [got] = runTinysense(model, build, feeds);
        assert.equal(got.dims, want.dims, `${z.name}: output shape`);
        let maxDiff = 0;
        let maxRef = 0;
        for (let i = 0; i < want.data.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - want.data[i]));
          maxRef = Math.max(maxRef, Math.abs(want.data[i]));
        }
        assert.ok(Number.isFinite(maxDiff) && maxDiff <= z.rtol * maxRef + 1e-12, `${z.name} ${label} ${build}: max |diff| ${maxDiff} > ${z.rtol} x max |ref| ${maxRef}`);
      }
    }
  });
});

// ---------------------------------------------------------------- inspect: params and MACs

const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul', 'GRU', 'LSTM']);
const IR_WEIGHTED = new Set(['dense', 'conv1d', 'conv2d', 'depthwiseConv1d', 'depthwiseConv2d', 'gru', 'lstm']);

/**
 * From the ONNX file alone: parameters are the initializer elements the
 * weighted nodes read (batch-norm statistics fold into those, so they add
 * none); MACs are weight elements x output positions, with each weighted
 * node's output shape taken from onnxruntime (its outputs added to the
 * graph's outputs).
 */
async function countFromOnnx(bytes: Uint8Array, feeds: Feeds): Promise<{ params: number; macs: number }> {
  const m = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as any;
  const sizes = new Map<string, number>();
  for (const t of m.graph.initializer) sizes.set(t.name, (t.dims ?? []).reduce((a: number, b: number) => a * b, 1));
  const dims = new Map<string, number[]>();
  for (const t of m.graph.initializer) dims.set(t.name, t.dims ?? []);
  const weighted = m.graph.node.filter((nd: any) => WEIGHTED.has(nd.op_type));
  for (const nd of weighted) if (!m.graph.output.some((o: any) => o.name === nd.output[0])) m.graph.output.push({ name: nd.output[0] });
  const outs = await runOrt(ModelProto.encode(ModelProto.fromObject(m)).finish(), feeds);
  const shapeOf = new Map(outs.map((o) => [o.name, o.dims]));
  let params = 0;
  let macs = 0;
  for (const nd of weighted) {
    const ins: string[] = nd.input.filter((i: string) => i && sizes.has(i));
    params += ins.reduce((s, i) => s + sizes.get(i)!, 0);
    const y = shapeOf.get(nd.output[0])!;
    const w = dims.get(nd.input[1])!;
    const wSize = sizes.get(nd.input[1])!;
    if (nd.op_type === 'Conv') macs += (y.reduce((a, b) => a * b, 1) / w[0]) * wSize; // positions x channels, each output reads W/OC weights
    else if (nd.op_type === 'Gemm' || nd.op_type === 'MatMul') macs += (y.reduce((a, b) => a * b, 1) / (y[y.length - 1])) * wSize;
    else {
      // GRU / LSTM: Y [T, D, N, H]; per step and batch entry every W and R element is used once.
      const r = sizes.get(nd.input[2])!;
      macs += y[0] * y[2] * (wSize + r);
    }
  }
  return { params, macs };
}

test('zoo: inspect params and MACs equal counts made from the ONNX initializers and shapes', async () => {
  for (const z of ZOO) {
    const bytes = fixture(z.name);
    const model = load(z.name);
    const input = model.tensors[model.inputs[0]];
    const want = await countFromOnnx(bytes, { [input.name]: { dims: input.shape, data: new Float32Array(input.shape.reduce((a, b) => a * b, 1)) } });
    const s = summarizeModel(model);
    const weightedMacs = s.ops.filter((o) => IR_WEIGHTED.has(o.type)).reduce((sum, o) => sum + o.macs, 0);
    assert.is(s.totals.params, want.params, `${z.name}: params`);
    assert.is(weightedMacs, want.macs, `${z.name}: MACs of the weighted ops`);
    assert.ok(s.totals.macs >= weightedMacs, `${z.name}: total MACs include the rest`);
  }
});

test('zoo: batch-norm, bias and activations fold away; layout changes cost a transpose only where data must move', () => {
  const types = (name: string) => load(name).ops.map((o) => o.type);
  // fc_ae: Gemm -> BatchNormalization -> Relu, nine times: each becomes one dense with a fused relu.
  assert.equal(types('fc_ae'), Array(10).fill('dense'));
  assert.is(load('fc_ae').ops.filter((o) => o.attrs.activation === 'relu').length, 9);
  // DS-CNN: an NCHW input with C = 1 is already channels-last in memory (a free reshape), so no transpose at all.
  assert.not.ok(types('dscnn_kws').includes('transpose'));
  // ResNet-8: one transpose of the image in; the flatten after the 1x1 pool is free.
  assert.is(types('resnet8_ic').filter((t) => t === 'transpose').length, 1);
  // DeepSense: its ONNX transposes become layout changes, and the NCL-order flatten before the GRU
  // permutes the GRU's input weight rows instead of transposing the data.
  assert.not.ok(types('deepsense_har').includes('transpose'));
  assert.not.ok(types('lstm_har').includes('transpose'));
});

test.run();
