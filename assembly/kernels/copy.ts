// Data movement: one strided copy serves transpose, slice (any steps,
// negative too), concat and split; a tiled transpose serves the permutations
// whose contiguous source dim is not the innermost destination dim.
//
// Both take a descriptor of i32 words [shape[rank], srcStrides[rank],
// dstStrides[rank]] (strides in elements, signed; a source stride may be 0)
// and base addresses of the element at index 0 on each side. The host folds
// slice starts and concat slots into those bases and merges dims that are
// contiguous on both sides, so rows are as long as possible.

/** Largest rank of a descriptor (after the host merged dims). */
export const COPY_MAX_RANK: i32 = 6;

const counters: usize = memory.data(COPY_MAX_RANK * 4, 16);

// Transpose tiles: TILE x TILE floats through registers, inside blocks of
// BLOCK destination columns so the source lines a block reads (BLOCK lines of
// 64 bytes) stay in L1 while consecutive row strips reuse them.
const TILE: i32 = 4;
const BLOCK: i32 = 64;

// Rows shorter than this many floats are copied by a vector loop.
const SHORT_ROW: i32 = 64;

// @ts-ignore: decorator
@inline function copyRow(src: usize, dst: usize, n: i32, ss: i32, ds: i32): void {
  let i = 0;
  if (ss == 1 && ds == 1) {
    // memory.copy is an out-of-line call in engines; short rows (concat,
    // split, slices of a few channels) go faster through registers.
    if (ASC_FEATURE_SIMD && n < SHORT_ROW) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(dst + o, v128.load(src + o));
      }
      for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
    } else {
      memory.copy(dst, src, <usize>n << 2);
    }
  } else if (ss == 0 && ds == 1) {
    const v = load<f32>(src);
    if (ASC_FEATURE_SIMD) {
      const vv = f32x4.splat(v);
      for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), vv);
    }
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), v);
  } else if (ss == -1 && ds == 1) {
    // A reversed row (slice with step -1): read 4 backwards, swap lanes.
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= n; i += 4) {
        const v = v128.load(src - (<usize>(i + 3) << 2));
        v128.store(dst + (<usize>i << 2), v128.shuffle<i32>(v, v, 3, 2, 1, 0));
      }
    }
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src - (<usize>i << 2)));
  } else {
    const stepS = <usize>ss << 2;
    const stepD = <usize>ds << 2;
    let ps = src;
    let pd = dst;
    for (; i < n; i++) {
      store<f32>(pd, load<f32>(ps));
      ps += stepS;
      pd += stepD;
    }
  }
}

/**
 * dst[idx . dstStrides] = src[idx . srcStrides] for every idx over shape.
 * 1 <= rank <= COPY_MAX_RANK. Source and destination must not overlap.
 */
export function copyStridedF32(src: usize, dst: usize, rank: i32, desc: usize): void {
  const last = rank - 1;
  const n = load<i32>(desc + (<usize>last << 2));
  const ss = load<i32>(desc + (<usize>(rank + last) << 2));
  const ds = load<i32>(desc + (<usize>(2 * rank + last) << 2));
  if (rank == 1) {
    copyRow(src, dst, n, ss, ds);
    return;
  }
  // Dim rank-2 is a plain loop of rows (concat and split copy many short
  // rows); the dims above it step the odometer.
  const rows = load<i32>(desc + (<usize>(last - 1) << 2));
  const rowS = <usize>load<i32>(desc + (<usize>(rank + last - 1) << 2)) << 2;
  const rowD = <usize>load<i32>(desc + (<usize>(2 * rank + last - 1) << 2)) << 2;
  let planes = 1;
  for (let d = 0; d < last - 1; d++) {
    planes *= load<i32>(desc + (<usize>d << 2));
    store<i32>(counters + (<usize>d << 2), 0);
  }
  let offS: i32 = 0;
  let offD: i32 = 0;
  for (let p = 0; p < planes; p++) {
    let ps = src + (<usize>offS << 2);
    let pd = dst + (<usize>offD << 2);
    for (let r = 0; r < rows; r++) {
      copyRow(ps, pd, n, ss, ds);
      ps += rowS;
      pd += rowD;
    }
    advance(desc, rank, last - 2);
    offS += advanceS;
    offD += advanceD;
  }
}

// Odometer step over dims 0..top: leaves the offset deltas in two globals
// (returning two values would need an allocation in AssemblyScript).
let advanceS: i32 = 0;
let advanceD: i32 = 0;

