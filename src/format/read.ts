// .tsm bytes -> Model (layout: docs/format.md). Every offset, length, count
// and index is checked against the bytes that remain BEFORE it is used, and
// counts are capped by what those bytes could hold, so a corrupted blob can
// neither read out of bounds nor make the reader allocate without bound.
// Every failure is a TinysenseError naming the section, byte offset and field.
// Constants come back as typed-array views into the caller's bytes (no copy)
// whenever the alignment allows it: do not reuse the buffer while the model lives.
import { fail, type ErrorCode } from '../errors.ts';
import { DTYPE_BYTES, type AttrValue, type Attrs, type DType, type Model, type ModelMetadata, type Op, type Tensor, type TensorData } from '../graph/model.ts';
import { validateModel, type ModelShapes } from '../graph/validate.ts';
import {
  ATTR_KINDS, ATTR_MIN_BYTES, DTYPE_BY_CODE, HEADER, HOST_LITTLE_ENDIAN, MAX_RANK, METADATA_FLAGS, METADATA_FLAGS_ALL,
  OP_RECORD_BYTES, SECTION_ALIGN, SECTION_ENTRY_BYTES, SECTION_IDS, SECTION_NAMES, TENSOR_FLAG_CONSTANT,
  TENSOR_RECORD_BYTES, TSM_MAGIC, TSM_VERSION_MAJOR, TSM_VERSION_MINOR, WEIGHT_ALIGN, blobChecksum, type SectionName,
} from './schema.ts';
import type { Crc32Update } from './crc32.ts';

export interface ReadOptions {
  /** Named in every error (the path the bytes came from). */
  file?: string;
  /** The CRC-32 routine for the checksum (default: src/format/crc32.ts; the runtime passes its kernels' own). */
  crc32Update?: Crc32Update;
}

/** Decodes and validates a blob. */
export function readModel(bytes: Uint8Array | ArrayBuffer, options: ReadOptions = {}): Model {
  return readModelWithShapes(bytes, options).model;
}

/** readModel, also handing back the shapes validation inferred (for the scheduler). */
export function readModelWithShapes(bytes: Uint8Array | ArrayBuffer, options: ReadOptions = {}): { model: Model; shapes: ModelShapes } {
  const model = decodeModel(bytes, options);
  return { model, shapes: validateModel(model, options) };
}

interface SectionSpan {
  offset: number;
  length: number;
}

/** Decodes a blob without validating the graph it describes (readModel does both). */
export function decodeModel(input: Uint8Array | ArrayBuffer, options: ReadOptions = {}): Model {
  const bytes = input instanceof Uint8Array ? input : input instanceof ArrayBuffer ? new Uint8Array(input) : undefined;
  const file = options.file;
  if (!bytes) return fail('FORMAT_MAGIC', 'a .tsm blob must be a Uint8Array or ArrayBuffer', { where: { file }, found: typeof input });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = new Cursor(view, file, 'header', 0, bytes.length);

  // Magic first, so a file of the wrong kind says so rather than "truncated".
  const head = bytes.subarray(0, Math.min(4, bytes.length));
  if (head.some((b, i) => b !== TSM_MAGIC[i])) {
    fail('FORMAT_MAGIC', 'not a .tsm model blob', { where: { file, section: 'header', offset: 0, field: 'magic' }, expected: hex(TSM_MAGIC), found: hex(head) });
  }
  header.need(HEADER.versionMinor + 2, 'version');
  header.pos = HEADER.versionMajor;
  const major = header.u16('versionMajor');
  const minor = header.u16('versionMinor');
  if (major !== TSM_VERSION_MAJOR) {
    fail('FORMAT_VERSION', `this reader reads format version ${TSM_VERSION_MAJOR}.x only`, {
      where: { file, section: 'header', offset: HEADER.versionMajor, field: 'versionMajor' }, expected: `${TSM_VERSION_MAJOR}.x`, found: `${major}.${minor}`,
    });
  }
  header.need(HEADER.bytes - header.pos, 'header');
  const total = header.u32('totalLength');
  if (total > bytes.length) {
    fail('FORMAT_TRUNCATED', 'the blob is shorter than its header declares', { where: { file, section: 'header', offset: HEADER.totalLength, field: 'totalLength' }, expected: `${total} bytes`, found: `${bytes.length} bytes` });
  }
  if (total !== bytes.length) {
    fail('FORMAT_FIELD', 'the declared length does not match the blob (trailing bytes?)', { where: { file, section: 'header', offset: HEADER.totalLength, field: 'totalLength' }, expected: bytes.length, found: total });
  }
  const stored = header.u32('checksum');
  const computed = blobChecksum(bytes, options.crc32Update);
  if (stored !== computed) {
    fail('FORMAT_CHECKSUM', 'the blob is corrupted (CRC-32 mismatch)', { where: { file, section: 'header', offset: HEADER.checksum, field: 'checksum' }, expected: hex32(computed), found: hex32(stored) });
  }

  const sections = readSectionTable(header, minor);
  const at = (name: SectionName) => new Cursor(view, file, name, sections[name].offset, sections[name].offset + sections[name].length);

  const strings = readStrings(at('strings'), bytes);
  const tensors = readTensors(at('tensors'), strings, bytes, sections.weights);
  const ops = readOps(at('ops'), strings, tensors.length);
  const gc = at('graph');
  const inputs = readIndexList(gc, 'inputs', tensors.length);
  const outputs = readIndexList(gc, 'outputs', tensors.length);
  gc.end_();
  const { name, metadata } = readMetadata(at('metadata'), strings);
  return { name, tensors, ops, inputs, outputs, metadata };
}

