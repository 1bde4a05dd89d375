// The state of one import: the value of every ONNX name (a constant, or an
// IR tensor plus its layout, see layout.ts), the IR model under construction
// (the graph builder, so every emitted op's shapes are inferred and checked
// by its own OpDef), and the helpers the op mappings share.
import { fail, type ErrorWhere } from '../../errors.ts';
import { createBuilder, type ModelBuilder, type TensorRef } from '../../graph/builder.ts';
import { elementCount, type Attrs } from '../../graph/model.ts';
import type { ConstDType, OnnxAttr, OnnxNode } from './parse.ts';
import { composePerm, identityPerm, invertPerm, isIdentityPerm, permuteShape, reshapePerm, sameBytes, transposeData } from './layout.ts';

export interface ConstValue {
  kind: 'const';
  shape: number[];
  dtype: ConstDType;
  data: Float32Array | Float64Array;
}

export interface TensorValue {
  kind: 'tensor';
  /** The ONNX shape. */
  shape: number[];
  /** stored = transpose(onnx, perm) (layout.ts). */
  perm: number[];
  ref: TensorRef;
}

export type Value = ConstValue | TensorValue;

export function makeConst(shape: number[], dtype: ConstDType, data: Float32Array | Float64Array | number[]): ConstValue {
  const arr = data instanceof Float32Array || data instanceof Float64Array ? data : dtype === 'float' ? Float32Array.from(data) : Float64Array.from(data);
  return { kind: 'const', shape, dtype, data: arr };
}

export class ImportContext {
  readonly b: ModelBuilder;
  private readonly values = new Map<string, Value>();
  /** Names an op produced but cannot provide (e.g. MaxPool's Indices), with the reason. */
  private readonly unavailable = new Map<string, string>();
  /** Layout conversions already emitted, per IR tensor id and target perm. */
  private readonly converted = new Map<string, TensorRef>();
  /** Zero pads handed from a Pad node to the Conv / AveragePool nodes reading its output. */
  private readonly pendingPads = new Map<string, number[]>();
  private constCount = 0;
  /** IR tensor ids of the graph inputs. */
  readonly inputIds: number[] = [];

  constructor(
    name: string,
    readonly opset: number,
    readonly file: string | undefined,
    /** The nodes reading each value, and the graph outputs (for fusion decisions). */
    private readonly consumers: ReadonlyMap<string, readonly OnnxNode[]> = new Map(),
    private readonly graphOutputs: ReadonlySet<string> = new Set(),
  ) {
    this.b = createBuilder(name);
  }

  /**
   * Lets the consumers of a Pad's output absorb it as their own padding:
   * only when the pads are on the spatial axes, non-negative, and every
   * consumer is a Conv or an AveragePool that counts padding (so zeros from
   * the Pad and from its own pads mean the same).
   */
  deferPad(node: OnnxNode, x: TensorValue, pads: number[]): boolean {
    const out = node.outputs[0];
    const r = x.shape.length;
    const users = this.consumers.get(out) ?? [];
    const spatialOnly = pads.every((p, i) => p >= 0 && (i % r >= 2 || p === 0));
    // SAME_* pads depend on the input size, which the Pad changes: only explicit pads add up.
    const explicit = (c: OnnxNode) => ['NOTSET', 'VALID'].includes(c.attrs.get('auto_pad')?.s ?? 'NOTSET');
    const absorbs = (c: OnnxNode) =>
      c.inputs[0] === out && !c.inputs.slice(1).includes(out) && explicit(c) && (c.opType === 'Conv' || (c.opType === 'AveragePool' && absorbsPadding(c)));
    if ((r !== 3 && r !== 4) || !spatialOnly || users.length === 0 || this.graphOutputs.has(out) || !users.every(absorbs)) return false;
    this.pendingPads.set(out, pads);
    return true;
  }

  /** The pads a Pad node deferred to the reader of `name` ([begin..., end...] over all axes), if any. */
  deferredPad(name: string): number[] | undefined {
    return this.pendingPads.get(name);
  }

  where(node: OnnxNode, field?: string): ErrorWhere {
    return { file: this.file, op: `${node.name} (${node.opType})`, ...(field ? { field } : {}) };
  }

