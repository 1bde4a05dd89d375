// The op configurations the profiler times: per class a sampler over the
// ranges sensor models use (channel counts, kernel sizes, strides, lengths,
// hidden sizes), deliberately mixing sizes that are and are not multiples of
// 4, 8 and 16 and small sizes where fixed cost dominates; a neighbour
// generator for adaptive sampling; and the one-op model each config becomes.
import { createBuilder } from '../graph/builder.ts';
import type { Model } from '../graph/model.ts';
import type { Rng } from '../util/rng.ts';
import type { OpClass } from './features.ts';

/** A configuration: named integers, interpreted per class by buildOneOp. */
export type OpConfig = Record<string, number>;

/** Log-uniform integer in [lo, hi], often snapped to a multiple of 4, 8 or 16 (or one off it). */
export function sampleSize(rng: Rng, lo: number, hi: number): number {
  const raw = Math.round(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))));
  const u = rng.next();
  let v = raw;
  if (u < 0.2) v = Math.round(raw / 16) * 16;
  else if (u < 0.35) v = Math.round(raw / 8) * 8;
  else if (u < 0.5) v = Math.round(raw / 4) * 4;
  else if (u < 0.6) v = Math.round(raw / 8) * 8 + (rng.next() < 0.5 ? 1 : -1);
  return Math.min(hi, Math.max(lo, v));
}

const ACTS = ['none', 'relu', 'none', 'relu', 'tanh'] as const;

/** Upper bounds on one op's work, so no single sample runs for long. */
const MAX_MACS = 6e6;

export function sampleConfig(cls: OpClass, rng: Rng): OpConfig {
  for (;;) {
    const c = draw(cls, rng);
    if (configMacs(cls, c) <= MAX_MACS) return c;
  }
}

function draw(cls: OpClass, rng: Rng): OpConfig {
  const act = rng.int(0, ACTS.length - 1);
  switch (cls) {
    case 'dense':
      return { rows: rng.next() < 0.6 ? 1 : sampleSize(rng, 1, 128), k: sampleSize(rng, 1, 1024), n: sampleSize(rng, 1, 512), act };
    case 'conv1d':
      return { len: sampleSize(rng, 4, 512), c: sampleSize(rng, 1, 128), oc: sampleSize(rng, 1, 128), kernel: rng.pick([1, 3, 3, 5, 7, 9]), stride: rng.pick([1, 1, 2]), same: rng.int(0, 1), act };
    case 'conv2d':
      return { h: sampleSize(rng, 3, 48), w: sampleSize(rng, 3, 48), c: sampleSize(rng, 1, 64), oc: sampleSize(rng, 1, 64), kernel: rng.pick([1, 3, 3, 5]), stride: rng.pick([1, 1, 2]), same: rng.int(0, 1), act };
    case 'depthwise': {
      const dims = rng.int(1, 2);
      return { dims, h: dims === 2 ? sampleSize(rng, 3, 48) : 1, w: sampleSize(rng, 3, dims === 2 ? 48 : 512), c: sampleSize(rng, 1, 256), kernel: rng.pick([3, 3, 5, dims === 1 ? 9 : 3]), stride: rng.pick([1, 1, 2]), mult: rng.pick([1, 1, 1, 2]), same: rng.int(0, 1), act };
    }
    case 'pool': {
      const dims = rng.int(1, 2);
      const window = rng.pick([2, 2, 3, 4]);
      return { dims, h: dims === 2 ? sampleSize(rng, 4, 48) : 1, w: sampleSize(rng, 4, dims === 2 ? 48 : 512), c: sampleSize(rng, 1, 128), kind: rng.int(0, 2), window, stride: rng.pick([window, window, 1, 2]) };
    }
    case 'gru':
    case 'lstm':
      return { n: rng.pick([1, 1, 1, 2, 4]), t: sampleSize(rng, 1, 128), i: sampleSize(rng, 1, 128), h: sampleSize(rng, 1, 128), seq: rng.int(0, 1) };
    case 'elementwise': {
      const rowLength = sampleSize(rng, 1, 256);
      return { rows: sampleSize(rng, 1, 512), rowLength, kind: rng.int(0, 5) };
    }
    case 'softmax':
      return { outer: sampleSize(rng, 1, 256), len: sampleSize(rng, 2, 1024) };
  }
}

/** Rough MACs of a config (only to bound the work per sample). */
export function configMacs(cls: OpClass, c: OpConfig): number {
  switch (cls) {
    case 'dense': return c.rows * c.k * c.n;
    case 'conv1d': return (c.len / c.stride) * c.c * c.oc * c.kernel;
    case 'conv2d': return ((c.h * c.w) / (c.stride * c.stride)) * c.c * c.oc * c.kernel * c.kernel;
    case 'depthwise': return c.h * c.w * c.c * c.mult * c.kernel ** c.dims;
    case 'pool': return c.h * c.w * c.c * c.window;
    case 'gru': return c.n * c.t * (c.i + c.h) * 3 * c.h;
    case 'lstm': return c.n * c.t * (c.i + c.h) * 4 * c.h;
    case 'elementwise': return c.rows * c.rowLength * (c.kind === 2 ? 20 : 1);
    case 'softmax': return c.outer * c.len * 20;
  }
}

/** Lower bound of each field (a neighbour never goes below it). */
const FLOORS: Record<string, number> = { len: 4, w: 3 };

/**
 * A configuration near `c`: each size moved by up to +-25 % (at least +-1),
 * categorical fields kept, so the neighbourhood of a badly predicted point
 * gets denser (nn-Meter's adaptive sampling, Zhang et al. 2021, section 4.3).
 */
