// A data-parallel training replica (parallel.ts) in a worker thread: builds
// its trainer, then per released step reads its share of the batch, runs
// the backward pass, publishes its gradients and loss, waits for the other
// replicas' and applies the mean gradient, exactly as replica 0 does.
import { workerData } from 'node:worker_threads';
import { createTrainer } from './engine.ts';
import { CTRL, exchangeGradients, gradientSlots, readyWord, reportFailure, waitFor, type ReplicaInit } from './parallel.ts';

const init = workerData as ReplicaInit;
const ctrl = new Int32Array(init.control);
const message = new Uint8Array(init.message);
try {
  const { rank, replicas } = init;
  const trainer = createTrainer(init.model, init.options);
  const share = init.options.batch;
  const xs = new Float32Array(init.batchX, (rank - 1) * share * init.inPer * 4, share * init.inPer);
  const ys = init.labels
    ? new Int32Array(init.batchY, (rank - 1) * share * init.yPer * 4, share * init.yPer)
    : new Float32Array(init.batchY, (rank - 1) * share * init.yPer * 4, share * init.yPer);
  const slots = gradientSlots(init.grads, replicas, trainer.gradientView().length);
  const losses = new Float64Array(init.losses);
  Atomics.store(ctrl, readyWord(replicas, rank), 1);
  Atomics.notify(ctrl, readyWord(replicas, rank));
  for (let step = 0; ; step++) {
    waitFor(ctrl, CTRL.go, step + 1);
    if (Atomics.load(ctrl, CTRL.stop) !== 0) break;
    // Written before publishing: replica 0 reads it once every gradient is in.
    losses[rank] = trainer.backward(xs, ys);
    exchangeGradients(ctrl, slots, trainer.gradientView(), rank, replicas, step, message);
    trainer.applyGradients();
  }
} catch (e) {
  reportFailure(ctrl, message, String((e as Error)?.message ?? e));
}
