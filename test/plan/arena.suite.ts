// planArena: offsets for hand-checked graphs, and properties (no collision
// between buffers live together, alignment, bounds, peak, determinism) over
// random graphs and random buffer lists. The memory report rides along.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeBuffers, formatBytes, memoryReport, planArena, type ArenaPlan, type PlannedBuffer } from '../../src/plan/index.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { HAND, randomModel } from './graphs.ts';

const RANDOM_GRAPHS = 600;
const RANDOM_LISTS = 300;

function plan(model: ReturnType<typeof HAND.chain>) {
  const set = computeBuffers(model.model, model.kinds);
  return { set, arena: planArena(set.buffers) };
}

test('arena: chain of three equal tensors needs exactly two slots', () => {
  const { arena } = plan(HAND.chain());
  assert.equal(arena.offsets, [0, 64, 0]);
  assert.is(arena.arenaBytes, 128);
  assert.is(arena.peakLiveBytes, 128);
  assert.equal(arena.liveBytesPerOp, [128, 128]);
});

test('arena: reshape alias adds no bytes', () => {
  // x+r: 96 bytes over ops 0-1; y: 40 -> 48 aligned, placed above it.
  const { arena } = plan(HAND.reshape());
  assert.equal(arena.offsets, [0, 96]);
  assert.is(arena.arenaBytes, 144);
  assert.equal(arena.liveBytesPerOp, [96, 144]);
  assert.is(arena.peakOp, 1);
});

test('arena: in-place relu chain needs one slot', () => {
  const { arena } = plan(HAND.reluChain());
  assert.equal(arena.offsets, [0]);
  assert.is(arena.arenaBytes, 112); // 100 bytes aligned to 16
});

test('arena: diamond', () => {
  // Lifetimes x[0,0] a[0,2] b[1,3] c[2,3] d[3,3], all 64 bytes; placed in
  // order x, a, b, c, d: b reuses x's slot, d reuses a's.
  const plain = plan(HAND.diamond()).arena;
  assert.equal(plain.offsets, [0, 64, 0, 128, 64]);
  assert.is(plain.arenaBytes, 192);
  assert.equal(plain.liveBytesPerOp, [128, 128, 192, 192]);
  assert.is(plain.peakOp, 2);
  const inplace = plan(HAND.diamond('inplace')).arena;
  assert.equal(inplace.offsets, [0, 64, 0, 128]);
  assert.is(inplace.arenaBytes, 192);
});

test('arena: empty, zero-byte and alignment edge cases', () => {
  assert.equal(planArena([]), { offsets: [], arenaBytes: 0, peakLiveBytes: 0, peakOp: 0, liveBytesPerOp: [], alignment: 16 });
  const zero = planArena([{ id: 0, bytes: 0, start: 0, end: 1 }, { id: 1, bytes: 5, start: 0, end: 1 }]);
  assert.equal(zero.offsets, [0, 0]);
  assert.is(zero.arenaBytes, 16);
  const byte = planArena([{ id: 0, bytes: 3, start: 0, end: 0 }, { id: 1, bytes: 5, start: 0, end: 0 }], { alignment: 1 });
  assert.equal(byte.offsets, [5, 0]);
  assert.is(byte.arenaBytes, 8);
  assert.throws(() => planArena([], { alignment: 12 }), /power of two/);
  assert.throws(() => planArena([{ id: 0, bytes: 2 ** 32, start: 0, end: 0 }]), /PLAN_TOO_LARGE/);
});

// --- properties ----------------------------------------------------------

function randomBuffers(rng: Rng): PlannedBuffer[] {
  const ops = rng.int(1, 20);
  return Array.from({ length: rng.int(0, 25) }, (_, id) => {
    const start = rng.int(0, ops - 1);
    const bytes = rng.pick([0, 1, 3, 15, 16, 17, 33, 64, 100, 255, 256, 1000, 4096, 12345]);
    return { id, bytes, start, end: rng.int(start, ops - 1) };
  });
}

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

