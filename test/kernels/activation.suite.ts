// Element-wise activation kernels against the f64 reference on both builds
// (sigmoid and tanh held to a few ulps, also at large magnitudes and near 0),
// and the standalone activation and softmax host ops.
import { test } from 'uvu';
import { encodeRecords } from '../../src/schedule/compile.ts';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose } from '../helpers/compare.ts';
import { makeRng } from '../helpers/random.ts';
import { activationAbi, applyActivation, ALL_ACTIVATIONS, type ActivationSpec } from '../reference/activation.ts';
import { logSoftmaxRef, softmaxRef } from '../reference/softmax.ts';
import { OP_REGISTRY } from '../../src/ops/registry.ts';
import type { OpDef, OpRecord, ShapeInfo } from '../../src/ops/types.ts';
import type { Attrs } from '../../src/graph/model.ts';
import { isTinysenseError } from '../../src/errors.ts';

// Below, at and above the 4-lane vector, and long enough for the vector loop to matter.
const COUNTS = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 257];

/** Spacing of f32 values at |v| (the subnormal spacing below the normal range). */
function ulpF32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/**
 * Within `ulps` f32 ulps of the f64 value. Results below the normal range
 * (sigmoid(-100) is 4e-44) only need to be that small: the vector exp stops
 * at 2^-126 rather than producing subnormals.
 */
function assertUlps(got: Float32Array, x: Float32Array, f: (v: number) => number, ulps: number, label: string): void {
  for (let i = 0; i < got.length; i++) {
    const want = f(x[i]);
    const err = Math.abs(got[i] - want);
    if (!(err <= ulps * ulpF32(want) || (Math.abs(want) < 2 ** -126 && Math.abs(got[i]) <= 2 ** -125))) {
      assert.unreachable(`${label}: x ${x[i]} expected ${want} got ${got[i]} (${(err / ulpF32(want)).toFixed(2)} ulps > ${ulps})`);
    }
  }
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const NAMED: Record<string, string> = { relu: 'reluF32', sigmoid: 'sigmoidF32', tanh: 'tanhF32', hardSwish: 'hardSwishF32' };

function namedArgs(a: ActivationSpec): [string, number[]] | undefined {
  switch (a.kind) {
    case 'clip': return ['clipF32', [a.min, a.max]];
    case 'leakyRelu': return ['leakyReluF32', [a.alpha]];
    case 'hardSigmoid': return ['hardSigmoidF32', [a.alpha, a.beta]];
    case 'none': return undefined;
    default: return [NAMED[a.kind], []];
  }
}

// relu / clip / leakyRelu are exact; hardSwish and hardSigmoid round twice or thrice.
const TOL = { rtol: 4 * 2 ** -23, atol: 1e-7 };

for (const build of BUILDS) {
  test(`activationF32: every kind, odd counts, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(30);
    for (const act of ALL_ACTIVATIONS) {
      const [code, p0, p1] = activationAbi(act);
      for (const count of COUNTS) {
        h.reset();
        const x = rng.floats(count, 8);
        const y = h.alloc(count * 4);
        h.call('activationF32', h.put(x), y, count, code, p0, p1);
        const got = h.getF32(y, count);
        if (act.kind === 'sigmoid' || act.kind === 'tanh') assertUlps(got, x, (v) => applyActivation(v, act), 4, `${act.kind} count ${count} ${build}`);
        else assertClose(got, Array.from(x, (v) => applyActivation(v, act)), { ...TOL, label: `activation ${act.kind}`, shape: [count], build });
      }
    }
  });

  test(`activation kernels by name, in place (x == y), ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(31);
    for (const act of ALL_ACTIVATIONS) {
      const named = namedArgs(act);
      for (const count of [1, 6, 37]) {
        h.reset();
        const x = rng.floats(count, 8);
        const want = Array.from(x, (v) => applyActivation(v, act));
        // Through the dispatcher and through the named kernel, both in place.
        const [code, p0, p1] = activationAbi(act);
        const p = h.put(x);
        h.call('applyActivationF32', p, p, count, code, p0, p1);
        assertClose(h.getF32(p, count), want, { ...TOL, atol: 3e-7, label: `in-place applyActivationF32 ${act.kind}`, shape: [count], build });
        if (!named) continue;
        const q = h.put(x);
        h.call(named[0], q, q, count, ...named[1]);
        assertClose(h.getF32(q, count), want, { ...TOL, atol: 3e-7, label: `in-place ${named[0]}`, shape: [count], build });
      }
    }
  });

  test(`sigmoid and tanh: large magnitudes, tiny inputs, dense sweep within 4 ulps, ${build}`, () => {
    const h = makeHarness(build);
    const special = [0, -0, 1e-30, 1e-7, 1e-3, 0.1, 0.34, 0.5, 1, 2.7, 4.5, 9, 9.1, 15, 20, 40, 87, 88, 89, 100, 1e4, 1e30, Infinity];
    const both = special.flatMap((v) => [v, -v]);
    // Each value in a vector lane and in the scalar tail: odd count, shifted copies.
    const values = new Float32Array([...both, 0.25, ...both, 0.25, 0.5, ...both]);
    const sweep = new Float32Array(8001).map((_, i) => -20 + (40 * i) / 8000);
    const small = new Float32Array(2001).map((_, i) => (-1 + (2 * i) / 2000) * 1e-2);
    for (const [name, f] of [['sigmoidF32', sigmoid], ['tanhF32', Math.tanh]] as const) {
      for (const x of [values, sweep, small]) {
        h.reset();
        const y = h.alloc(x.length * 4);
        h.call(name, h.put(x), y, x.length);
        const got = h.getF32(y, x.length);
        assertUlps(got, x, f, 4, `${name} ${build}`);
        if (name === 'tanhF32') assert.ok(got.every((v, i) => Math.abs(v) <= 1 && Math.sign(v) === Math.sign(x[i])), `tanh range/sign ${build}`);
        else assert.ok(got.every((v) => v >= 0 && v <= 1), `sigmoid range ${build}`);
      }
    }
  });
}