function readSectionTable(c: Cursor, minor: number): Record<SectionName, SectionSpan> {
  const count = c.count('sectionCount', SECTION_ENTRY_BYTES);
  const tableEnd = c.pos + count * SECTION_ENTRY_BYTES;
  const found = new Map<number, SectionSpan>();
  const spans: (SectionSpan & { field: string; entryAt: number })[] = [];
  for (let i = 0; i < count; i++) {
    const f = `sections[${i}]`;
    const entryAt = c.pos;
    const id = c.u32(`${f}.id`);
    const offset = c.u32(`${f}.offset`);
    const length = c.u32(`${f}.length`);
    const known = SECTION_NAMES.find((n) => SECTION_IDS[n] === id);
    const bad = (msg: string, field: string, expected: unknown, foundValue: unknown, fieldAt: number): never =>
      fail('FORMAT_SECTION', msg, { where: { file: c.file, section: 'table', offset: fieldAt, field: `${f}.${field}` }, expected, found: foundValue });
    // Newer minor revisions may add sections an older reader skips; within
    // the revisions this reader knows, an unknown id is corruption.
    if (!known && minor <= TSM_VERSION_MINOR) bad('unknown section id', 'id', `one of ${SECTION_NAMES.map((n) => `${SECTION_IDS[n]} (${n})`).join(', ')}`, id, entryAt);
    if (found.has(id)) bad('duplicate section', 'id', 'each section id once', id, entryAt);
    const align = known === 'weights' ? WEIGHT_ALIGN : SECTION_ALIGN;
    if (offset % align !== 0) bad('misaligned section', 'offset', `a multiple of ${align}`, offset, entryAt + 4);
    if (offset < tableEnd) bad('section overlaps the header or section table', 'offset', `>= ${tableEnd}`, offset, entryAt + 4);
    if (length > c.view.byteLength - offset) bad('section runs past the end of the blob', 'length', `<= ${c.view.byteLength - offset}`, length, entryAt + 8);
    found.set(id, { offset, length });
    spans.push({ offset, length, field: f, entryAt });
  }
  spans.sort((a, b) => a.offset - b.offset || a.length - b.length);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1];
    if (prev.offset + prev.length > spans[i].offset) {
      fail('FORMAT_SECTION', 'sections overlap', { where: { file: c.file, section: 'table', offset: spans[i].entryAt + 4, field: `${spans[i].field}.offset` }, expected: `>= ${prev.offset + prev.length} (end of ${prev.field})`, found: spans[i].offset });
    }
  }
  const out = {} as Record<SectionName, SectionSpan>;
  for (const name of SECTION_NAMES) {
    const s = found.get(SECTION_IDS[name]);
    if (!s) fail('FORMAT_SECTION', `required section ${name} is missing`, { where: { file: c.file, section: 'table', offset: HEADER.sectionCount, field: 'sectionCount' }, expected: `an entry with id ${SECTION_IDS[name]}`, found: `ids ${[...found.keys()].join(', ') || 'none'}` });
    out[name] = s;
  }
  return out;
}

