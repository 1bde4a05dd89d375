// GRU (both linear_before_reset forms) and LSTM training kernels: the
// training forward equals the f64 reference, and backpropagation through
// time over several steps matches central finite differences of the
// reference for x, W, R, bW, bR and the initial states, with sequences or
// the last state as output, forwards and reversed, batch > 1, on both builds.
import { test } from 'uvu';
import { TRAINING_BUILDS, makeHarness } from '../helpers/wasm.ts';
import { makeRng } from '../helpers/random.ts';
import { numericGradient } from '../reference/grad.ts';
import { gruRef, type RecurrentCase } from '../reference/gru.ts';
import { lstmRef } from '../reference/lstm.ts';
import { checkGradient, printGradientTable } from './grad-check.ts';

const rng = makeRng(7);
const H = TRAINING_BUILDS.map((b) => makeHarness(b, 'training'));

interface Shape { n: number; t: number; inSize: number; hidden: number; returnSequences: boolean; reverse: boolean; withState: boolean }
const SHAPES: Shape[] = [
  { n: 2, t: 4, inSize: 3, hidden: 5, returnSequences: true, reverse: false, withState: true },
  { n: 1, t: 6, inSize: 4, hidden: 4, returnSequences: false, reverse: false, withState: false },
  { n: 3, t: 3, inSize: 2, hidden: 7, returnSequences: true, reverse: true, withState: true },
  { n: 2, t: 5, inSize: 9, hidden: 8, returnSequences: false, reverse: true, withState: true },
];

function makeCase(s: Shape, gates: number) {
  const G = gates * s.hidden;
  return {
    x: rng.floats(s.n * s.t * s.inSize),
    w: rng.floats(s.inSize * G, 0.6),
    r: rng.floats(s.hidden * G, 0.6),
    bW: rng.floats(G, 0.3),
    bR: rng.floats(G, 0.3),
    h0: rng.floats(s.n * s.hidden),
    c0: rng.floats(s.n * s.hidden),
    dy: rng.floats(s.n * (s.returnSequences ? s.t : 1) * s.hidden),
  };
}

for (const lbr of [0, 1]) {
  test(`gru backward through time, linear_before_reset ${lbr}`, () => {
    for (const s of SHAPES) {
      const c = makeCase(s, 3);
      const base = (over: Partial<RecurrentCase>) => {
        const res = gruRef({ n: s.n, t: s.t, inSize: s.inSize, hidden: s.hidden, x: c.x, w: c.w, r: c.r, bW: c.bW, bR: c.bR, h0: s.withState ? c.h0 : null, reverse: s.reverse, linearBeforeReset: lbr === 1, ...over });
        return s.returnSequences ? res.sequence : res.last;
      };
      const want = {
        y: base({}),
        x: numericGradient((v) => base({ x: v }), c.x, c.dy),
        W: numericGradient((v) => base({ w: v }), c.w, c.dy),
        R: numericGradient((v) => base({ r: v }), c.r, c.dy),
        bW: numericGradient((v) => base({ bW: v }), c.bW, c.dy),
        bR: numericGradient((v) => base({ bR: v }), c.bR, c.dy),
        h0: numericGradient((v) => base({ h0: v }), c.h0, c.dy),
      };
      const { n, t, inSize: I, hidden: Hd } = s;
      for (const h of H) {
        h.reset();
        const pw = h.put(c.w), pr = h.put(c.r), pbW = h.put(c.bW), pbR = h.put(c.bR), px = h.put(c.x);
        const packedW = h.alloc(h.call('gruPackedWBytes', I, Hd)), packedR = h.alloc(h.call('gruPackedRBytes', Hd, lbr));
        h.call('packGruInputF32', pw, pbW, pbR, packedW, I, Hd, lbr);
        h.call('packGruRecurrentF32', pr, pbR, packedR, Hd, lbr);
        const y = h.alloc(c.dy.length * 4), saved = h.alloc(h.call('gruTrainSavedBytes', n, t, Hd, lbr));
        const h0 = s.withState ? h.put(c.h0) : 0;
        h.call('gruTrainForwardF32', px, packedW, packedR, h0, y, saved, h.alloc(h.call('gruTrainScratchBytes', n, t, Hd)), n, t, I, Hd, Number(s.returnSequences), Number(s.reverse), lbr);
        const label = `gru lbr${lbr} ${JSON.stringify(s)} ${h.build}`;
        checkGradient(`gru${lbr} forward`, label, h.getF32(y, c.dy.length), want.y);
        const [dx, dW, dR, dbW, dbR, dh0] = [c.x, c.w, c.r, c.bW, c.bR, c.h0].map((a) => h.alloc(a.length * 4));
        const scratch = h.alloc(h.call('gruTrainBackwardScratchBytes', n, t, I, Hd, lbr));
        h.call('gruTrainBackwardF32', px, pw, pr, saved, h.put(c.dy), dx, dW, dR, dbW, dbR, s.withState ? dh0 : 0, scratch, n, t, I, Hd, Number(s.returnSequences), Number(s.reverse), lbr);
        checkGradient(`gru${lbr} dx`, label, h.getF32(dx, c.x.length), want.x);
        checkGradient(`gru${lbr} dW`, label, h.getF32(dW, c.w.length), want.W);
        checkGradient(`gru${lbr} dR`, label, h.getF32(dR, c.r.length), want.R);
        checkGradient(`gru${lbr} dbW`, label, h.getF32(dbW, c.bW.length), want.bW);
        checkGradient(`gru${lbr} dbR`, label, h.getF32(dbR, c.bR.length), want.bR);
        if (s.withState) checkGradient(`gru${lbr} dh0`, label, h.getF32(dh0, c.h0.length), want.h0);
      }
    }
  });
}

