// An independent walk of a VALID .tsm blob that lists where each field sits,
// written from docs/format.md (offsets hard-coded here on purpose, not taken
// from src/format), so the targeted corruption tests can hit known fields and
// the layout the doc describes is checked against the bytes the writer makes.

export type FieldKind = 'magic' | 'version' | 'length' | 'count' | 'sectionId' | 'offset' | 'stringLength' | 'stringIndex'
  | 'tensorIndex' | 'dim' | 'dtype' | 'rank' | 'flags' | 'reserved' | 'attrKind' | 'value' | 'stringBytes';

export interface Field {
  name: string;
  kind: FieldKind;
  at: number;
  size: 1 | 2 | 4 | 8;
}

export const SECTIONS = ['strings', 'tensors', 'ops', 'graph', 'metadata', 'weights'] as const;

export function layoutOf(blob: Uint8Array): { fields: Field[]; sections: Record<string, { offset: number; length: number; entryAt: number }> } {
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const fields: Field[] = [];
  const f = (name: string, kind: FieldKind, at: number, size: Field['size']) => {
    fields.push({ name, kind, at, size });
    return size === 1 ? v.getUint8(at) : size === 2 ? v.getUint16(at, true) : size === 4 ? v.getUint32(at, true) : 0;
  };
  f('magic', 'magic', 0, 4);
  f('versionMajor', 'version', 4, 2);
  f('versionMinor', 'version', 6, 2);
  f('totalLength', 'length', 8, 4);
  const n = f('sectionCount', 'count', 16, 4);
  const sections: Record<string, { offset: number; length: number; entryAt: number }> = {};
  for (let i = 0; i < n; i++) {
    const at = 20 + 12 * i;
    const id = f(`sections[${i}].id`, 'sectionId', at, 4);
    const offset = f(`sections[${i}].offset`, 'offset', at + 4, 4);
    const length = f(`sections[${i}].length`, 'length', at + 8, 4);
    sections[SECTIONS[id - 1]] = { offset, length, entryAt: at };
  }

  let p = sections.strings.offset;
  const u32 = (name: string, kind: FieldKind) => { const x = f(name, kind, p, 4); p += 4; return x; };
  const u16 = (name: string, kind: FieldKind) => { const x = f(name, kind, p, 2); p += 2; return x; };
  const u8 = (name: string, kind: FieldKind) => { const x = f(name, kind, p, 1); p += 1; return x; };
  const nStrings = u32('strings.count', 'count');
  for (let i = 0; i < nStrings; i++) {
    const len = u32(`strings[${i}].length`, 'stringLength');
    if (len > 0) f(`strings[${i}].bytes`, 'stringBytes', p, 1);
    p += len;
  }

  p = sections.tensors.offset;
  const nTensors = u32('tensors.count', 'count');
  for (let i = 0; i < nTensors; i++) {
    u32(`tensors[${i}].name`, 'stringIndex');
    u8(`tensors[${i}].dtype`, 'dtype');
    const rank = u8(`tensors[${i}].rank`, 'rank');
    u8(`tensors[${i}].flags`, 'flags');
    u8(`tensors[${i}].reserved`, 'reserved');
    u32(`tensors[${i}].dataOffset`, 'offset');
    u32(`tensors[${i}].dataLength`, 'length');
    for (let j = 0; j < rank; j++) u32(`tensors[${i}].shape[${j}]`, 'dim');
  }

  p = sections.ops.offset;
  const nOps = u32('ops.count', 'count');
  for (let i = 0; i < nOps; i++) {
    u32(`ops[${i}].type`, 'stringIndex');
    u32(`ops[${i}].name`, 'stringIndex');
    const nIn = u16(`ops[${i}].inputCount`, 'count');
    const nOut = u16(`ops[${i}].outputCount`, 'count');
    const nAttr = u16(`ops[${i}].attrCount`, 'count');
    u16(`ops[${i}].reserved`, 'reserved');
    for (let j = 0; j < nIn; j++) u32(`ops[${i}].inputs[${j}]`, 'tensorIndex');
    for (let j = 0; j < nOut; j++) u32(`ops[${i}].outputs[${j}]`, 'tensorIndex');
    for (let j = 0; j < nAttr; j++) {
      const a = `ops[${i}].attrs[${j}]`;
      u32(`${a}.key`, 'stringIndex');
      const kind = u8(`${a}.kind`, 'attrKind');
      for (let k = 0; k < 3; k++) u8(`${a}.reserved[${k}]`, 'reserved');
      if (kind === 1) u32(`${a}.int`, 'value');
      else if (kind === 2) { f(`${a}.float`, 'value', p, 8); p += 8; }
      else if (kind === 4) u32(`${a}.string`, 'stringIndex');
      else {
        const count = u32(`${a}.count`, 'count');
        for (let k = 0; k < count; k++) {
          if (kind === 3) u32(`${a}[${k}]`, 'value');
          else { f(`${a}[${k}]`, 'value', p, 8); p += 8; }
        }
      }
    }
  }

  p = sections.graph.offset;
  for (const list of ['inputs', 'outputs']) {
    const c = u32(`graph.${list}.count`, 'count');
    for (let j = 0; j < c; j++) u32(`graph.${list}[${j}]`, 'tensorIndex');
  }

  p = sections.metadata.offset;
  u32('metadata.name', 'stringIndex');
  const flags = u32('metadata.flags', 'flags');
  if (flags & 1) {
    const c = u32('metadata.labels.count', 'count');
    for (let j = 0; j < c; j++) u32(`metadata.labels[${j}]`, 'stringIndex');
  }
  if (flags & 2) u32('metadata.provenance', 'stringIndex');
  if (flags & 4) u32('metadata.pruning', 'stringIndex');
  if (flags & 8) {
    const c = u32('metadata.extra.count', 'count');
    for (let j = 0; j < c; j++) {
      u32(`metadata.extra[${j}].key`, 'stringIndex');
      u32(`metadata.extra[${j}].value`, 'stringIndex');
    }
  }
  return { fields, sections };
}

export function fieldNamed(blob: Uint8Array, name: string): Field {
  const field = layoutOf(blob).fields.find((x) => x.name === name);
  if (!field) throw new Error(`no field ${name} in this blob`);
  return field;
}
