// A loaded model: one wasm instance whose linear memory is sized from the
// plan before the first inference and never grows afterwards. run() is one
// call into wasm whatever the number of layers; runTraced() steps op by op
// and times each.
import { fail, TinysenseError } from '../errors.ts';
import type { Model, TensorData } from '../graph/model.ts';
import { validateModel } from '../graph/validate.ts';
import { readModelWithShapes } from '../format/read.ts';
import { compilePlan, type CompiledPlan, type IoSlot } from '../schedule/compile.ts';
import { instantiateKernels, resolveBuild, type KernelExports, type WasmBuild } from './wasm.ts';
import { enforceBudget, type TargetBudget } from './budget.ts';
import { kernelCrc32Update } from './checksum.ts';

export interface LoadOptions {
  /** Which wasm build; 'auto' (default) picks SIMD when the engine has it. */
  build?: WasmBuild | 'auto';
  /** A file name to put in error messages. */
  file?: string;
  /**
   * Emulate a device's memory: refuse a plan over its SRAM or flash
   * (PLAN_BUDGET_SRAM / PLAN_BUDGET_FLASH) and cap linear memory to what it allows.
   * A profile from src/targets (loadTarget) or a bare budget.
   */
  target?: TargetBudget | { budget: TargetBudget };
}

/** Linear-memory caps of instances loaded for a target (bytes). */
const memoryCaps = new WeakMap<KernelExports, number>();

export interface TensorValue {
  data: Float32Array;
  shape: number[];
}

export type SessionInputs = Record<string, ArrayLike<number>> | ArrayLike<number>[];

export interface OpTiming {
  name: string;
  type: string;
  ms: number;
}

export interface Session {
  readonly model: Model;
  readonly build: WasmBuild;
  readonly plan: CompiledPlan;
  readonly inputs: readonly IoSlot[];
  readonly outputs: readonly IoSlot[];
  /** Runs one inference; returns fresh copies of the outputs, by name. */
  run(inputs: SessionInputs): Record<string, TensorValue>;
  /** Runs op by op, timing each (for tracing; slower than run()). */
  runTraced(inputs: SessionInputs): { outputs: Record<string, TensorValue>; ops: OpTiming[] };
  /** Zero-copy views of the input/output tensors inside wasm memory (valid for the session's life). */
  inputView(index: number): Float32Array;
  outputView(index: number): Float32Array;
  /** Executes the plan on whatever the input views hold (no copies, no allocation). */
  runInPlace(): void;
  /** Bytes of linear memory the instance holds. */
  memoryBytes(): number;
}

export function loadModel(source: Uint8Array | Model, options: LoadOptions = {}): Session {
  const build = resolveBuild(options.build ?? 'auto');
  const k = instantiateKernels(build);
  const { model, shapes } = source instanceof Uint8Array
    ? readModelWithShapes(source, { file: options.file, crc32Update: kernelCrc32Update(k) })
    : { model: source, shapes: validateModel(source, { file: options.file }) };
  const plan = compilePlan(model, shapes, k.heapBase());
  if (options.target) memoryCaps.set(k, enforceBudget(plan, 'budget' in options.target ? options.target.budget : options.target, options.file));
  growTo(k, plan.layout.end);
  initWeights(k, plan);
  new Int32Array(k.memory.buffer, plan.layout.opListOffset, plan.words.length).set(plan.words);
  return makeSession(model, build, plan, k);
}

function growTo(k: KernelExports, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  const cap = memoryCaps.get(k);
  if (cap !== undefined && bytes > cap) {
    fail('PLAN_BUDGET_SRAM', `loading needs ${bytes - cap} bytes of linear memory beyond the target's cap (raw weights are staged in the arena while packing)`, { expected: `<= ${cap} bytes`, found: `${bytes} bytes` });
  }
  if (bytes > have) {
    try {
      k.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch (e) {
      fail('PLAN_TOO_LARGE', 'the engine refused to grow WebAssembly memory for this model', { expected: `${bytes} bytes`, found: `${have} bytes`, cause: e });
    }
  }
}

// Raw weights are staged in the arena (unused until the first inference) and
// packed from there into the weight region by the kernels' own pack functions.
function initWeights(k: KernelExports, plan: CompiledPlan): void {
  for (const { address, request } of plan.weightInits) {
    let stageTop = plan.layout.arenaOffset;
    const stage = (data: TensorData): number => {
      const at = stageTop;
      stageTop = Math.ceil((at + data.byteLength) / 16) * 16;
      growTo(k, stageTop);
      new Uint8Array(k.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return at;
    };
    guardTrap(() => request.init(k, address, stage));
  }
}

function guardTrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      fail('RUN_TRAP', `the wasm kernels trapped: ${e.message}; this is a bug, please report it with the model`, { cause: e });
    }
    throw e;
  }
}

function makeSession(model: Model, build: WasmBuild, plan: CompiledPlan, k: KernelExports): Session {
  const mem = k.memory.buffer;
  const inViews = plan.inputs.map((s) => new Float32Array(mem, s.address, s.elements));
  const outViews = plan.outputs.map((s) => new Float32Array(mem, s.address, s.elements));
  const { opListOffset } = plan.layout;
  const recordCount = plan.recordCount;

  const writeInputs = (inputs: SessionInputs) => {
    const list = Array.isArray(inputs) ? inputs : null;
    if (list && list.length !== plan.inputs.length) {
      fail('RUN_INPUT', `model ${model.name} takes ${plan.inputs.length} input(s)`, { expected: plan.inputs.length, found: list.length });
    }
    plan.inputs.forEach((slot, i) => {
      const value = list ? list[i] : (inputs as Record<string, ArrayLike<number>>)[slot.name];
      if (value === undefined) {
        fail('RUN_INPUT', `input "${slot.name}" is missing`, { expected: `[${slot.shape}] f32`, found: `inputs named ${Object.keys(inputs).join(', ') || '(none)'}` });
      }
      if (typeof value !== 'object' || typeof (value as ArrayLike<number>).length !== 'number') {
        fail('RUN_INPUT', `input "${slot.name}" must be a Float32Array or an array of numbers`, { found: typeof value });
      }
      if (value.length !== slot.elements) {
        fail('RUN_INPUT', `input "${slot.name}" has the wrong number of values`, { expected: `${slot.elements} (shape [${slot.shape}])`, found: value.length });
      }
      inViews[i].set(value);
    });
  };
  const readOutputs = (): Record<string, TensorValue> => {
    const out: Record<string, TensorValue> = {};
    plan.outputs.forEach((slot, i) => {
      out[slot.name] = { data: outViews[i].slice(), shape: [...slot.shape] };
    });
    return out;
  };

  return {
    model,
    build,
    plan,
    inputs: plan.inputs,
    outputs: plan.outputs,
    run(inputs) {
      writeInputs(inputs);
      guardTrap(() => k.runPlan(opListOffset, recordCount));
      return readOutputs();
    },
    runTraced(inputs) {
      writeInputs(inputs);
      const ops: OpTiming[] = [];
      for (const op of plan.ops) {
        const t0 = performance.now();
        for (const rec of op.records) guardTrap(() => k.runOp(rec));
        ops.push({ name: op.name, type: op.type, ms: performance.now() - t0 });
      }
      return { outputs: readOutputs(), ops };
    },
    inputView: (i) => inViews[i],
    outputView: (i) => outViews[i],
    runInPlace() {
      guardTrap(() => k.runPlan(opListOffset, recordCount));
    },
    memoryBytes: () => k.memory.buffer.byteLength,
  };
}

export { TinysenseError };
