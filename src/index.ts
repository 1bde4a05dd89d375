// Public API of tinysense.
export { loadModel, type Session, type LoadOptions, type TensorValue, type OpTiming } from './runtime/session.ts';
export { engineSupportsSimd, engineSupportsRelaxedSimd, type WasmBuild } from './runtime/wasm.ts';
export { createBuilder, ModelBuilder, type TensorRef } from './graph/builder.ts';
export type { Model, Tensor, Op, ModelMetadata } from './graph/model.ts';
export { readModel } from './format/read.ts';
export { writeModel } from './format/write.ts';
export { validateModel } from './graph/validate.ts';
export { compilePlan } from './schedule/compile.ts';
export { TinysenseError, ERROR_CODES, type ErrorCode } from './errors.ts';
export { OP_REGISTRY } from './ops/registry.ts';
export { importOnnx, ONNX_SUPPORTED_OPS, type ImportOnnxOptions } from './importers/onnx/index.ts';
export { loadTarget, loadAllTargets, parseTargetProfile } from './targets/profile.ts';
export { estimateModel, estimateAll } from './targets/estimate.ts';
export { predictLatency } from './timemodel/predict.ts';
export { readProfileFile, parseProfile } from './timemodel/profile-file.ts';
export { createTrainer, createParallelTrainer, learningRate, exportTrainedModel } from './train/index.ts';