  unsupported(node: OnnxNode, message: string, field?: string, found?: unknown): never {
    return fail('IMPORT_UNSUPPORTED', `${node.opType} node "${node.name}": ${message}`, { where: this.where(node, field), ...(found !== undefined ? { found } : {}) });
  }

  set(name: string, v: Value): void {
    this.values.set(name, v);
  }

  markUnavailable(name: string, reason: string): void {
    this.unavailable.set(name, reason);
  }

  /** Does any node or graph output read this value? */
  isUsed(name: string): boolean {
    return Boolean(name) && ((this.consumers.get(name)?.length ?? 0) > 0 || this.graphOutputs.has(name));
  }

  isUnavailable(name: string): boolean {
    return this.unavailable.has(name);
  }

  get(name: string, node?: OnnxNode): Value {
    const v = this.values.get(name);
    if (v) return v;
    const why = this.unavailable.get(name);
    const where = node ? this.where(node) : { file: this.file, tensor: name };
    if (why) return fail('IMPORT_UNSUPPORTED', `value "${name}" is used, but ${why}`, { where });
    return fail('IMPORT_PARSE', `value "${name}" is not defined`, { where });
  }

  /** Input i of a node; undefined when absent ('' or past the end). */
  input(node: OnnxNode, i: number): Value | undefined {
    const name = node.inputs[i];
    return name ? this.get(name, node) : undefined;
  }

  tensorInput(node: OnnxNode, i: number, what: string): TensorValue {
    const v = this.input(node, i);
    if (!v) return this.unsupported(node, `needs its ${what} input`);
    if (v.kind !== 'tensor') return this.unsupported(node, `its ${what} input is a constant; only data computed from the graph inputs is supported there`);
    return v;
  }

  constInput(node: OnnxNode, i: number, what: string): ConstValue;
  constInput(node: OnnxNode, i: number, what: string, optional: true): ConstValue | undefined;
  constInput(node: OnnxNode, i: number, what: string, optional = false): ConstValue | undefined {
    const v = this.input(node, i);
    if (!v) return optional ? undefined : this.unsupported(node, `needs its ${what} input`);
    if (v.kind !== 'const') return this.unsupported(node, `its ${what} input must be a constant (an initializer, or computed from constants and static shapes)`);
    return v;
  }

  // ------------------------------------------------------------ attributes

  attr(node: OnnxNode, name: string): OnnxAttr | undefined {
    return node.attrs.get(name);
  }

  int(node: OnnxNode, name: string, dflt: number): number {
    const a = node.attrs.get(name);
    if (!a) return dflt;
    if (a.i === undefined) return this.unsupported(node, `attribute ${name} must be an integer`, name);
    return a.i;
  }

  ints(node: OnnxNode, name: string, dflt?: number[]): number[] | undefined {
    const a = node.attrs.get(name);
    if (!a) return dflt;
    if (!a.ints) return this.unsupported(node, `attribute ${name} must be a list of integers`, name);
    return a.ints;
  }

  float(node: OnnxNode, name: string, dflt: number): number {
    const a = node.attrs.get(name);
    if (!a) return dflt;
    if (a.f === undefined) return this.unsupported(node, `attribute ${name} must be a float`, name);
    return a.f;
  }

  str(node: OnnxNode, name: string, dflt: string): string {
    const a = node.attrs.get(name);
    if (!a) return dflt;
    if (a.s === undefined) return this.unsupported(node, `attribute ${name} must be a string`, name);
    return a.s;
  }

  // ------------------------------------------------------------ IR emission

  emit(type: string, inputs: (TensorRef | null)[], attrs: Attrs, name: string): TensorRef[] {
    return this.b.op(type, inputs, attrs, name);
  }

  /** An IR constant (f32) holding `data` of `shape`. */
  constant(name: string, shape: number[], data: Float32Array | Float64Array): TensorRef {
    return this.b.constant(`${name}#${this.constCount++}`, shape, data instanceof Float32Array ? data : Float32Array.from(data));
  }

