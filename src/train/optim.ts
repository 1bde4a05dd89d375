// Optimiser settings and learning-rate schedules. The update itself runs in
// wasm (assembly/train/optim.ts) over each parameter tensor in place; this
// file only holds the configuration and the per-step scalars.

/**
 * weightDecay is L2 decay added to the gradient (Adam with decoupled: true
 * decays the weights directly, AdamW); it applies to parameters of rank >= 2
 * (kernels and recurrent matrices), not to biases or batch-norm scales.
 */
export type OptimizerConfig =
  | { kind: 'sgd'; lr: number; momentum?: number; nesterov?: boolean; weightDecay?: number }
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number; decoupled?: boolean }
  | { kind: 'rmsprop'; lr: number; rho?: number; epsilon?: number; momentum?: number; weightDecay?: number };

/**
 * constant; cosine annealing from lr to minLr over totalSteps after a linear
 * warm-up (Loshchilov & Hutter 2017, SGDR, without restarts); step decay by
 * gamma every stepSize steps.
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'cosine'; totalSteps: number; minLr?: number; warmupSteps?: number }
  | { kind: 'step'; stepSize: number; gamma: number };

/** The learning rate of step `step` (0-based). */
export function learningRate(base: number, schedule: LrSchedule, step: number): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * schedule.gamma ** Math.floor(step / schedule.stepSize);
    case 'cosine': {
      const warm = schedule.warmupSteps ?? 0;
      if (step < warm) return (base * (step + 1)) / warm;
      const span = Math.max(1, schedule.totalSteps - warm);
      const p = Math.min(1, (step - warm) / span);
      const floor = schedule.minLr ?? 0;
      return floor + 0.5 * (base - floor) * (1 + Math.cos(Math.PI * p));
    }
  }
}

/** Optimiser state tensors per parameter (SGD with momentum 1, Adam 2, RMSProp 1 or 2). */
export function stateSlots(o: OptimizerConfig): number {
  if (o.kind === 'adam') return 2;
  if (o.kind === 'rmsprop') return (o.momentum ?? 0) !== 0 ? 2 : 1;
  return (o.momentum ?? 0) !== 0 ? 1 : 0;
}
