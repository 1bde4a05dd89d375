// The importer's layout bookkeeping (src/importers/onnx/layout.ts), checked
// on data: a stored layout claimed for a reshape must hold exactly the bytes
// of the reshaped ONNX tensor in that layout, and cases it must find.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { channelsLastPerm, composePerm, invertPerm, reshapePerm, transposeData } from '../../src/importers/onnx/layout.ts';
import { makeRng } from '../helpers/random.ts';

/** Test-side row-major transpose (index arithmetic written out). */
function transpose(data: Float64Array, shape: number[], perm: number[]): Float64Array {
  const out = new Float64Array(data.length);
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let o = 0; o < out.length; o++) {
    let rest = o;
    let src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      src += (rest % outShape[d]) * strides[perm[d]];
      rest = Math.floor(rest / outShape[d]);
    }
    out[o] = data[src];
  }
  return out;
}

const iota = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

test('transposeData and perm algebra agree with the written-out transpose', () => {
  const shape = [2, 3, 4, 5];
  const data = iota(120);
  for (const perm of [[0, 2, 3, 1], [3, 1, 0, 2], [0, 1, 2, 3]]) {
    assert.equal(Array.from(transposeData(data, shape, perm)), Array.from(transpose(data, shape, perm)));
    const back = invertPerm(perm);
    assert.equal(Array.from(transpose(transpose(data, shape, perm), perm.map((p) => shape[p]), back)), Array.from(data));
    const a = [1, 0, 3, 2];
    const once = transpose(data, shape, composePerm(perm, a));
    const twice = transpose(transpose(data, shape, perm), perm.map((p) => shape[p]), a);
    assert.equal(Array.from(once), Array.from(twice));
  }
  assert.equal(channelsLastPerm(4), [0, 2, 3, 1]);
  assert.equal(channelsLastPerm(3), [0, 2, 1]);
});

test('reshapePerm: the claimed layout holds the reshaped tensor, over random shapes and layouts', () => {
  const rng = makeRng(11);
  let kept = 0;
  for (let trial = 0; trial < 400; trial++) {
    const rank = rng.int(1, 4);
    const from = Array.from({ length: rank }, () => rng.pick([1, 1, 2, 3, 4]));
    const perm = [...Array(rank).keys()].sort(() => rng.next() - 0.5);
    // Targets: merges, splits and 1-insertions of `from`.
    const flat = from.flatMap((d) => (d === 4 && rng.next() < 0.5 ? [2, 2] : [d]));
    const to: number[] = [];
    for (const d of flat) {
      if (to.length && rng.next() < 0.3) to[to.length - 1] *= d;
      else to.push(d);
      if (rng.next() < 0.2) to.push(1);
    }
    const onnx = iota(from.reduce((a, b) => a * b, 1));
    const stored = transpose(onnx, from, perm);
    const p = reshapePerm(from, perm, to);
    if (!p) continue;
    kept++;
    // The stored bytes, read as the target's stored shape, are the reshaped ONNX tensor in layout p.
    assert.equal(Array.from(stored), Array.from(transpose(onnx, to, p)), `from [${from}] perm [${perm}] to [${to}] -> [${p}]`);
  }
  assert.ok(kept > 200, `${kept} of 400 reshapes kept their layout`);
});

test('reshapePerm finds the layouts the zoo relies on, and refuses the ones that mix dims', () => {
  // GRU Y [T, 1, N, H] stored [N, T, 1, H] -> Squeeze(1) -> [T, N, H] stored [N, T, H].
  assert.equal(reshapePerm([10, 1, 2, 8], [2, 0, 1, 3], [10, 2, 8]), [1, 0, 2]);
  // A channels-last [N, C, 1, 1] flattens for free.
  assert.equal(reshapePerm([2, 64, 1, 1], channelsLastPerm(4), [2, 64]), [0, 1]);
  // Channels-last [N, C, H, W] with H, W > 1 cannot flatten in place: NCHW order is needed.
  assert.is(reshapePerm([2, 64, 3, 3], channelsLastPerm(4), [2, 576]), undefined);
  // Splitting the batch keeps channels-last.
  assert.equal(reshapePerm([4, 3, 5], [0, 2, 1], [2, 2, 3, 5]), [0, 1, 3, 2]);
});

test.run();
