// Mutation test: thousands of blobs derived from valid ones by truncation,
// bit flips, byte overwrites, splices and targeted corruption of known fields
// (seeded, so any failure replays). Each must either load, to a model that
// re-writes and re-reads to itself, or be rejected with a TinysenseError
// carrying a catalogued code; anything else (another exception, a crash, a
// hang) fails. Blobs that load are also planned, instantiated and run. Most mutations re-seal the checksum, so the structural checks
// behind it are what gets exercised, not only the CRC.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, isTinysenseError } from '../../src/errors.ts';
import { readModel } from '../../src/format/read.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { sealChecksum } from '../../src/format/schema.ts';
import { writeModel } from '../../src/format/write.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { ALL_MODELS, snapshot } from './models.ts';
import { layoutOf, type Field } from './layout.ts';

const SEED = 20240611;
const MUTANTS = 3000;

const BASES = ALL_MODELS.map(([name, make]) => {
  const blob = writeModel(make());
  return { name, blob, fields: layoutOf(blob).fields };
});

type Mutation = 'truncate' | 'truncateSealed' | 'flip' | 'overwrite' | 'splice' | 'field';
const MUTATIONS: [Mutation, number][] = [['truncate', 1], ['truncateSealed', 2], ['flip', 3], ['overwrite', 2], ['splice', 1], ['field', 6]];

function pickMutation(rng: Rng): Mutation {
  let r = rng.next() * MUTATIONS.reduce((s, [, w]) => s + w, 0);
  for (const [m, w] of MUTATIONS) if ((r -= w) < 0) return m;
  return 'field';
}

function withLength(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 12) new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, bytes.length, true);
  return sealChecksum(bytes);
}

function interesting(rng: Rng, f: Field, current: number): number {
  const max = f.size === 1 ? 0xff : f.size === 2 ? 0xffff : 0xffffffff;
  const pool = [0, 1, 2, max, current + 1, current - 1, current + 4, current + 16, rng.int(0, max), rng.int(0, 64)];
  if (f.size === 4) pool.push(0x7fffffff, 0x80000000, current * 2, 0xfffffff0);
  return (rng.pick(pool) >>> 0) % (max + 1);
}

function mutate(rng: Rng, base: (typeof BASES)[number], kind: Mutation): Uint8Array {
  const src = base.blob;
  const n = src.length;
  switch (kind) {
    case 'truncate':
      return src.slice(0, rng.int(0, n - 1));
    case 'truncateSealed':
      return withLength(src.slice(0, rng.int(20, n - 1)));
    case 'flip': {
      const out = src.slice();
      for (let k = rng.int(1, 4); k > 0; k--) out[rng.int(0, n - 1)] ^= 1 << rng.int(0, 7);
      return rng.next() < 0.9 ? sealChecksum(out) : out;
    }
    case 'overwrite': {
      const out = src.slice();
      const at = rng.int(0, n - 1);
      for (let k = rng.int(1, 8); k > 0 && at + k - 1 < n; k--) out[at + k - 1] = rng.int(0, 255);
      return sealChecksum(out);
    }
    case 'splice': {
      const at = rng.int(20, n);
      const count = rng.int(1, 16);
      const out = rng.next() < 0.5
        ? new Uint8Array([...src.subarray(0, at), ...Array.from({ length: count }, () => rng.int(0, 255)), ...src.subarray(at)])
        : new Uint8Array([...src.subarray(0, at), ...src.subarray(Math.min(n, at + count))]);
      return withLength(out);
    }
    case 'field': {
      const out = src.slice();
      const v = new DataView(out.buffer);
      // Favour the structural fields over string bytes and attribute values.
      let f = rng.pick(base.fields);
      if (f.kind === 'stringBytes' || f.kind === 'value') f = rng.pick(base.fields);
      if (f.size === 8) v.setFloat64(f.at, rng.pick([NaN, Infinity, -0, 1e308, rng.next()]), true);
      else if (f.kind === 'magic') out[f.at + rng.int(0, 3)] = rng.int(0, 255);
      else {
        const cur = f.size === 1 ? v.getUint8(f.at) : f.size === 2 ? v.getUint16(f.at, true) : v.getUint32(f.at, true);
        const x = interesting(rng, f, cur);
        if (f.size === 1) v.setUint8(f.at, x);
        else if (f.size === 2) v.setUint16(f.at, x, true);
        else v.setUint32(f.at, x, true);
      }
      return rng.next() < 0.95 ? sealChecksum(out) : out;
    }
  }
}

