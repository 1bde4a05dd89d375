// Model -> .tsm bytes (layout: docs/format.md). Deterministic: the string
// table is built in a fixed traversal order, attribute and extra-metadata keys
// are sorted, and every padding byte is zero, so writing a model twice, or
// re-writing what readModel returned, gives identical bytes.
import { fail } from '../errors.ts';
import type { AttrValue, Model, TensorData } from '../graph/model.ts';
import { validateModel } from '../graph/validate.ts';
import {
  ATTR_KINDS, DTYPE_CODES, HEADER, HOST_LITTLE_ENDIAN, INT32_MAX, INT32_MIN, MAX_RANK, METADATA_FLAGS,
  SECTION_ALIGN, SECTION_ENTRY_BYTES, SECTION_IDS, SECTION_NAMES, TENSOR_FLAG_CONSTANT, TSM_MAGIC,
  TSM_VERSION_MAJOR, TSM_VERSION_MINOR, UINT32_MAX, WEIGHT_ALIGN, sealChecksum, type SectionName,
} from './schema.ts';

export interface WriteOptions {
  /**
   * Run validateModel first (default true), so no blob is written that
   * readModel would reject. Tests turn it off to build deliberately broken blobs.
   */
  validate?: boolean;
}

export function writeModel(model: Model, options: WriteOptions = {}): Uint8Array {
  if (options.validate !== false) validateModel(model);
  const strings = new StringTable();
  const weights: { offset: number; bytes: Uint8Array }[] = [];
  let weightsLength = 0;

  const metadata = new ByteWriter();
  encodeMetadata(model, metadata, strings);

  const tensors = new ByteWriter();
  tensors.u32(model.tensors.length);
  model.tensors.forEach((t, i) => {
    const field = `tensors[${i}]`;
    const code = DTYPE_CODES[t.dtype];
    if (code === undefined) fail('FORMAT_FIELD', 'cannot encode an unknown dtype', { where: { section: 'tensors', field: `${field}.dtype` }, found: JSON.stringify(t.dtype) });
    if (t.shape.length > MAX_RANK) fail('FORMAT_FIELD', 'cannot encode a tensor of this rank', { where: { section: 'tensors', field: `${field}.rank` }, expected: `<= ${MAX_RANK}`, found: t.shape.length });
    tensors.u32(strings.intern(t.name, `${field}.name`));
    tensors.u8(code);
    tensors.u8(t.shape.length);
    tensors.u8(t.data ? TENSOR_FLAG_CONSTANT : 0);
    tensors.u8(0);
    if (t.data) {
      const offset = alignUp(weightsLength, WEIGHT_ALIGN);
      const bytes = littleEndianBytes(t.data);
      weights.push({ offset, bytes });
      weightsLength = offset + bytes.length;
      tensors.u32(offset);
      tensors.u32(bytes.length);
    } else {
      tensors.u32(0);
      tensors.u32(0);
    }
    t.shape.forEach((d, j) => tensors.u32(checkU32(d, 'tensors', `${field}.shape[${j}]`)));
  });

  const ops = new ByteWriter();
  ops.u32(model.ops.length);
  model.ops.forEach((op, i) => {
    const field = `ops[${i}]`;
    const keys = Object.keys(op.attrs).sort();
    ops.u32(strings.intern(op.type, `${field}.type`));
    ops.u32(strings.intern(op.name, `${field}.name`));
    ops.u16(checkU16(op.inputs.length, `${field}.inputCount`));
    ops.u16(checkU16(op.outputs.length, `${field}.outputCount`));
    ops.u16(checkU16(keys.length, `${field}.attrCount`));
    ops.u16(0);
    for (const x of op.inputs) ops.i32(checkIndex(x, -1, `${field}.inputs`));
    for (const x of op.outputs) ops.i32(checkIndex(x, 0, `${field}.outputs`));
    for (const key of keys) encodeAttr(ops, strings, key, op.attrs[key], `${field}.attrs.${key}`);
  });

  const graph = new ByteWriter();
  for (const [list, name] of [[model.inputs, 'inputs'], [model.outputs, 'outputs']] as const) {
    graph.u32(list.length);
    for (const x of list) graph.u32(checkIndex(x, 0, `graph.${name}`));
  }

  const stringBytes = new ByteWriter();
  stringBytes.u32(strings.list.length);
  for (const s of strings.list) {
    stringBytes.u32(s.length);
    stringBytes.bytes(s);
  }

  const bodies: Record<SectionName, Uint8Array> = {
    strings: stringBytes.finish(),
    tensors: tensors.finish(),
    ops: ops.finish(),
    graph: graph.finish(),
    metadata: metadata.finish(),
    weights: new Uint8Array(0),
  };

  // Layout: header, section table, then the sections in id order.
  const table: { id: number; offset: number; length: number }[] = [];
  let end = HEADER.bytes + SECTION_NAMES.length * SECTION_ENTRY_BYTES;
  for (const name of SECTION_NAMES) {
    const offset = alignUp(end, name === 'weights' ? WEIGHT_ALIGN : SECTION_ALIGN);
    const length = name === 'weights' ? weightsLength : bodies[name].length;
    table.push({ id: SECTION_IDS[name], offset, length });
    end = offset + length;
  }
  if (end > UINT32_MAX) fail('FORMAT_FIELD', 'the model is too large for a .tsm blob', { where: { section: 'header', field: 'totalLength' }, expected: `<= ${UINT32_MAX} bytes`, found: `${end} bytes` });

  const out = new Uint8Array(end);
  const view = new DataView(out.buffer);
  out.set(TSM_MAGIC, HEADER.magic);
  view.setUint16(HEADER.versionMajor, TSM_VERSION_MAJOR, true);
  view.setUint16(HEADER.versionMinor, TSM_VERSION_MINOR, true);
  view.setUint32(HEADER.totalLength, end, true);
  view.setUint32(HEADER.sectionCount, table.length, true);
  table.forEach((e, i) => {
    const at = HEADER.bytes + i * SECTION_ENTRY_BYTES;
    view.setUint32(at, e.id, true);
    view.setUint32(at + 4, e.offset, true);
    view.setUint32(at + 8, e.length, true);
  });
  SECTION_NAMES.forEach((name, i) => {
    if (name !== 'weights') out.set(bodies[name], table[i].offset);
  });
  const weightsBase = table[SECTION_NAMES.indexOf('weights')].offset;
  for (const w of weights) out.set(w.bytes, weightsBase + w.offset);
  return sealChecksum(out);
}