// @ts-ignore: decorator
@inline function advance(desc: usize, rank: i32, top: i32): void {
  let dS: i32 = 0;
  let dD: i32 = 0;
  for (let d = top; d >= 0; d--) {
    const cp = counters + (<usize>d << 2);
    const c = load<i32>(cp) + 1;
    const strideS = load<i32>(desc + (<usize>(rank + d) << 2));
    const strideD = load<i32>(desc + (<usize>(2 * rank + d) << 2));
    if (c < load<i32>(desc + (<usize>d << 2))) {
      store<i32>(cp, c);
      dS += strideS;
      dD += strideD;
      break;
    }
    store<i32>(cp, 0);
    dS -= strideS * (c - 1);
    dD -= strideD * (c - 1);
  }
  advanceS = dS;
  advanceD = dD;
}

/**
 * The same mapping as copyStridedF32, for the case the host routes here:
 * dim rank-2 has source stride 1 and dim rank-1 has destination stride 1,
 * so each outer step is a 2-D transpose of p x q elements, read along p and
 * written along q. Tiled so both sides move in whole vectors. rank >= 2.
 */
export function transposeF32(src: usize, dst: usize, rank: i32, desc: usize): void {
  const last = rank - 1;
  const p = load<i32>(desc + (<usize>(last - 1) << 2));
  const q = load<i32>(desc + (<usize>last << 2));
  const ldS = load<i32>(desc + (<usize>(rank + last) << 2));
  const ldD = load<i32>(desc + (<usize>(2 * rank + last - 1) << 2));
  let planes = 1;
  for (let d = 0; d < last - 1; d++) {
    planes *= load<i32>(desc + (<usize>d << 2));
    store<i32>(counters + (<usize>d << 2), 0);
  }
  let offS: i32 = 0;
  let offD: i32 = 0;
  for (let r = 0; r < planes; r++) {
    transposePlane(src + (<usize>offS << 2), dst + (<usize>offD << 2), p, q, ldS, ldD);
    advance(desc, rank, last - 2);
    offS += advanceS;
    offD += advanceD;
  }
}

// dst[i * ldD + j] = src[i + j * ldS] for i < p, j < q.
function transposePlane(src: usize, dst: usize, p: i32, q: i32, ldS: i32, ldD: i32): void {
  const rowS = <usize>ldS << 2;
  const rowD = <usize>ldD << 2;
  const p4 = p & ~(TILE - 1);
  const q4 = q & ~(TILE - 1);
  for (let j0 = 0; j0 < q4; j0 += BLOCK) {
    const j1 = min(j0 + BLOCK, q4);
    for (let i = 0; i < p4; i += TILE) {
      for (let j = j0; j < j1; j += TILE) {
        const s = src + (<usize>i << 2) + <usize>j * rowS;
        const d = dst + <usize>i * rowD + (<usize>j << 2);
        if (ASC_FEATURE_SIMD) tile4x4Simd(s, d, rowS, rowD);
        else tile4x4Scalar(s, d, rowS, rowD);
      }
    }
  }
  // Edges: the last p % 4 rows over every column, the last q % 4 columns
  // over the tiled rows.
  for (let i = p4; i < p; i++) {
    for (let j = 0; j < q; j++) {
      store<f32>(dst + <usize>i * rowD + (<usize>j << 2), load<f32>(src + (<usize>i << 2) + <usize>j * rowS));
    }
  }
  for (let i = 0; i < p4; i++) {
    for (let j = q4; j < q; j++) {
      store<f32>(dst + <usize>i * rowD + (<usize>j << 2), load<f32>(src + (<usize>i << 2) + <usize>j * rowS));
    }
  }
}

// @ts-ignore: decorator
@inline function tile4x4Simd(s: usize, d: usize, rowS: usize, rowD: usize): void {
  // r_j holds source column j (4 consecutive i); the 4x4 transpose in two
  // shuffle stages turns them into destination rows c_i.
  const r0 = v128.load(s);
  const r1 = v128.load(s + rowS);
  const r2 = v128.load(s + 2 * rowS);
  const r3 = v128.load(s + 3 * rowS);
  const lo01 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const lo23 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const hi01 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const hi23 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<i32>(lo01, lo23, 0, 1, 4, 5));
  v128.store(d + rowD, v128.shuffle<i32>(lo01, lo23, 2, 3, 6, 7));
  v128.store(d + 2 * rowD, v128.shuffle<i32>(hi01, hi23, 0, 1, 4, 5));
  v128.store(d + 3 * rowD, v128.shuffle<i32>(hi01, hi23, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function tile4x4Scalar(s: usize, d: usize, rowS: usize, rowD: usize): void {
  for (let jj: usize = 0; jj < 4; jj++) {
    const sj = s + jj * rowS;
    const dj = d + (jj << 2);
    store<f32>(dj, load<f32>(sj));
    store<f32>(dj + rowD, load<f32>(sj, 4));
    store<f32>(dj + 2 * rowD, load<f32>(sj, 8));
    store<f32>(dj + 3 * rowD, load<f32>(sj, 12));
  }
}