  /** A runtime value produced by an IR op. */
  tensor(ref: TensorRef, shape: number[], perm: number[]): TensorValue {
    const stored = permuteShape(shape, perm);
    if (stored.length !== ref.shape.length || stored.some((d, i) => d !== ref.shape[i])) {
      fail('IMPORT_UNSUPPORTED', `internal layout mismatch: ONNX [${shape}] with perm [${perm}] is [${stored}], IR tensor is [${ref.shape}]`);
    }
    return { kind: 'tensor', shape, perm, ref };
  }

  /**
   * The IR tensor holding `v` in layout `perm` (stored = transpose(onnx,
   * perm)): the value itself, a free reshape when the bytes already sit in
   * that order, else one transpose. Constants become IR constants.
   */
  as(v: Value, perm: number[], name: string): TensorRef {
    if (v.kind === 'const') return this.constant(name, permuteShape(v.shape, perm), transposeData(v.data, v.shape, perm));
    if (v.perm.every((p, i) => p === perm[i])) return v.ref;
    const key = `${v.ref.id}:${perm.join(',')}`;
    const done = this.converted.get(key);
    if (done) return done;
    const target = permuteShape(v.shape, perm);
    const ref = sameBytes(v.shape, v.perm, perm)
      ? this.emit('reshape', [v.ref], { shape: target }, `${name}/relayout`)[0]
      : this.emit('transpose', [v.ref], { perm: composePerm(invertPerm(v.perm), perm) }, `${name}/transpose`)[0];
    this.converted.set(key, ref);
    return ref;
  }

  /** `v` in the ONNX order (identity layout). */
  plain(v: Value, name: string): TensorRef {
    return this.as(v, identityPerm(v.shape.length), name);
  }

  /** ONNX Transpose: only the layout changes (layout.ts). */
  transpose(v: Value, perm: number[]): Value {
    const shape = permuteShape(v.shape, perm);
    if (v.kind === 'const') return makeConst(shape, v.dtype, transposeData(v.data, v.shape, perm));
    return { kind: 'tensor', shape, perm: composePerm(invertPerm(perm), v.perm), ref: v.ref };
  }

  /** ONNX reshape semantics (row-major over the ONNX order), keeping the stored layout when it can. */
  reshape(v: Value, to: number[], name: string): Value {
    if (elementCount(to) !== elementCount(v.shape)) fail('IMPORT_UNSUPPORTED', `internal reshape of [${v.shape}] to [${to}] changes the element count`);
    if (v.kind === 'const') return makeConst(to, v.dtype, v.data);
    const perm = reshapePerm(v.shape, v.perm, to);
    if (perm) {
      const stored = permuteShape(to, perm);
      if (stored.length === v.ref.shape.length && stored.every((d, i) => d === v.ref.shape[i])) return { kind: 'tensor', shape: to, perm, ref: v.ref };
      return this.tensor(this.emit('reshape', [v.ref], { shape: stored }, name)[0], to, perm);
    }
    const ref = this.plain(v, name);
    return this.tensor(this.emit('reshape', [ref], { shape: to }, name)[0], to, identityPerm(to.length));
  }

  /** Per-axis ONNX axis -> stored axis. */
  storedAxis(v: TensorValue, axis: number): number {
    return v.perm.indexOf(axis);
  }

  isPlain(v: TensorValue): boolean {
    return isIdentityPerm(v.perm) || sameBytes(v.shape, v.perm, identityPerm(v.shape.length));
  }
}

/** Normalises a possibly negative axis; IMPORT_UNSUPPORTED naming the node when out of range. */
export function normAxis(ctx: ImportContext, node: OnnxNode, axis: number, rank: number, field = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    return fail('IMPORT_PARSE', `${node.opType} node "${node.name}": ${field} ${axis} is out of range for rank ${rank}`, { where: ctx.where(node, field) });
  }
  return axis < 0 ? axis + rank : axis;
}

/** AveragePool divides padded windows by the full kernel size when count_include_pad is 1 or it has no pads of its own. */
function absorbsPadding(node: OnnxNode): boolean {
  const own = node.attrs.get('pads')?.ints ?? [];
  if ((node.attrs.get('ceil_mode')?.i ?? 0) !== 0) return false;
  return (node.attrs.get('count_include_pad')?.i ?? 0) === 1 || own.every((p) => p === 0);
}