// ---- host ops ----

const where = { op: 'a (activation)' };
const info = (shape: number[]): ShapeInfo => ({ shape, dtype: 'f32' });
const def = (type: string): OpDef => {
  const d = OP_REGISTRY.get(type);
  if (!d) throw new Error(`${type} is not registered`);
  return d;
};

const ACTIVATION_OPS = ['relu', 'relu6', 'clip', 'leakyRelu', 'sigmoid', 'tanh', 'hardSwish', 'hardSigmoid'];

test('activation ops: registered in place, shape kept, one MAC per element', () => {
  for (const type of [...ACTIVATION_OPS, 'softmax', 'logSoftmax']) {
    const d = def(type);
    assert.is(d.memory, 'inplace', type);
    for (const shape of [[7], [2, 3], [1, 4, 5, 6]]) {
      const outs = d.infer([info(shape)], {}, where);
      assert.equal(outs[0].shape, shape, `${type} [${shape}]`);
      const count = shape.reduce((a, b) => a * b, 1);
      assert.is(d.macs({ op: { type, name: 'a', inputs: [0], outputs: [1], attrs: {} }, ins: [info(shape)], outs, attrs: {} }), count, `${type} macs`);
    }
  }
  assert.equal(def('softmax').infer([info([2, 3, 4])], { axis: 0 }, where)[0].shape, [2, 3, 4]);
});