function encodeMetadata(model: Model, w: ByteWriter, strings: StringTable): void {
  const m = model.metadata ?? {};
  w.u32(strings.intern(model.name, 'metadata.name'));
  let flags = 0;
  if (m.labels !== undefined) flags |= METADATA_FLAGS.labels;
  if (m.provenance !== undefined) flags |= METADATA_FLAGS.provenance;
  if (m.pruning !== undefined) flags |= METADATA_FLAGS.pruning;
  if (m.extra !== undefined) flags |= METADATA_FLAGS.extra;
  w.u32(flags);
  if (m.labels !== undefined) {
    w.u32(m.labels.length);
    m.labels.forEach((l, i) => w.u32(strings.intern(l, `metadata.labels[${i}]`)));
  }
  if (m.provenance !== undefined) w.u32(strings.intern(m.provenance, 'metadata.provenance'));
  if (m.pruning !== undefined) w.u32(strings.intern(m.pruning, 'metadata.pruning'));
  if (m.extra !== undefined) {
    const keys = Object.keys(m.extra).sort();
    w.u32(keys.length);
    for (const k of keys) {
      w.u32(strings.intern(k, 'metadata.extra'));
      w.u32(strings.intern(m.extra[k], `metadata.extra.${k}`));
    }
  }
}

/**
 * Integers that fit i32 (and are not -0) are written as int, other numbers as
 * f64; a list is an int list when every element fits i32, else an f64 list.
 * Reading gives back the same JS numbers either way.
 */