function readStrings(c: Cursor, bytes: Uint8Array): string[] {
  const count = c.count('count', 4);
  const out: string[] = new Array(count);
  // ignoreBOM keeps a leading U+FEFF as content, so strings round-trip exactly.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for (let i = 0; i < count; i++) {
    c.prefix = `strings[${i}]`;
    const length = c.u32('.length');
    const start = c.pos;
    c.need(length, '.bytes');
    c.pos += length;
    try {
      out[i] = decoder.decode(bytes.subarray(start, start + length));
    } catch (e) {
      fail('FORMAT_STRING', 'string is not valid UTF-8', { where: { file: c.file, section: 'strings', offset: start, field: `strings[${i}]` }, expected: 'UTF-8', found: hex(bytes.subarray(start, Math.min(start + length, start + 16))), cause: e });
    }
  }
  c.end_();
  return out;
}

function readTensors(c: Cursor, strings: string[], bytes: Uint8Array, weights: SectionSpan): Tensor[] {
  const count = c.count('count', TENSOR_RECORD_BYTES);
  const out: Tensor[] = new Array(count);
  for (let i = 0; i < count; i++) {
    c.prefix = `tensors[${i}]`;
    const name = c.str('.name', strings);
    const code = c.u8('.dtype');
    const dtype = DTYPE_BY_CODE.get(code);
    if (!dtype) c.bad('FORMAT_FIELD', 'unknown dtype code', '.dtype', [...DTYPE_BY_CODE].map(([k, d]) => `${k} (${d})`).join(', '), code);
    const rank = c.u8('.rank');
    if (rank > MAX_RANK) c.bad('FORMAT_FIELD', 'tensor rank out of range', '.rank', `0..${MAX_RANK}`, rank);
    const flags = c.u8('.flags');
    if (flags & ~TENSOR_FLAG_CONSTANT) c.bad('FORMAT_FIELD', 'unknown tensor flag bits', '.flags', `0 or ${TENSOR_FLAG_CONSTANT}`, flags);
    c.zero(1, '.reserved');
    const dataOffset = c.u32('.dataOffset');
    const dataOffsetAt = c.lastAt;
    const dataLength = c.u32('.dataLength');
    const shape: number[] = new Array(rank);
    for (let j = 0; j < rank; j++) shape[j] = c.u32('.shape', j);
    const t: Tensor = { name, shape, dtype: dtype! };
    if (flags & TENSOR_FLAG_CONSTANT) {
      if (dataOffset % WEIGHT_ALIGN !== 0) c.bad('FORMAT_FIELD', 'constant data is misaligned', '.dataOffset', `a multiple of ${WEIGHT_ALIGN}`, dataOffset, dataOffsetAt);
      if (dataOffset > weights.length || dataLength > weights.length - dataOffset) {
        c.bad('FORMAT_FIELD', 'constant data runs past the weights section', '.dataLength', `dataOffset + dataLength <= ${weights.length}`, `${dataOffset} + ${dataLength}`);
      }
      t.data = constantView(bytes, weights.offset + dataOffset, dataLength, dtype!, c, '.dataLength');
    } else if (dataOffset !== 0 || dataLength !== 0) {
      c.bad('FORMAT_FIELD', 'a non-constant tensor must have no data', '.dataOffset', '0 and 0', `${dataOffset} and ${dataLength}`, dataOffsetAt);
    }
    out[i] = t;
  }
  c.end_();
  return out;
}

/** A view of a constant's bytes, or a copy when the caller's buffer is misaligned (or the host big-endian). */
function constantView(bytes: Uint8Array, at: number, length: number, dtype: DType, c: Cursor, field: string): TensorData {
  const size = DTYPE_BYTES[dtype];
  if (length % size !== 0) c.bad('MODEL_WEIGHTS', `constant data is not a whole number of ${dtype} elements`, field, `a multiple of ${size} bytes`, `${length} bytes`);
  const n = length / size;
  const abs = bytes.byteOffset + at;
  if (dtype === 'i8') return new Int8Array(bytes.buffer, abs, n);
  if (HOST_LITTLE_ENDIAN && abs % size === 0) return dtype === 'f32' ? new Float32Array(bytes.buffer, abs, n) : new Int32Array(bytes.buffer, abs, n);
  const out = dtype === 'f32' ? new Float32Array(n) : new Int32Array(n);
  const v = new DataView(bytes.buffer, abs, length);
  for (let i = 0; i < n; i++) out[i] = dtype === 'f32' ? v.getFloat32(i * 4, true) : v.getInt32(i * 4, true);
  return out;
}

