// Data-parallel training on several cores: replica 0 runs in this thread,
// the others in worker threads, each a whole trainer (its own wasm instance)
// over an equal share of every batch. After each backward pass the replicas
// swap gradients through shared memory and all of them apply the same mean
// gradient with the same optimiser, so their parameters stay bit-identical
// without ever being sent (each sums the shares in rank order, so every
// replica rounds alike). What differs from one trainer on the whole batch:
// batch-norm statistics come from each share (as in PyTorch's
// DistributedDataParallel without SyncBatchNorm; replica 0's running
// averages are the ones exported), and each replica draws its own dropout
// masks.
//
// Synchronisation is a handful of Int32 counters with Atomics.wait/notify;
// this thread blocks while waiting, so the caller's loop stays synchronous.
// Gradients go through two slots used on alternate steps, so a replica can
// publish step s+1 while a slower one still reads step s.
import { Worker } from 'node:worker_threads';
import { fail } from '../errors.ts';
import { elementCount, type Model } from '../graph/model.ts';
import { createTrainer, type StepResult, type Trainer, type TrainerOptions } from './engine.ts';

/** What a replica worker receives (replica-worker.ts). */
export interface ReplicaInit {
  model: Model;
  options: TrainerOptions;
  rank: number;
  replicas: number;
  /** Values per window of the input, and per window of the target (1 for class labels). */
  inPer: number;
  yPer: number;
  labels: boolean;
  control: SharedArrayBuffer;
  batchX: SharedArrayBuffer;
  batchY: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  losses: SharedArrayBuffer;
  message: SharedArrayBuffer;
}

// Control words.
export const CTRL = {
  /** Steps released to the workers (this thread writes). */
  go: 0,
  /** Set to 1 to end the workers' loop. */
  stop: 1,
  /** 1 once a worker failed; its message is in `message`. */
  failed: 2,
  /** Per rank from 4: steps whose gradients that replica has published. */
  published: 4,
  /** Per rank from 4 + replicas: replicas ready (trainer built) and finished steps. */
} as const;
export const publishedWord = (rank: number) => CTRL.published + rank;
export const readyWord = (replicas: number, rank: number) => CTRL.published + replicas + rank;
const controlWords = (replicas: number) => CTRL.published + 2 * replicas;

/** Waits until control[word] >= want, polling for a failed worker (never hangs on a dead one); gives up after timeoutMs. */
export function waitFor(control: Int32Array, word: number, want: number, message?: Uint8Array, timeoutMs = Infinity): void {
  const start = Date.now();
  for (;;) {
    const now = Atomics.load(control, word);
    if (now >= want) return;
    if (Atomics.load(control, CTRL.failed) !== 0) {
      const text = message ? new TextDecoder().decode(message.subarray(0, message.indexOf(0) < 0 ? message.length : message.indexOf(0))) : '';
      fail('RUN_WASM', `a data-parallel training worker failed: ${text || 'no message'}`);
    }
    if (Date.now() - start > timeoutMs) fail('RUN_WASM', `a data-parallel training worker did not respond within ${Math.round(timeoutMs / 1000)} s`);
    Atomics.wait(control, word, now, 1000);
  }
}

/** The two gradient slots (alternate steps), each replicas x grads floats. */
export function gradientSlots(sab: SharedArrayBuffer, replicas: number, grads: number): Float32Array[] {
  return [0, 1].map((p) => new Float32Array(sab, p * replicas * grads * 4, replicas * grads));
}

/**
 * One replica's side of a step's exchange: publishes its gradients in the
 * step's slot, waits for every other replica's, and replaces its own by the
 * mean (the same on every replica: see averageGradients).
 */
export function exchangeGradients(ctrl: Int32Array, slots: Float32Array[], own: Float32Array, rank: number, replicas: number, step: number, message: Uint8Array): void {
  const slot = slots[step & 1];
  slot.set(own, rank * own.length);
  Atomics.store(ctrl, publishedWord(rank), step + 1);
  Atomics.notify(ctrl, publishedWord(rank));
  for (let r = 0; r < replicas; r++) if (r !== rank) waitFor(ctrl, publishedWord(r), step + 1, message);
  averageGradients(own, rank, slot, replicas, own.length);
}