function encodeAttr(w: ByteWriter, strings: StringTable, key: string, v: AttrValue, field: string): void {
  w.u32(strings.intern(key, field));
  if (typeof v === 'number') {
    if (Number.isNaN(v)) fail('FORMAT_FIELD', 'cannot encode a NaN attribute', { where: { section: 'ops', field } });
    const int = isInt32(v);
    w.u8(int ? ATTR_KINDS.int : ATTR_KINDS.float);
    w.u8(0); w.u8(0); w.u8(0);
    if (int) w.i32(v);
    else w.f64(v);
  } else if (typeof v === 'string') {
    w.u8(ATTR_KINDS.string);
    w.u8(0); w.u8(0); w.u8(0);
    w.u32(strings.intern(v, field));
  } else if (Array.isArray(v) && v.every((x) => typeof x === 'number' && !Number.isNaN(x))) {
    const ints = v.every(isInt32);
    w.u8(ints ? ATTR_KINDS.ints : ATTR_KINDS.floats);
    w.u8(0); w.u8(0); w.u8(0);
    w.u32(v.length);
    for (const x of v) {
      if (ints) w.i32(x);
      else w.f64(x);
    }
  } else {
    fail('FORMAT_FIELD', 'cannot encode this attribute value: expected a number, a list of numbers or a string', { where: { section: 'ops', field }, found: JSON.stringify(v) });
  }
}

function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX && !Object.is(v, -0);
}

function checkU32(v: number, section: string, field: string): number {
  if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) fail('FORMAT_FIELD', 'cannot encode this value as u32', { where: { section, field }, found: v });
  return v;
}

function checkU16(v: number, field: string): number {
  if (v > 0xffff) fail('FORMAT_FIELD', 'too many entries for a u16 count', { where: { section: 'ops', field }, expected: '<= 65535', found: v });
  return v;
}

function checkIndex(v: number, min: number, field: string): number {
  if (!Number.isInteger(v) || v < min || v > INT32_MAX) fail('FORMAT_FIELD', 'cannot encode this tensor index', { where: { field }, expected: `an integer >= ${min}`, found: v });
  return v;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** A constant's bytes in the blob's little-endian order (a view when the host already is). */
function littleEndianBytes(data: TensorData): Uint8Array {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return raw;
  const out = new Uint8Array(data.byteLength);
  const v = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) v.setFloat32(i * 4, data[i], true);
    else v.setInt32(i * 4, data[i], true);
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Strings interned in first-use order, as UTF-8. */
class StringTable {
  readonly list: Uint8Array[] = [];
  private readonly index = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  intern(s: string, field: string): number {
    if (typeof s !== 'string') fail('FORMAT_FIELD', 'cannot encode a non-string as a string', { where: { field }, found: JSON.stringify(s) });
    // UTF-8 cannot carry a lone surrogate: TextEncoder would silently swap it for U+FFFD.
    if (LONE_SURROGATE.test(s)) fail('FORMAT_STRING', 'cannot encode a string holding a lone UTF-16 surrogate', { where: { field }, found: JSON.stringify(s) });
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(this.encoder.encode(s));
      this.index.set(s, i);
    }
    return i;
  }
}

/** A growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private n = 0;

  private reserve(k: number): number {
    if (this.n + k > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
      next.set(this.buf.subarray(0, this.n));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.n;
    this.n += k;
    return at;
  }

  // reserve() first: it may swap `view`/`buf` for larger ones.
  u8(v: number): void { const at = this.reserve(1); this.view.setUint8(at, v); }
  u16(v: number): void { const at = this.reserve(2); this.view.setUint16(at, v, true); }
  u32(v: number): void { const at = this.reserve(4); this.view.setUint32(at, v, true); }
  i32(v: number): void { const at = this.reserve(4); this.view.setInt32(at, v, true); }
  f64(v: number): void { const at = this.reserve(8); this.view.setFloat64(at, v, true); }
  bytes(b: Uint8Array): void { const at = this.reserve(b.length); this.buf.set(b, at); }
  finish(): Uint8Array { return this.buf.slice(0, this.n); }
}