function readOps(c: Cursor, strings: string[], tensorCount: number): Op[] {
  const count = c.count('count', OP_RECORD_BYTES);
  const out: Op[] = new Array(count);
  for (let i = 0; i < count; i++) {
    c.prefix = `ops[${i}]`;
    const type = c.str('.type', strings);
    const name = c.str('.name', strings);
    const nIn = c.u16('.inputCount');
    const nOut = c.u16('.outputCount');
    const nAttr = c.u16('.attrCount');
    c.zero(2, '.reserved');
    c.need((nIn + nOut) * 4 + nAttr * ATTR_MIN_BYTES, '.inputs/outputs/attrs');
    const inputs: number[] = new Array(nIn);
    for (let j = 0; j < nIn; j++) inputs[j] = c.tensorIndex('.inputs', j, tensorCount, true);
    const outputs: number[] = new Array(nOut);
    for (let j = 0; j < nOut; j++) outputs[j] = c.tensorIndex('.outputs', j, tensorCount, false);
    const attrs: Attrs = {};
    for (let j = 0; j < nAttr; j++) {
      c.prefix = `ops[${i}].attrs[${j}]`;
      const key = c.str('.key', strings);
      const keyAt = c.lastAt;
      const kind = c.u8('.kind');
      c.zero(3, '.reserved');
      let value: AttrValue;
      switch (kind) {
        case ATTR_KINDS.int: value = c.i32('.value'); break;
        case ATTR_KINDS.float: value = c.f64('.value'); break;
        case ATTR_KINDS.string: value = c.str('.value', strings); break;
        case ATTR_KINDS.ints: {
          const n = c.count('.count', 4);
          value = new Array(n);
          for (let k = 0; k < n; k++) value[k] = c.i32('.value', k);
          break;
        }
        case ATTR_KINDS.floats: {
          const n = c.count('.count', 8);
          value = new Array(n);
          for (let k = 0; k < n; k++) value[k] = c.f64('.value', k);
          break;
        }
        default:
          return c.bad('FORMAT_FIELD', 'unknown attribute kind', '.kind', Object.entries(ATTR_KINDS).map(([k, v]) => `${v} (${k})`).join(', '), kind);
      }
      if (Object.prototype.hasOwnProperty.call(attrs, key)) c.bad('FORMAT_FIELD', 'duplicate attribute key', '.key', 'each key once per op', JSON.stringify(key), keyAt);
      defineOwn(attrs, key, value);
    }
    out[i] = { type, name, inputs, outputs, attrs };
  }
  c.end_();
  return out;
}

function readIndexList(c: Cursor, field: string, tensorCount: number): number[] {
  const n = c.count(`${field}.count`, 4);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = c.tensorIndex(field, i, tensorCount, false);
  return out;
}

function readMetadata(c: Cursor, strings: string[]): { name: string; metadata: ModelMetadata } {
  const name = c.str('name', strings);
  const flags = c.u32('flags');
  if (flags & ~METADATA_FLAGS_ALL) c.bad('FORMAT_FIELD', 'unknown metadata flag bits', 'flags', `a subset of ${METADATA_FLAGS_ALL}`, flags);
  const metadata: ModelMetadata = {};
  if (flags & METADATA_FLAGS.labels) {
    const n = c.count('labels.count', 4);
    const labels: string[] = new Array(n);
    for (let i = 0; i < n; i++) labels[i] = c.str('labels', strings, i);
    metadata.labels = labels;
  }
  if (flags & METADATA_FLAGS.provenance) metadata.provenance = c.str('provenance', strings);
  if (flags & METADATA_FLAGS.pruning) metadata.pruning = c.str('pruning', strings);
  if (flags & METADATA_FLAGS.extra) {
    const n = c.count('extra.count', 8);
    const extra: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const key = c.str(`extra[${i}].key`, strings);
      const keyAt = c.lastAt;
      const value = c.str(`extra[${i}].value`, strings);
      if (Object.prototype.hasOwnProperty.call(extra, key)) c.bad('FORMAT_FIELD', 'duplicate metadata key', `extra[${i}].key`, 'each key once', JSON.stringify(key), keyAt);
      defineOwn(extra, key, value);
    }
    metadata.extra = extra;
  }
  c.end_();
  return { name, metadata };
}