test(`mutation: ${MUTANTS} corrupted blobs load consistently or fail with a code`, () => {
  const rng = makeRng(SEED);
  const outcomes = new Map<string, number>();
  const opBugs: string[] = [];
  const started = Date.now();
  for (let i = 0; i < MUTANTS; i++) {
    const base = rng.pick(BASES);
    const kind = pickMutation(rng);
    const bytes = mutate(rng, base, kind);
    const label = `mutant #${i} (seed ${SEED}, ${kind} of ${base.name})`;
    let model;
    try {
      model = readModel(bytes);
    } catch (e) {
      if (!isTinysenseError(e) || !(e.code in ERROR_CODES)) {
        assert.unreachable(`${label}: threw something other than a TinysenseError: ${(e as Error)?.stack ?? String(e)}`);
        return;
      }
      if (e.code.startsWith('FORMAT_')) {
        const w = e.where;
        assert.ok(w.section !== undefined && w.offset !== undefined && w.field !== undefined && e.expected !== undefined && e.found !== undefined,
          `${label}: a format error must name section, offset, field, expected and found: ${e.message}`);
      }
      if (e.cause !== undefined && !isTinysenseError(e.cause) && e.code !== 'FORMAT_STRING') opBugs.push(`${label}: ${e.message}`);
      outcomes.set(e.code, (outcomes.get(e.code) ?? 0) + 1);
      continue;
    }
    outcomes.set('loaded', (outcomes.get('loaded') ?? 0) + 1);
    assert.equal(snapshot(readModel(bytes)), snapshot(model), `${label}: reading is deterministic`);
    const rewritten = writeModel(model);
    const again = readModel(rewritten);
    assert.equal(snapshot(again), snapshot(model), `${label}: the re-written model reads back equal`);
    const twice = writeModel(again);
    assert.ok(twice.length === rewritten.length && twice.every((b, k) => b === rewritten[k]), `${label}: re-writing is byte-stable`);
    // A blob that reads must also plan, load and run, or be refused with a code:
    // a wasm trap here would mean validation let something through.
    try {
      const session = loadModel(bytes, { build: 'scalar' });
      session.run(session.inputs.map((slot) => new Float32Array(slot.elements)));
      outcomes.set('ran', (outcomes.get('ran') ?? 0) + 1);
    } catch (e) {
      if (!isTinysenseError(e) || e.code === 'RUN_TRAP') {
        assert.unreachable(`${label}: loading or running failed without a proper code: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
  }
  const summary = [...outcomes].map(([k, v]) => `${k} ${v}`).join(', ');
  assert.is(opBugs.length, 0, `op shape inference crashed (bugs in OpDefs) on ${opBugs.length} mutants:\n${opBugs.slice(0, 5).join('\n')}`);
  // The mutations must reach past the checksum into every layer of checks.
  for (const code of ['FORMAT_TRUNCATED', 'FORMAT_CHECKSUM', 'FORMAT_SECTION', 'FORMAT_FIELD', 'MODEL_TENSOR', 'MODEL_GRAPH', 'loaded', 'ran']) {
    assert.ok((outcomes.get(code) ?? 0) > 0, `no mutant ended in ${code}: ${summary}`);
  }
  assert.ok(Date.now() - started < 8000, `mutation test too slow: ${Date.now() - started} ms`);
});

test.run();
