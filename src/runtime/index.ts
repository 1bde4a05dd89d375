// The runtime alone: what an application that only runs .tsm models needs
// (`import { loadModel } from 'tinysense/runtime'`). Bundled on its own as
// dist/runtime.js, without the importers, targets, training and CLI, so a
// fresh process parses a small file before its first inference.
export { loadModel, type Session, type LoadOptions, type TensorValue, type SessionInputs, type OpTiming } from './session.ts';
export { engineSupportsSimd, engineSupportsRelaxedSimd, type WasmBuild } from './wasm.ts';
export { readModel } from '../format/read.ts';
export { validateModel } from '../graph/validate.ts';
export type { Model, Tensor, Op, ModelMetadata } from '../graph/model.ts';
export { TinysenseError, ERROR_CODES, type ErrorCode } from '../errors.ts';
