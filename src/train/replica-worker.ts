// A data-parallel training replica (parallel.ts) in a worker thread: builds
// its trainer, then per released step reads its share of the batch, runs
// the backward pass, publishes its gradients and loss, waits for the other
// replicas' and applies the mean gradient, exactly as replica 0 does.
import { workerData } from 'node:worker_threads';
import { createTrainer } from './engine.ts';
import { averageGradients, CTRL, publishedWord, readyWord, waitFor, type ReplicaInit } from './parallel.ts';

const init = workerData as ReplicaInit;
const ctrl = new Int32Array(init.control);
const message = new Uint8Array(init.message);
try {
  const { rank, replicas } = init;
  const trainer = createTrainer(init.model, init.options);
  const share = init.options.batch;
  const grads = trainer.gradientView().length;
  const xs = new Float32Array(init.batchX, (rank - 1) * share * init.inPer * 4, share * init.inPer);
  const ys = init.labels
    ? new Int32Array(init.batchY, (rank - 1) * share * init.yPer * 4, share * init.yPer)
    : new Float32Array(init.batchY, (rank - 1) * share * init.yPer * 4, share * init.yPer);
  const slots = [0, 1].map((p) => new Float32Array(init.grads, p * replicas * grads * 4, replicas * grads));
  const losses = new Float64Array(init.losses);
  Atomics.store(ctrl, readyWord(replicas, rank), 1);
  Atomics.notify(ctrl, readyWord(replicas, rank));
  for (let step = 0; ; step++) {
    waitFor(ctrl, CTRL.go, step + 1);
    if (Atomics.load(ctrl, CTRL.stop) !== 0) break;
    losses[rank] = trainer.backward(xs, ys);
    const slot = slots[step & 1];
    const own = trainer.gradientView();
    slot.set(own, rank * grads);
    Atomics.store(ctrl, publishedWord(rank), step + 1);
    Atomics.notify(ctrl, publishedWord(rank));
    for (let r = 0; r < replicas; r++) if (r !== rank) waitFor(ctrl, publishedWord(r), step + 1);
    averageGradients(own, rank, slot, replicas, grads);
    trainer.applyGradients();
  }
} catch (e) {
  const text = new TextEncoder().encode(String((e as Error)?.message ?? e).slice(0, 1000));
  message.set(text.subarray(0, message.length - 1));
  Atomics.store(ctrl, CTRL.failed, 1);
  for (let i = 0; i < ctrl.length; i++) Atomics.notify(ctrl, i);
}
