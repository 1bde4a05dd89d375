// add, sub, mul, div, max, min: y = a <op> b with multidirectional
// broadcasting (NumPy rules, as ONNX specifies them in docs/Broadcasting.md).
// Either input may be a constant (a bias or a scale vector): it reaches the
// kernel through a raw weight buffer. The iteration is described once, at
// load, as the output shape and per-input strides (0 on broadcast dims),
// merged where both inputs are contiguous (collapseDims), so the kernel
// (assembly/kernels/elementwise.ts) runs long rows at a small rank.
import { fail, type ErrorWhere } from '../errors.ts';
import { elementCount } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { collapseDims, contiguousStrides, KERNEL_MAX_RANK, type CollapsedDims } from './shape.ts';
import { rawWeight, type OpDef, type ShapeInfo, type WeightRequest } from './types.ts';

/** Op codes of binaryF32; mirror BIN_* in assembly/kernels/elementwise.ts. */
export const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 } as const;
export type BinaryOpName = keyof typeof BINARY_CODES;

/**
 * The broadcast of two shapes: right-aligned, each pair of dims equal or one
 * of them 1. Throws MODEL_SHAPE_MISMATCH naming both shapes otherwise.
 */
export function broadcastShape(a: readonly number[], b: readonly number[], where: ErrorWhere = {}): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      fail('MODEL_SHAPE_MISMATCH', `inputs cannot be broadcast together (dim ${i} of the output)`, {
        where: { ...where, field: 'inputs' },
        expected: 'right-aligned dims that are equal or 1',
        found: `[${a}] and [${b}]`,
      });
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides in elements of an input read over the broadcast output shape (0 on broadcast dims). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const lead = outShape.length - inShape.length;
  const own = contiguousStrides(inShape);
  return outShape.map((_, i) => (i < lead || inShape[i - lead] === 1 ? 0 : own[i - lead]));
}

/** The merged iteration of a binary op: output shape plus a's and b's strides. */
export function describeBinary(a: readonly number[], b: readonly number[], out: readonly number[]): CollapsedDims {
  return collapseDims(out, [broadcastStrides(a, out), broadcastStrides(b, out)]);
}

function binaryOp(type: BinaryOpName): OpDef {
  const code = BINARY_CODES[type];
  return {
    type,
    inputs: [{ name: 'a' }, { name: 'b' }],
    outputs: 1,
    memory: 'inplace',
    infer(ins, _attrs, where) {
      const [a, b] = ins;
      if (!a || !b) return fail('MODEL_SHAPE_MISMATCH', `${type} needs two inputs`, { where: { ...where, field: 'inputs' }, expected: 2, found: ins.filter(Boolean).length });
      for (const [t, field] of [[a, 'a'], [b, 'b']] as [ShapeInfo, string][]) {
        if (t.dtype !== 'f32') fail('MODEL_TENSOR', `${type} takes f32 inputs`, { where: { ...where, field }, expected: 'f32', found: t.dtype });
      }
      const out = broadcastShape(a.shape, b.shape, where);
      const d = describeBinary(a.shape, b.shape, out);
      if (d.shape.length > KERNEL_MAX_RANK) {
        fail('MODEL_SHAPE_MISMATCH', `${type} broadcast alternates too often for the kernel`, {
          where: { ...where, field: 'inputs' },
          expected: `at most ${KERNEL_MAX_RANK} dims after merging contiguous dims`,
          found: `[${a.shape}] and [${b.shape}] (${d.shape.length} dims)`,
        });
      }
      return [{ shape: out, dtype: 'f32' }];
    },
    macs({ outs }) {
      return elementCount(outs[0].shape);
    },
    compile({ ins, outs }) {
      const [a, b] = [ins[0]!, ins[1]!];
      const d = describeBinary(a.shape, b.shape, outs[0].shape);
      const weights: WeightRequest[] = [];
      const slot = [a, b].map((t) => (t.data ? weights.push(rawWeight(t.data)) - 1 : -1));
      const empty = elementCount(outs[0].shape) === 0;
      return {
        weights,
        scratchBytes: 0,
        records: (addr) => {
          if (empty) return [];
          const [pa, pb] = slot.map((s, i) => (s >= 0 ? addr.weight(s) : addr.input(i)));
          return [{ opcode: OPCODES.BINARY, args: [code, pa, pb, addr.output(0), d.shape.length, ...d.shape, ...d.strides[0], ...d.strides[1]] }];
        },
      };
    },
  };
}

export const addOp = binaryOp('add');
export const subOp = binaryOp('sub');
export const mulOp = binaryOp('mul');
export const divOp = binaryOp('div');
export const maxOp = binaryOp('max');
export const minOp = binaryOp('min');