test('activation ops: bad attributes throw MODEL_ATTRIBUTE naming the field', () => {
  const cases: [string, Attrs, string][] = [
    ['clip', { min: 2, max: 1 }, 'min'],
    ['clip', { min: 'a' as unknown as number }, 'min'],
    ['clip', { max: Number.NaN }, 'max'],
    ['leakyRelu', { alpha: Infinity }, 'alpha'],
    ['hardSigmoid', { beta: 'x' as unknown as number }, 'beta'],
    ['softmax', { axis: 2 }, 'axis'],
    ['softmax', { axis: -3 }, 'axis'],
    ['logSoftmax', { axis: 0.5 }, 'axis'],
  ];
  for (const [type, attrs, field] of cases) {
    try {
      def(type).infer([info([2, 5])], attrs, where);
      assert.unreachable(`${type} ${JSON.stringify(attrs)} did not throw`);
    } catch (e) {
      assert.ok(isTinysenseError(e), `${type}: not a TinysenseError: ${String(e)}`);
      assert.is(e.code, 'MODEL_ATTRIBUTE', e.message);
      assert.is(e.where.field, field, e.message);
      assert.ok(e.message.includes('a (activation)'), `names the op: ${e.message}`);
    }
  }
});

/** Runs an op's compiled records through runPlan, with input and output at the given addresses. */
function runRecords(h: KernelHarness, records: OpRecord[]): void {
  h.call('runPlan', h.put(encodeRecords(records)), records.length);
}

/** Compiles a one-op graph and runs it in place (the output reuses the input's buffer). */
function runInPlace(h: KernelHarness, type: string, x: Float32Array, shape: number[], attrs: Attrs): Float32Array {
  const d = def(type);
  const outs = d.infer([info(shape)], attrs, where);
  const compiled = d.compile({ op: { type, name: 'a', inputs: [0], outputs: [1], attrs }, ins: [info(shape)], outs, attrs });
  const p = h.put(x);
  runRecords(h, compiled.records({ input: () => p, output: () => p, weight: () => 0, scratch: 0 }));
  return h.getF32(p, x.length);
}

for (const build of BUILDS) {
  test(`activation and softmax ops: records run in place through runPlan, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(32);
    const shape = [2, 3, 7];
    const x = rng.floats(42, 8);
    const specs: [string, Attrs, ActivationSpec][] = [
      ['relu', {}, { kind: 'relu' }],
      ['relu6', {}, { kind: 'clip', min: 0, max: 6 }],
      ['clip', { min: -1, max: 0.5 }, { kind: 'clip', min: -1, max: 0.5 }],
      ['clip', {}, { kind: 'none' }],
      ['leakyRelu', {}, { kind: 'leakyRelu', alpha: 0.01 }],
      ['leakyRelu', { alpha: 0.3 }, { kind: 'leakyRelu', alpha: 0.3 }],
      ['sigmoid', {}, { kind: 'sigmoid' }],
      ['tanh', {}, { kind: 'tanh' }],
      ['hardSwish', {}, { kind: 'hardSwish' }],
      ['hardSigmoid', {}, { kind: 'hardSigmoid', alpha: 0.2, beta: 0.5 }],
      ['hardSigmoid', { alpha: 1 / 6, beta: 0.5 }, { kind: 'hardSigmoid', alpha: 1 / 6, beta: 0.5 }],
    ];
    for (const [type, attrs, spec] of specs) {
      const got = runInPlace(h, type, x, shape, attrs);
      assertClose(got, Array.from(x, (v) => applyActivation(v, spec)), { ...TOL, atol: 3e-7, label: `${type} ${JSON.stringify(attrs)} record`, shape, build });
    }
    // softmax over each axis: the [outer, len, inner] view the host computes.
    for (const axis of [-1, 0, 1, 2]) {
      const a = axis < 0 ? axis + 3 : axis;
      const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
      const inner = shape.slice(a + 1).reduce((p, q) => p * q, 1);
      assertClose(runInPlace(h, 'softmax', x, shape, { axis }), softmaxRef(x, outer, shape[a], inner), { rtol: 1e-6, atol: 1e-7, label: `softmax axis ${axis} record`, shape, build });
      assertClose(runInPlace(h, 'logSoftmax', x, shape, { axis }), logSoftmaxRef(x, outer, shape[a], inner), { rtol: 1e-6, atol: 1e-6, label: `logSoftmax axis ${axis} record`, shape, build });
    }
  });
}

test.run();
