// Training on the runtime's own kernels: the trainer (engine.ts), its
// data-parallel replicas (parallel.ts), optimiser settings (optim.ts) and the export of a trained model (export.ts).
export { createTrainer, mixSeed, type Trainer, type TrainerOptions, type StepResult, type FitOptions, type LossKind } from './engine.ts';
export { createParallelTrainer, type ParallelTrainer } from './parallel.ts';
export { learningRate, type OptimizerConfig, type LrSchedule } from './optim.ts';
export { exportTrainedModel } from './export.ts';
export { inferBatchShapes } from './shapes.ts';