test('lstm backward through time', () => {
  for (const s of SHAPES) {
    const c = makeCase(s, 4);
    const base = (over: Partial<RecurrentCase> & { c0?: ArrayLike<number> | null }) => {
      const res = lstmRef({ n: s.n, t: s.t, inSize: s.inSize, hidden: s.hidden, x: c.x, w: c.w, r: c.r, bW: c.bW, bR: c.bR, h0: s.withState ? c.h0 : null, c0: s.withState ? c.c0 : null, reverse: s.reverse, ...over });
      return s.returnSequences ? res.sequence : res.last;
    };
    const want = {
      y: base({}),
      x: numericGradient((v) => base({ x: v }), c.x, c.dy),
      W: numericGradient((v) => base({ w: v }), c.w, c.dy),
      R: numericGradient((v) => base({ r: v }), c.r, c.dy),
      bW: numericGradient((v) => base({ bW: v }), c.bW, c.dy),
      bR: numericGradient((v) => base({ bR: v }), c.bR, c.dy),
      h0: numericGradient((v) => base({ h0: v }), c.h0, c.dy),
      c0: numericGradient((v) => base({ c0: v }), c.c0, c.dy),
    };
    const { n, t, inSize: I, hidden: Hd } = s;
    for (const h of H) {
      h.reset();
      const pw = h.put(c.w), pr = h.put(c.r), px = h.put(c.x);
      const packedW = h.alloc(h.call('lstmPackedWBytes', I, Hd)), packedR = h.alloc(h.call('lstmPackedRBytes', Hd));
      h.call('packLstmInputF32', pw, h.put(c.bW), h.put(c.bR), packedW, I, Hd);
      h.call('packLstmRecurrentF32', pr, packedR, Hd);
      const y = h.alloc(c.dy.length * 4), saved = h.alloc(h.call('lstmTrainSavedBytes', n, t, Hd));
      const [h0, c0] = s.withState ? [h.put(c.h0), h.put(c.c0)] : [0, 0];
      h.call('lstmTrainForwardF32', px, packedW, packedR, h0, c0, y, saved, h.alloc(h.call('lstmTrainScratchBytes', n, t, Hd)), n, t, I, Hd, Number(s.returnSequences), Number(s.reverse));
      const label = `lstm ${JSON.stringify(s)} ${h.build}`;
      checkGradient('lstm forward', label, h.getF32(y, c.dy.length), want.y);
      const [dx, dW, dR, dbW, dbR, dh0, dc0] = [c.x, c.w, c.r, c.bW, c.bR, c.h0, c.c0].map((a) => h.alloc(a.length * 4));
      const scratch = h.alloc(h.call('lstmTrainBackwardScratchBytes', n, t, I, Hd));
      h.call('lstmTrainBackwardF32', px, pw, pr, saved, h.put(c.dy), dx, dW, dR, dbW, dbR, s.withState ? dh0 : 0, s.withState ? dc0 : 0, scratch, n, t, I, Hd, Number(s.returnSequences), Number(s.reverse));
      checkGradient('lstm dx', label, h.getF32(dx, c.x.length), want.x);
      checkGradient('lstm dW', label, h.getF32(dW, c.w.length), want.W);
      checkGradient('lstm dR', label, h.getF32(dR, c.r.length), want.R);
      checkGradient('lstm dbW', label, h.getF32(dbW, c.bW.length), want.bW);
      checkGradient('lstm dbR', label, h.getF32(dbR, c.bR.length), want.bR);
      if (s.withState) {
        checkGradient('lstm dh0', label, h.getF32(dh0, c.h0.length), want.h0);
        checkGradient('lstm dc0', label, h.getF32(dc0, c.c0.length), want.c0);
      }
    }
  }
});

test.after(printGradientTable);
test.run();
