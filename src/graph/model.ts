// The model IR: plain data shared by the builder, the importers, the .tsm
// reader/writer, the planner and the scheduler.
//
// Layout convention: activations are channels-last (NLC for 1-D, NHWC for
// 2-D, NTC for sequences), as XNNPACK and TFLM use; importers convert at the
// edges. Weights keep the layout each op documents in src/ops/<op>.ts.

export type DType = 'f32' | 'i8' | 'i32';

export type TensorData = Float32Array | Int8Array | Int32Array;

export interface Tensor {
  name: string;
  shape: number[];
  dtype: DType;
  /** Present for constants (weights, biases); absent for activations. */
  data?: TensorData;
}

export type AttrValue = number | number[] | string;
export type Attrs = Record<string, AttrValue>;

export interface Op {
  type: string;
  name: string;
  /** Tensor indices; -1 marks an absent optional input (e.g. no bias). */
  inputs: number[];
  outputs: number[];
  attrs: Attrs;
}

export interface ModelMetadata {
  /** Class names for a classifier's output, in order. */
  labels?: string[];
  /** Where the model came from (builder, importer and source file, training run). */
  provenance?: string;
  /** How it was pruned, if it was (written by compression). */
  pruning?: string;
  /** Free-form extra facts (normalisation constants, sample rate, ...). */
  extra?: Record<string, string>;
}

export interface Model {
  name: string;
  tensors: Tensor[];
  /** In execution order (a topological order of the graph). */
  ops: Op[];
  inputs: number[];
  outputs: number[];
  metadata: ModelMetadata;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export const DTYPE_BYTES: Record<DType, number> = { f32: 4, i8: 1, i32: 4 };

export function tensorBytes(t: Pick<Tensor, 'shape' | 'dtype'>): number {
  return elementCount(t.shape) * DTYPE_BYTES[t.dtype];
}

export function isConstant(t: Tensor): boolean {
  return t.data !== undefined;
}