export function neighbourConfig(cls: OpClass, c: OpConfig, rng: Rng): OpConfig {
  const sizes = ['rows', 'k', 'n', 'len', 'c', 'oc', 'h', 'w', 't', 'i', 'rowLength', 'outer'];
  for (let attempt = 0; attempt < 20; attempt++) {
    const out: OpConfig = { ...c };
    for (const key of sizes) {
      if (!(key in c) || (key === 'h' && cls === 'depthwise' && c.dims === 1) || (key === 'h' && cls === 'pool' && c.dims === 1)) continue;
      if (cls === 'dense' && key === 'rows' && c.rows === 1 && rng.next() < 0.7) continue;
      const span = Math.max(1, Math.round(Math.abs(c[key]) * 0.25));
      out[key] = Math.max(FLOORS[key] ?? 1, c[key] + rng.int(-span, span));
    }
    if (cls === 'pool' || cls === 'depthwise' || cls === 'conv2d' || cls === 'conv1d') clampWindow(cls, out);
    if (configMacs(cls, out) <= MAX_MACS) return out;
  }
  return { ...c };
}

function clampWindow(cls: OpClass, c: OpConfig): void {
  const need = cls === 'pool' ? c.window : c.kernel;
  if (c.w < need) c.w = need;
  if (cls !== 'conv1d' && (c.dims ?? 2) === 2 && c.h < need) c.h = need;
}

/** The one-op model that times a configuration (seeded weights, input `x`). */
export function buildOneOp(cls: OpClass, c: OpConfig, seed = 1): Model {
  const b = createBuilder(`profile-${cls}`, { seed });
  const activation = ACTS[c.act ?? 0];
  let y;
  switch (cls) {
    case 'dense':
      y = b.dense(b.input('x', [c.rows, c.k]), { units: c.n, activation });
      break;
    case 'conv1d':
      y = b.conv1d(b.input('x', [1, Math.max(c.len, c.kernel), c.c]), { filters: c.oc, kernel: c.kernel, stride: c.stride, padding: c.same ? 'same' : 'valid', activation });
      break;
    case 'conv2d':
      y = b.conv2d(b.input('x', [1, Math.max(c.h, c.kernel), Math.max(c.w, c.kernel), c.c]), { filters: c.oc, kernel: [c.kernel, c.kernel], strides: [c.stride, c.stride], padding: c.same ? 'same' : 'valid', activation });
      break;
    case 'depthwise': {
      const padding = c.same ? 'same' : 'valid';
      if (c.dims === 1) y = b.depthwiseConv1d(b.input('x', [1, Math.max(c.w, c.kernel), c.c]), { kernel: c.kernel, stride: c.stride, multiplier: c.mult, padding, activation });
      else y = b.depthwiseConv2d(b.input('x', [1, Math.max(c.h, c.kernel), Math.max(c.w, c.kernel), c.c]), { kernel: [c.kernel, c.kernel], strides: [c.stride, c.stride], multiplier: c.mult, padding, activation });
      break;
    }
    case 'pool': {
      const shape = c.dims === 1 ? [1, Math.max(c.w, c.window), c.c] : [1, Math.max(c.h, c.window), Math.max(c.w, c.window), c.c];
      const x = b.input('x', shape);
      if (c.kind === 2) y = b.op('globalAvgPool', [x])[0];
      else {
        const type = `${c.kind === 0 ? 'max' : 'avg'}Pool${c.dims}d`;
        const win = new Array<number>(c.dims).fill(c.window);
        const str = new Array<number>(c.dims).fill(c.stride);
        y = b.op(type, [x], { kernel: win, strides: str })[0];
      }
      break;
    }
    case 'gru':
    case 'lstm': {
      const x = b.input('x', [c.n, c.t, c.i]);
      y = cls === 'gru' ? b.gru(x, { units: c.h, returnSequences: Boolean(c.seq) }) : b.lstm(x, { units: c.h, returnSequences: Boolean(c.seq) });
      break;
    }
    case 'elementwise': {
      const shape = [1, c.rows, c.rowLength];
      const x = b.input('x', shape);
      const op = ['relu', 'hardSwish', c.rows % 2 ? 'sigmoid' : 'tanh'][c.kind];
      if (op) y = b.op(op, [x])[0];
      else if (c.kind === 3) y = b.op('add', [x, b.input('x2', shape)])[0];
      else if (c.kind === 4) y = b.op(c.rows % 2 ? 'add' : 'mul', [x, b.constant('bias', [c.rowLength], new Float32Array(c.rowLength).fill(0.5))])[0];
      else y = b.op('div', [x, b.input('x2', shape)])[0];
      // Keep x a graph output, so the op cannot run in place: each run then
      // reads the same inputs, as an op fed by a fresh layer does. In place,
      // repeated runs would feed the op its own output: hardSwish halves
      // small values into subnormals (about 2.5x slower) and stays there.
      b.output(x);
      break;
    }
    case 'softmax':
      y = b.softmax(b.input('x', [c.outer, c.len]));
      break;
  }
  b.output(y!, 'y');
  return b.build();
}

/** A chain of `count` tiny relus: times the per-inference and per-record overhead. */
export function buildOverheadChain(count: number): Model {
  const b = createBuilder(`overhead-${count}`);
  let y = b.input('x', [1, 4]);
  for (let i = 0; i < count; i++) y = b.op('relu', [y])[0];
  b.output(y, 'y');
  return b.build();
}
