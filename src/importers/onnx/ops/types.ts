// The contract of one ONNX op's mapping (ops/index.ts lists them all).
import type { OnnxNode } from '../parse.ts';
import type { ImportContext, Value } from '../context.ts';

export interface OpImporter {
  /** Attribute names the mapping reads; any other is IMPORT_UNSUPPORTED. */
  attrs: readonly string[];
  /** Emits IR ops for runtime inputs; returns one value per ONNX output (undefined: not produced). */
  run?(node: OnnxNode, ctx: ImportContext): (Value | undefined)[];
  /** Evaluates the node at import when every input is a constant (or always, with foldsAny). */
  fold?(node: OnnxNode, ins: (Value | undefined)[], ctx: ImportContext): (Value | undefined)[];
  /** Shape and its kin: folded whatever the input, since static shapes are known. */
  foldsAny?: boolean;
}