function checkPlan(buffers: readonly PlannedBuffer[], p: ArenaPlan, rng: Rng, label: string) {
  assert.is(p.offsets.length, buffers.length, `${label}: one offset per buffer`);
  // (b) aligned and inside the arena.
  for (const b of buffers) {
    const o = p.offsets[b.id];
    assert.ok(Number.isInteger(o) && o >= 0 && o % 16 === 0, `${label}: buffer ${b.id} offset ${o} not 16-aligned`);
    assert.ok(o + b.bytes <= p.arenaBytes, `${label}: buffer ${b.id} [${o}, ${o + b.bytes}) outside arena of ${p.arenaBytes}`);
  }
  assert.is(p.arenaBytes % 16, 0, `${label}: arena size aligned`);
  // (a) no two buffers live during the same op share a byte (aligned extents).
  for (const x of buffers) {
    for (const y of buffers) {
      if (x.id >= y.id || x.end < y.start || y.end < x.start || !x.bytes || !y.bytes) continue;
      const [ox, oy] = [p.offsets[x.id], p.offsets[y.id]];
      assert.ok(ox + align16(x.bytes) <= oy || oy + align16(y.bytes) <= ox, `${label}: buffers ${x.id} and ${y.id} overlap (offsets ${ox}, ${oy})`);
    }
  }
  // (c) peak live bytes, recomputed op by op from the lifetimes.
  const ops = Math.max(0, ...buffers.map((b) => b.end + 1));
  const live = Array.from({ length: ops }, (_, i) => buffers.reduce((s, b) => (b.start <= i && i <= b.end ? s + align16(b.bytes) : s), 0));
  const peak = Math.max(0, ...live);
  assert.equal(p.liveBytesPerOp, live, `${label}: live bytes per op`);
  assert.is(p.peakLiveBytes, peak, `${label}: peak`);
  if (ops) assert.is(p.peakOp, live.indexOf(peak), `${label}: peak op`);
  assert.ok(p.arenaBytes >= peak, `${label}: arena ${p.arenaBytes} below peak ${peak}`);
  assert.ok(p.arenaBytes <= buffers.reduce((s, b) => s + align16(b.bytes), 0), `${label}: arena larger than no reuse at all`);
  // (d) deterministic, and independent of the order buffers are given in.
  assert.equal(planArena(buffers), p, `${label}: same input, same plan`);
  assert.equal(planArena(shuffled(rng, buffers)).offsets, p.offsets, `${label}: order-independent offsets`);
}

test(`arena: properties over ${RANDOM_GRAPHS} random graphs`, () => {
  const rng = makeRng(7331);
  let reused = 0;
  for (let g = 0; g < RANDOM_GRAPHS; g++) {
    const { model, kinds } = randomModel(rng, g);
    const { buffers } = computeBuffers(model, kinds);
    const p = planArena(buffers);
    checkPlan(buffers, p, rng, `graph ${g}`);
    if (p.arenaBytes < buffers.reduce((s, b) => s + align16(b.bytes), 0)) reused++;
  }
  assert.ok(reused > RANDOM_GRAPHS / 4, `only ${reused} graphs reuse arena space`);
});

test(`arena: properties over ${RANDOM_LISTS} random buffer lists`, () => {
  const rng = makeRng(99);
  for (let g = 0; g < RANDOM_LISTS; g++) {
    const buffers = randomBuffers(rng);
    checkPlan(buffers, planArena(buffers), rng, `list ${g}`);
  }
});

test('report: peak op, per-op bytes and formatting', () => {
  const { model, kinds } = HAND.diamond();
  const set = computeBuffers(model, kinds);
  const r = memoryReport(model, set, planArena(set.buffers), 4096);
  assert.is(r.arenaBytes, 192);
  assert.is(r.weightBytes, 4096);
  assert.is(r.peakLiveBytes, 192);
  assert.equal(r.peakOp, { index: 2, name: 'op2', type: 'op' });
  assert.is(r.noReuseBytes, 320);
  assert.equal(r.perOp.map((o) => o.liveBytes), [128, 128, 192, 192]);
  assert.equal(r.buffers[2], { id: 2, offset: 0, bytes: 64, start: 1, end: 3, tensors: ['b'] });
  assert.is(formatBytes(0), '0 B');
  assert.is(formatBytes(1023), '1023 B');
  assert.is(formatBytes(1536), '1.50 KiB (1536 B)');
  assert.is(formatBytes(3 * 2 ** 20), '3.00 MiB (3145728 B)');
});

test.run();