/**
 * Marks the run failed and wakes every waiter. Only the first failure's text
 * is kept: the replicas that then stop on the flag do not overwrite the cause.
 */
export function reportFailure(ctrl: Int32Array, message: Uint8Array, text: string): void {
  if (Atomics.compareExchange(ctrl, CTRL.failed, 0, 1) === 0) message.set(new TextEncoder().encode(text).subarray(0, message.length - 1));
  for (let i = 0; i < ctrl.length; i++) Atomics.notify(ctrl, i);
}

/**
 * Replaces this replica's gradients by the mean over all replicas (published
 * in `slot`), summed in rank order so that every replica gets the same bits.
 */
export function averageGradients(own: Float32Array, rank: number, slot: Float32Array, replicas: number, n: number): void {
  const scale = 1 / replicas;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let r = 0; r < replicas; r++) sum += r === rank ? own[i] : slot[r * n + i];
    own[i] = Math.fround(sum * scale);
  }
}

/** How long a replica may take to build its trainer (a few seconds for DeepSense). */
const READY_TIMEOUT_MS = 120_000;

export interface ParallelTrainer extends Trainer {
  readonly replicas: number;
  /** Ends the worker threads (the trainer keeps working for predict/export on this thread). */
  close(): void;
}

/**
 * A trainer whose trainStep spreads each batch over `replicas` cores
 * (1: the plain trainer). options.batch is the whole batch and must divide
 * evenly. Everything but trainStep (predict, export, tensors) runs on
 * replica 0.
 */
export function createParallelTrainer(model: Model, options: TrainerOptions, replicas: number): ParallelTrainer {
  if (!Number.isInteger(replicas) || replicas < 1) fail('MODEL_ATTRIBUTE', 'the number of training workers must be a positive integer', { found: replicas });
  if (options.batch % replicas !== 0) {
    fail('MODEL_ATTRIBUTE', 'the training batch must split evenly over the workers', { where: { field: 'batch' }, expected: `a multiple of ${replicas}`, found: options.batch });
  }
  const share = options.batch / replicas;
  const local = createTrainer(model, { ...options, batch: share, replica: 0 });
  if (replicas === 1) return wrap(local, options.batch, 1, (x, y) => local.trainStep(x, y), () => {});
  const grads = local.gradientView().length;
  const inPer = elementCount(model.tensors[model.inputs[0]].shape.slice(1));
  const labels = options.loss === 'crossEntropy';
  const yPer = labels ? 1 : elementCount(model.tensors[model.outputs[0]].shape.slice(1));
  const control = new SharedArrayBuffer(controlWords(replicas) * 4);
  const batchX = new SharedArrayBuffer(replicas * share * inPer * 4);
  const batchY = new SharedArrayBuffer(replicas * share * yPer * 4);
  const gradSab = new SharedArrayBuffer(2 * replicas * grads * 4);
  const lossSab = new SharedArrayBuffer(replicas * 8);
  const messageSab = new SharedArrayBuffer(1024);
  const ctrl = new Int32Array(control);
  const message = new Uint8Array(messageSab);
  const workers: Worker[] = [];
  const launcher = replicaLauncher();
  for (let rank = 1; rank < replicas; rank++) {
    const init: ReplicaInit = {
      model, options: { ...options, batch: share, replica: rank }, rank, replicas, inPer, yPer, labels,
      control, batchX, batchY, grads: gradSab, losses: lossSab, message: messageSab,
    };
    const w = new Worker(launcher, { eval: true, workerData: init });
    // A worker that dies without reporting (e.g. out of memory) still releases the waits.
    w.on('exit', (code) => {
      if (code !== 0 && Atomics.load(ctrl, CTRL.stop) === 0) {
        Atomics.store(ctrl, CTRL.failed, 1);
        Atomics.notify(ctrl, publishedWord(rank));
      }
    });
    w.on('error', () => {});
    // Never keeps the process alive on its own (e.g. after the caller failed mid-run without close()).
    w.unref();
    workers.push(w);
  }
  const xs = new Float32Array(batchX);
  const ys = labels ? new Int32Array(batchY) : new Float32Array(batchY);
  const slots = gradientSlots(gradSab, replicas, grads);
  const losses = new Float64Array(lossSab);
  let step = 0;
  let ready = false;
  const trainStep = (x: Float32Array, y: Int32Array | Float32Array): StepResult => {
    if (!ready) {
      for (let r = 1; r < replicas; r++) waitFor(ctrl, readyWord(replicas, r), 1, message, READY_TIMEOUT_MS);
      ready = true;
    }
    const per = share * inPer;
    const yShare = share * yPer;
    if (x.length !== options.batch * inPer) fail('RUN_INPUT', `a training batch must hold ${options.batch * inPer} input values`, { expected: options.batch * inPer, found: x.length });
    xs.set(x.subarray(per));
    ys.set(y.subarray(yShare) as never);
    Atomics.store(ctrl, CTRL.go, step + 1);
    Atomics.notify(ctrl, CTRL.go);
    let loss = local.backward(x.subarray(0, per), y.subarray(0, yShare) as Int32Array | Float32Array);
    exchangeGradients(ctrl, slots, local.gradientView(), 0, replicas, step, message);
    for (let r = 1; r < replicas; r++) loss += losses[r];
    const lr = local.applyGradients();
    step++;
    return { loss: loss / replicas, lr };
  };
  const close = () => {
    Atomics.store(ctrl, CTRL.stop, 1);
    Atomics.store(ctrl, CTRL.go, step + 1);
    Atomics.notify(ctrl, CTRL.go);
    for (const w of workers) void w.terminate();
    workers.length = 0;
  };
  return wrap(local, options.batch, replicas, trainStep, close);
}

