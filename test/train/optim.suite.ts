// Optimiser kernels (assembly/train/optim.ts) against the update rules
// written out in f64 (torch.optim conventions), several steps, with weight
// decay, gradient scaling and every option, on both builds and sizes below,
// at and above the SIMD width.
import { test } from 'uvu';
import { TRAINING_BUILDS, makeHarness } from '../helpers/wasm.ts';
import { assertClose } from '../helpers/compare.ts';
import { makeRng } from '../helpers/random.ts';

const rng = makeRng(31);
const SIZES = [1, 3, 4, 9, 17];
const STEPS = 4;

type Update = (p: Float64Array, g: Float32Array, s: Float64Array[], step: number) => void;

function run(label: string, kernel: string, stateCount: number, args: (p: number, g: number, s: number[], n: number, step: number) => number[], ref: Update): void {
  for (const n of SIZES) {
    const p0 = rng.floats(n), grads = Array.from({ length: STEPS }, () => rng.floats(n));
    const want = Float64Array.from(p0);
    const state = Array.from({ length: stateCount }, () => new Float64Array(n));
    grads.forEach((g, i) => ref(want, g, state, i + 1));
    for (const build of TRAINING_BUILDS) {
      const h = makeHarness(build, 'training');
      const p = h.put(p0), g = h.alloc(n * 4);
      const s = Array.from({ length: Math.max(2, stateCount) }, () => h.put(new Float32Array(n)));
      grads.forEach((gv, i) => {
        new Float32Array(h.k.memory.buffer, g, n).set(gv);
        h.call(kernel, ...args(p, g, s, n, i + 1));
      });
      assertClose(h.getF32(p, n), want, { rtol: 1e-5, atol: 1e-6, label: `${label} n${n}`, build });
    }
  }
}

test('SGD, momentum, nesterov, weight decay, gradient scale', () => {
  for (const [mom, nesterov, wd, gs] of [[0, 0, 0, 1], [0.9, 0, 0.01, 0.5], [0.8, 1, 0.1, 1]]) {
    run(`sgd m${mom} n${nesterov}`, 'sgdStepF32', 1, (p, g, s, n) => [p, g, s[0], n, 0.1, mom, wd, gs, nesterov], (p, g, [v]) => {
      for (let i = 0; i < p.length; i++) {
        const gv = g[i] * gs + wd * p[i];
        v[i] = mom * v[i] + gv;
        p[i] -= 0.1 * (mom === 0 ? gv : nesterov ? gv + mom * v[i] : v[i]);
      }
    });
  }
});

test('Adam and AdamW (decoupled decay), bias correction', () => {
  const [lr, b1, b2, eps] = [0.01, 0.9, 0.99, 1e-6];
  for (const [wd, decoupled, gs] of [[0, 0, 1], [0.05, 0, 0.7], [0.05, 1, 1]]) {
    run(`adam wd${wd} dec${decoupled}`, 'adamStepF32', 2, (p, g, s, n, t) => [p, g, s[0], s[1], n, lr, b1, b2, eps, wd, decoupled, gs, 1 - b1 ** t, 1 - b2 ** t], (p, g, [m, v], t) => {
      for (let i = 0; i < p.length; i++) {
        const gv = g[i] * gs + (decoupled ? 0 : wd * p[i]);
        m[i] = b1 * m[i] + (1 - b1) * gv;
        v[i] = b2 * v[i] + (1 - b2) * gv * gv;
        const step = m[i] / (1 - b1 ** t) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
        p[i] = p[i] - lr * step - (decoupled ? lr * wd * p[i] : 0);
      }
    });
  }
});

test('RMSProp with and without momentum', () => {
  const [lr, rho, eps] = [0.01, 0.9, 1e-6];
  for (const [mom, wd] of [[0, 0], [0.5, 0.01]]) {
    run(`rmsprop m${mom}`, 'rmspropStepF32', 2, (p, g, s, n) => [p, g, s[0], s[1], n, lr, rho, eps, mom, wd, 1], (p, g, [sq, mb]) => {
      for (let i = 0; i < p.length; i++) {
        const gv = g[i] + wd * p[i];
        sq[i] = rho * sq[i] + (1 - rho) * gv * gv;
        let step = gv / (Math.sqrt(sq[i]) + eps);
        if (mom !== 0) {
          mb[i] = mom * mb[i] + step;
          step = mb[i];
        }
        p[i] -= lr * step;
      }
    });
  }
});

test('sum of squares for gradient clipping', () => {
  for (const n of SIZES) {
    const x = rng.floats(n);
    const want = x.reduce((s, v) => s + v * v, 0);
    for (const build of TRAINING_BUILDS) {
      const h = makeHarness(build, 'training');
      assertClose([h.call('sumSquaresF32', h.put(x), n)], [want], { rtol: 1e-6, label: `sumSquares n${n}`, build });
    }
  }
});

test.run();