/** Sets an own property even for a key such as "__proto__" (plain assignment would change the prototype). */
function defineOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads one section; every read is bounds-checked against the section's end.
 * Field names for errors are `prefix + field (+ [index])`, put together only
 * when an error needs one: a record sets `prefix` once ('tensors[3]') and its
 * reads pass literal suffixes ('.dtype'), so a valid blob builds no names.
 */
class Cursor {
  pos: number;
  /** Byte offset of the field read last (for errors about its value). */
  lastAt = 0;
  /** The record being read ('' outside records). */
  prefix = '';

  constructor(readonly view: DataView, readonly file: string | undefined, readonly section: string, readonly start: number, readonly end: number) {
    this.pos = start;
  }

  name(field: string, index?: number): string {
    return index === undefined ? this.prefix + field : `${this.prefix}${field}[${index}]`;
  }

  need(n: number, field: string, index?: number): void {
    if (n > this.end - this.pos) {
      fail('FORMAT_TRUNCATED', `section ${this.section} ends before the field it declares`, {
        where: { file: this.file, section: this.section, offset: this.pos, field: this.name(field, index) }, expected: `${n} bytes`, found: `${this.end - this.pos} bytes left`,
      });
    }
  }

  private take(n: number, field: string, index?: number): number {
    this.need(n, field, index);
    this.lastAt = this.pos;
    this.pos += n;
    return this.lastAt;
  }

  u8(field: string): number { return this.view.getUint8(this.take(1, field)); }
  u16(field: string): number { return this.view.getUint16(this.take(2, field), true); }
  u32(field: string, index?: number): number { return this.view.getUint32(this.take(4, field, index), true); }
  i32(field: string, index?: number): number { return this.view.getInt32(this.take(4, field, index), true); }

  f64(field: string, index?: number): number {
    const v = this.view.getFloat64(this.take(8, field, index), true);
    // NaN has many bit patterns: rejecting it keeps re-writes byte-identical.
    if (Number.isNaN(v)) this.bad('FORMAT_FIELD', 'a float attribute is NaN', field, 'a number that is not NaN', 'NaN', this.lastAt, index);
    return v;
  }

  /** A u32 count of items at least `itemBytes` each, capped by the bytes left. */
  count(field: string, itemBytes: number): number {
    const n = this.u32(field);
    const max = Math.floor((this.end - this.pos) / itemBytes);
    if (n > max) {
      fail('FORMAT_TRUNCATED', `count exceeds what the rest of section ${this.section} can hold`, {
        where: { file: this.file, section: this.section, offset: this.lastAt, field: this.name(field) }, expected: `<= ${max}`, found: n,
      });
    }
    return n;
  }

  str(field: string, strings: string[], index?: number): string {
    const i = this.u32(field, index);
    if (i >= strings.length) this.bad('FORMAT_FIELD', 'string index out of range', field, `< ${strings.length}`, i, this.lastAt, index);
    return strings[i];
  }

  tensorIndex(field: string, index: number, tensorCount: number, allowAbsent: boolean): number {
    const i = this.i32(field, index);
    if (i >= tensorCount || i < (allowAbsent ? -1 : 0)) {
      this.bad('MODEL_TENSOR', 'tensor index out of range', field, allowAbsent ? `-1 (absent) or 0..${tensorCount - 1}` : `0..${tensorCount - 1}`, i, this.lastAt, index);
    }
    return i;
  }

  zero(n: number, field: string): void {
    const at = this.take(n, field);
    for (let i = 0; i < n; i++) {
      if (this.view.getUint8(at + i) !== 0) this.bad('FORMAT_FIELD', 'reserved bytes must be zero', field, 0, this.view.getUint8(at + i), at + i);
    }
  }

  /** The section must be exactly as long as its content. */
  end_(): void {
    if (this.pos !== this.end) {
      fail('FORMAT_SECTION', `section ${this.section} is longer than its content`, {
        where: { file: this.file, section: this.section, offset: this.pos, field: 'section length' }, expected: `length ${this.pos - this.start}`, found: `length ${this.end - this.start}`,
      });
    }
  }

  bad(code: ErrorCode, message: string, field: string, expected: unknown, found: unknown, at = this.lastAt, index?: number): never {
    return fail(code, message, { where: { file: this.file, section: this.section, offset: at, field: this.name(field, index) }, expected, found });
  }
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ') || '(no bytes)';
}

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