/**
 * The code a replica thread starts with: it imports the replica module (the
 * bundle's dist/train-worker.js, or the TypeScript source through tsx when
 * running from source) and, should that fail, reports it through the shared
 * control words, since this thread may be blocked in Atomics.wait and would
 * never see the worker's error event.
 */
function replicaLauncher(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './replica-worker.ts' : './train-worker.js', import.meta.url).href;
  let tsx = '';
  if (fromSource) {
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      tsx = 'tsx/esm/api';
    }
  }
  const load = fromSource ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })` : `import(${JSON.stringify(entry)})`;
  return `const wt = require('node:worker_threads');
${load}.catch((e) => {
  // reportFailure, inlined: the module that exports it is what failed to load.
  const ctrl = new Int32Array(wt.workerData.control);
  const message = new Uint8Array(wt.workerData.message);
  const text = new TextEncoder().encode('cannot start: ' + String(e && e.message || e));
  if (Atomics.compareExchange(ctrl, ${CTRL.failed}, 0, 1) === 0) message.set(text.subarray(0, message.length - 1));
  for (let i = 0; i < ctrl.length; i++) Atomics.notify(ctrl, i);
});`;
}

function wrap(local: Trainer, batch: number, replicas: number, trainStep: Trainer['trainStep'], close: () => void): ParallelTrainer {
  return {
    build: local.build,
    batch,
    replicas,
    paramCount: local.paramCount,
    get steps() {
      return local.steps;
    },
    memoryBytes: () => local.memoryBytes(),
    trainStep,
    evaluateLoss: (x, y) => local.evaluateLoss(x, y),
    predict: (x, count) => local.predict(x, count),
    fit: () => fail('RUN_INPUT', 'fit() runs on a single trainer; loop over trainStep for data-parallel training'),
    exportModel: (o) => local.exportModel(o),
    tensor: (name) => local.tensor(name),
    setTensor: () => fail('RUN_INPUT', 'setTensor would desynchronise the data-parallel replicas'),
    computeGradients: (x, y) => local.computeGradients(x, y),
    backward: (x, y) => local.backward(x, y),
    gradientView: () => local.gradientView(),
    applyGradients: () => local.applyGradients(),
    close,
  };
}
