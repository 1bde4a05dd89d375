// The host half of an op: everything about it that depends only on the
// model (shape inference, attribute checks, cost, packed weights, the op
// record the in-wasm interpreter runs). One file per op family, same stem as
// its kernel in assembly/kernels/.
import type { Attrs, DType, Op, TensorData } from '../graph/model.ts';
import type { ErrorWhere } from '../errors.ts';

/** The exports of either wasm build: numbers in, numbers out, plus the memory. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  simdBuild(): number;
  relaxedSimdBuild(): number;
  runPlan(rec: number, count: number): void;
  runOp(rec: number): number;
  /** A running CRC-32 register over bytes [ptr, ptr + length) (assembly/kernels/crc32.ts). */
  crc32UpdateBytes(crc: number, ptr: number, length: number): number;
  [kernel: string]: unknown;
}

export interface ShapeInfo {
  shape: number[];
  dtype: DType;
  /** The constant's data, when the input is a weight. */
  data?: TensorData;
}

export interface InputSpec {
  name: string;
  optional?: boolean;
  /** Must be a constant (weights, biases): packed at load time. */
  constant?: boolean;
  /** Only on the last spec: repeats (concat takes any number of inputs). */
  variadic?: boolean;
  /** Accepted dtypes; default f32 only. */
  dtypes?: DType[];
}

/** A constant buffer the op needs in the weight region, filled once at load. */
export interface WeightRequest {
  bytes: number;
  /**
   * Fills the buffer at `dst`. `stage(data)` copies raw data into wasm
   * memory (a staging area valid until init returns) and returns its address,
   * so packing runs in the kernels' own pack functions.
   */
  init(k: KernelExports, dst: number, stage: (data: TensorData) => number): void;
}

/** Resolved byte addresses of an op's operands in linear memory. */
export interface OpAddresses {
  /** 0 for an absent optional input. */
  input(i: number): number;
  output(i: number): number;
  weight(i: number): number;
  /** Start of this op's scratch (valid only while the op runs). */
  scratch: number;
}

/** One record of the op list: [opcode, wordCount, ...args]. */
export interface OpRecord {
  opcode: number;
  /** Integers and addresses as numbers; floats wrapped with f32Arg(). */
  args: (number | F32Arg)[];
}

export interface F32Arg {
  f32: number;
}
export const f32Arg = (v: number): F32Arg => ({ f32: v });

export interface CompiledOp {
  weights: WeightRequest[];
  scratchBytes: number;
  /** The records to run, given addresses (empty for pure aliases such as reshape). */
  records(addr: OpAddresses): OpRecord[];
}

export interface OpContext {
  op: Op;
  ins: (ShapeInfo | undefined)[];
  outs: ShapeInfo[];
  attrs: Attrs;
}

export interface OpDef {
  type: string;
  inputs: InputSpec[];
  /** Number of outputs, or a function of the attributes (split). */
  outputs: number | ((attrs: Attrs) => number);
  /**
   * How output 0 may share memory with input 0: 'alias' = the same bytes,
   * always (reshape, flatten); 'inplace' = may reuse input 0's buffer when
   * input 0 dies at this op (element-wise ops). Absent = separate buffers.
   */
  memory?: 'alias' | 'inplace';
  /**
   * Checks attributes and input shapes and returns the output shapes. Throws
   * MODEL_ATTRIBUTE / MODEL_SHAPE_MISMATCH naming `where` and the values.
   * `ins[i]` is undefined for an absent optional input.
   */
  infer(ins: (ShapeInfo | undefined)[], attrs: Attrs, where: ErrorWhere): ShapeInfo[];
  /** Multiply-accumulates of one run (element-wise ops count one per output element). */
  macs(ctx: OpContext): number;
  /** Packs weights and lays out the records; runs once per load. */
  compile(ctx: OpContext): CompiledOp;
}

/**
 * A weight buffer holding a constant's raw bytes unchanged, for ops that
 * read a constant operand as is (a bias vector in add, a constant in concat).
 * Op code reaches constants only through weight buffers, never the arena.
 */
export function rawWeight(data: TensorData): WeightRequest {
  return {
    bytes: data.byteLength,
    init(k, dst) {
      new Uint8Array(k.memory.buffer, dst, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    },
  };
}
