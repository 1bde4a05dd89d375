// Training throughput of a DeepSense-shaped model (Yao et al. 2017, WWW,
// "DeepSense"): input [B, 200, 6] as 10 intervals of 20 samples, three
// per-interval conv layers (64 filters, kernels 5/3/3) each with batch-norm
// and relu, three merge convs (64, kernel 3, same) with batch-norm and relu,
// a 2-layer GRU of 120 over the intervals, the mean over time and a dense
// layer of 18 classes: ~0.47 M parameters. Batch 64, Adam.
//
// Prints windows/s of a full training step (forward in training mode,
// backward, optimiser, weight repacking), of forward + backward alone, of
// eval-mode inference on the same trainer, and of a step spread over
// --workers data-parallel replicas (src/train/parallel.ts), interleaved so
// machine noise hits all of them alike, and their ratios. Reference point (not measured
// here): PyTorch 1.13 with 2 threads on the project machine trains this
// shape at about 200 windows/s (issue 4).
//
//   node --import tsx bench/train-throughput.ts [--steps N] [--build simd|scalar] [--workers N]
import { createBuilder } from '../src/graph/builder.ts';
import { createParallelTrainer, createTrainer } from '../src/train/index.ts';
import { makeRng } from '../src/util/rng.ts';
import { describeMachine } from './machine.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const STEPS = Number(arg('--steps', '6'));
const BUILD = arg('--build', 'simd') as 'simd' | 'scalar';
const B = 64;
const WORKERS = Number(arg('--workers', '2'));

export function deepSenseShaped(batch: number) {
  const b = createBuilder('deepsense-shaped', { seed: 3 });
  const x = b.input('x', [batch, 200, 6]);
  let h = b.op('reshape', [x], { shape: [0, 10, 20, 6] })[0];
  for (const k of [5, 3, 3]) h = b.relu(b.batchNorm(b.conv2d(h, { filters: 64, kernel: [1, k] }), { fold: false }));
  for (let i = 0; i < 3; i++) h = b.relu(b.batchNorm(b.conv2d(h, { filters: 64, kernel: [1, 3], padding: 'same' }), { fold: false }));
  h = b.op('reshape', [h], { shape: [0, 10, -1] })[0];
  h = b.gru(h, { units: 120, layers: 2, returnSequences: true });
  h = b.op('mean', [h], { axes: [1] })[0];
  b.output(b.softmax(b.dense(h, { units: 18 })), 'probs');
  return b.build();
}

const trainer = createTrainer(deepSenseShaped(B), { batch: B, loss: 'crossEntropy', optimizer: { kind: 'adam', lr: 1e-3 }, build: BUILD });
const rng = makeRng(1);
const x = rng.floats(B * 200 * 6);
const y = Int32Array.from({ length: B }, () => rng.int(0, 17));
trainer.trainStep(x, y); // warm-up: compiles the hot paths
const parallel = createParallelTrainer(deepSenseShaped(B / WORKERS), { batch: B, loss: 'crossEntropy', optimizer: { kind: 'adam', lr: 1e-3 }, build: BUILD }, WORKERS);
parallel.trainStep(x, y);

const time = (fn: () => void) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};
const ms = { step: 0, grads: 0, infer: 0, parallel: 0 };
for (let i = 0; i < STEPS; i++) {
  ms.step += time(() => trainer.trainStep(x, y));
  ms.parallel += time(() => parallel.trainStep(x, y));
  ms.grads += time(() => trainer.computeGradients(x, y));
  ms.infer += time(() => trainer.predict(x, B));
}
const wps = (total: number) => (STEPS * B) / (total / 1000);
console.log(`machine: ${describeMachine()}`);
console.log(`model: DeepSense-shaped, ${trainer.paramCount} parameters, batch ${B}, ${BUILD} build, ${(trainer.memoryBytes() / 2 ** 20).toFixed(0)} MiB of wasm memory`);
console.log(`training step (fwd + bwd + Adam + repack): ${wps(ms.step).toFixed(0)} windows/s (${(ms.step / STEPS).toFixed(0)} ms/step)`);
console.log(`training step on ${WORKERS} workers:           ${wps(ms.parallel).toFixed(0)} windows/s (${(ms.step / ms.parallel).toFixed(2)}x one core)`);
console.log(`forward + backward only:                   ${wps(ms.grads).toFixed(0)} windows/s`);
console.log(`eval-mode inference:                       ${wps(ms.infer).toFixed(0)} windows/s`);
console.log(`ratio training step / inference time: ${(ms.step / ms.infer).toFixed(2)}x; optimiser + repack share of a step: ${(100 * Math.max(0, ms.step - ms.grads) / ms.step).toFixed(0)} %`);
console.log('reference (issue 4, not measured here): PyTorch 1.13, 2 threads, ~200 windows/s');
parallel.close();
