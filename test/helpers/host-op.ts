// Runs one host op (src/ops) on a kernel harness the way a loaded model
// would: infer, compile, pack its weights with the kernels' own pack
// functions, lay out inputs, output and scratch, encode its records and run
// them through the in-wasm interpreter (runPlan). Lets an op suite check the
// host half and the run.ts case without the whole model pipeline.
import type { Attrs } from '../../src/graph/model.ts';
import type { OpDef, ShapeInfo } from '../../src/ops/types.ts';
import type { KernelHarness } from './wasm.ts';
import { encodeRecords } from '../../src/schedule/compile.ts';

export interface HostOperand {
  shape: number[];
  data: Float32Array;
  /** A weight: reaches the op through compile().weights, not the arena. */
  constant?: boolean;
}

export interface HostOpResult {
  shape: number[];
  data: Float32Array;
  macs: number;
  scratchBytes: number;
}

const GUARD_FLOATS = 8;
const SENTINEL = -12345.5;

export function runHostOp(h: KernelHarness, def: OpDef, operands: (HostOperand | undefined)[], attrs: Attrs, name = def.type): HostOpResult {
  const op = { type: def.type, name, inputs: operands.map((o, i) => (o ? i : -1)), outputs: [operands.length], attrs };
  const ins: (ShapeInfo | undefined)[] = operands.map((o) =>
    o ? { shape: o.shape, dtype: 'f32', ...(o.constant ? { data: o.data } : {}) } : undefined,
  );
  const outs = def.infer(ins, attrs, { op: name });
  const ctx = { op, ins, outs, attrs };
  const compiled = def.compile(ctx);

  const weights = compiled.weights.map((req) => {
    const dst = h.alloc(req.bytes);
    req.init(h.k, dst, (data) => h.put(data as Float32Array));
    return dst;
  });
  const inputs = operands.map((o) => (o && !o.constant ? h.put(o.data) : 0));
  const outCount = outs[0].shape.reduce((a, b) => a * b, 1);
  const out = h.put(new Float32Array(outCount + GUARD_FLOATS).fill(SENTINEL));
  const scratch = h.alloc(compiled.scratchBytes);
  const records = compiled.records({ input: (i) => inputs[i] ?? 0, output: () => out, weight: (i) => weights[i], scratch });

  const list = h.put(encodeRecords(records));
  h.k.runPlan(list, records.length);

  const got = h.getF32(out, outCount + GUARD_FLOATS);
  for (let i = outCount; i < got.length; i++) {
    if (got[i] !== SENTINEL) throw new Error(`${def.type} wrote past its output (${outCount} floats) at +${i - outCount}, build ${h.build}`);
  }
  return { shape: outs[0].shape, data: got.subarray(0, outCount), macs: def.macs(ctx), scratchBytes: compiled.scratchBytes };
}
