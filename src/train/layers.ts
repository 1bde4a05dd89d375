// The backward pass, planned once: for each op in reverse order, the wasm
// calls that turn its output gradients into input and parameter gradients
// (assembly/train/*). Kernel arguments come from the op's own forward
// records (the geometry the forward kernel ran with), so forward and
// backward cannot disagree on padding or strides.
//
// Gradient bookkeeping is static: the first op to reach a tensor (in
// reverse order) writes its gradient buffer directly, later ones write a
// temporary and accumulate into it; output gradients no consumer wrote
// (an unused split output) are zero-filled first. Aliases (reshape,
// flatten, ...) share their input's gradient buffer.
import { fail } from '../errors.ts';
import { elementCount, type Model } from '../graph/model.ts';
import { opWhere } from '../ops/attrs.ts';
import { OPCODES } from '../ops/opcodes.ts';
import { BINARY_CODES, broadcastStrides, describeBinary } from '../ops/elementwise.ts';
import { collapseDims, contiguousStrides, copyRecord, describeCopy } from '../ops/shape.ts';
import { fftBins, fftTwiddles, type FftNormalization } from '../ops/fft.ts';
import type { KernelExports, OpRecord, F32Arg } from '../ops/types.ts';
import type { OpSlot } from './engine.ts';

export interface BackwardContext {
  model: Model;
  k: KernelExports;
  call(name: string, ...args: number[]): number;
  isParam: boolean[];
  requiresGrad: boolean[];
  /** Value address of a tensor (raw parameters included). */
  addrOf(t: number): number;
  paramGrad(t: number): number;
  gradOf: number[];
  /** The tensor whose buffers an alias shares. */
  root(t: number): number;
  temps: number[];
  minusOne: number;
  bytesOf(t: number): number;
  /** Ops whose backward the loss already did (a softmax before cross-entropy). */
  skip: Set<number>;
  slots: OpSlot[];
  scratch: number;
  /** Writes records into the record area, returns the address of the first. */
  encode(records: OpRecord[]): number;
  lossTensor: number;
}

export interface BackwardPlan {
  run(): void;
  scratchBytes: number;
  recordWords: number;
}

type Step = () => void;
interface Target {
  addr: number;
  post: Step | null;
}

const arg = (a: number | F32Arg): number => (typeof a === 'number' ? a : a.f32);
/** Stands for "no gradient wanted" when a forward record is re-addressed for backward. */
const NOWHERE = 2 ** 40;

export function planBackward(ctx: BackwardContext): BackwardPlan {
  const { model, call, isParam, requiresGrad, gradOf, root, temps, slots } = ctx;
  const steps: Step[] = [];
  let scratchBytes = 0;
  let recordWords = 0;
  const ready = new Set<number>([root(ctx.lossTensor)]);
  const paramReady = new Set<number>();
  const bytes = () => new Uint8Array(ctx.k.memory.buffer);
  const fullTemp = temps[temps.length - 1];

  const encode = (records: OpRecord[]): number => {
    recordWords += records.reduce((n, r) => n + 2 + r.args.length, 0);
    return ctx.encode(records);
  };
  const runRecord = (addr: number): Step => () => {
    ctx.k.runOp(addr);
  };
  const zero = (addr: number, n: number): Step => () => {
    bytes().fill(0, addr, addr + n);
  };

  for (let i = model.ops.length - 1; i >= 0; i--) {
    const op = model.ops[i];
    if (ctx.skip.has(i)) continue;
    if (!op.inputs.some((t) => t >= 0 && requiresGrad[t])) continue;
    const s = slots[i];
    const outs = op.outputs;
    if (!outs.some((t) => ready.has(root(t)))) continue;
    const opSteps: Step[] = [];
    for (const t of outs) {
      if (!ready.has(root(t))) {
        opSteps.push(zero(gradOf[t], ctx.bytesOf(t)));
        ready.add(root(t));
      }
    }
    let tempNext = 0;
    const posts: Step[] = [];
    /** Where input j's gradient goes (null: not wanted). */
    const target = (j: number): Target | null => {
      const t = op.inputs[j] ?? -1;
      if (t < 0) return null;
      const n = elementCount(s.shapes.ins[j]!.shape);
      if (isParam[t]) {
        const g = ctx.paramGrad(t);
        if (!paramReady.has(t)) {
          paramReady.add(t);
          return { addr: g, post: null };
        }
        const tmp = temps[tempNext++];
        const post = () => void call('accumulateF32', tmp, g, n);
        posts.push(post);
        return { addr: tmp, post };
      }
      if (!requiresGrad[t] || model.tensors[t].data) return null;
      if (!ready.has(root(t))) {
        ready.add(root(t));
        return { addr: gradOf[t], post: null };
      }
      const tmp = temps[tempNext++];
      const g = gradOf[t];
      const post = () => void call('accumulateF32', tmp, g, n);
      posts.push(post);
      return { addr: tmp, post };
    };
    const at = (tg: Target | null) => (tg ? tg.addr : 0);
    const dy = gradOf[outs[0]];
    const x = ctx.addrOf(op.inputs[0]);
    const y = ctx.addrOf(outs[0]);
    const outCount = elementCount(s.shapes.outs[0].shape);
    const rec = s.records[0]?.args.map(arg) ?? [];
    // A fused activation's derivative, applied in place to the output gradient.
    if (s.act.code !== 0) {
      const { code, p0, p1 } = s.act;
      opSteps.push(() => void call('activationBackwardF32', s.pre, y, dy, dy, outCount, code, p0, p1));
    }
    const where = opWhere(op);

    switch (op.type) {
      case 'dense': {
        const [m, n, kk] = [rec[3], rec[4], rec[5]];
        const tx = target(0), tw = target(1), tb = target(2);
        scratchBytes = Math.max(scratchBytes, call('denseBackwardScratchBytes', m, n, kk));
        const w = ctx.addrOf(op.inputs[1]);
        opSteps.push(() => void call('denseBackwardF32', x, w, dy, at(tx), at(tw), at(tb), m, n, kk, ctx.scratch));
        break;
      }
      case 'conv1d':
      case 'conv2d': {
        const [, n, h, w, c, , , oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, groups] = rec;
        const tx = target(0), tw = target(1), tb = target(2);
        scratchBytes = Math.max(scratchBytes, call('conv2dBackwardScratchBytes', n, oh, ow, c, oc, kh, kw, groups));
        const wt = ctx.addrOf(op.inputs[1]);
        opSteps.push(() => void call('conv2dBackwardF32', x, n, h, w, c, wt, dy, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, groups, at(tx), at(tw), at(tb), ctx.scratch));
        break;
      }
      case 'depthwiseConv1d':
      case 'depthwiseConv2d': {
        const [, n, h, w, c, , , , oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, mult] = rec;
        const tx = target(0), tw = target(1), tb = target(2);
        const wt = ctx.addrOf(op.inputs[1]);
        opSteps.push(() => void call('depthwiseConv2dBackwardF32', x, n, h, w, c, wt, dy, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, mult, at(tx), at(tw), at(tb)));
        break;
      }
      case 'maxPool1d':
      case 'maxPool2d': {
        const [, n, h, w, c, , oh, ow, kh, kw, sh, sw, pt, pl] = rec;
        const tx = target(0);
        if (tx) opSteps.push(() => void call('maxPool2dBackwardF32', x, n, h, w, c, dy, oh, ow, kh, kw, sh, sw, pt, pl, tx.addr));
        break;
      }
      case 'avgPool1d':
      case 'avgPool2d': {
        const [, n, h, w, c, , oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, cip] = rec;
        const tx = target(0);
        if (tx) opSteps.push(() => void call('avgPool2dBackwardF32', dy, n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, cip, tx.addr));
        break;
      }
      case 'globalAvgPool':
      case 'mean': {
        const [, outer, len, inner] = rec;
        const tx = target(0);
        if (tx) opSteps.push(() => void call('meanBackwardF32', dy, outer, len, inner, tx.addr));
        break;
      }
      case 'relu':
      case 'relu6':
      case 'clip':
      case 'leakyRelu':
      case 'sigmoid':
      case 'tanh':
      case 'hardSwish':
      case 'hardSigmoid': {
        const [, , count, code, p0, p1] = rec;
        const tx = target(0);
        if (tx) opSteps.push(() => void call('activationBackwardF32', x, y, dy, tx.addr, count, code, p0, p1));
        break;
      }
      case 'softmax': {
        const [, , outer, len, inner] = rec;
        if (inner !== 1) fail('OP_UNSUPPORTED', 'the trainer differentiates softmax over the last axis only', { where: { ...where, field: 'axis' } });
        const tx = target(0);
        if (tx) opSteps.push(() => void call('softmaxBackwardF32', y, dy, tx.addr, outer, len));
        break;
      }
      case 'add':
      case 'sub':
      case 'mul': {
        const outShape = s.shapes.outs[0].shape;
        [0, 1].forEach((j) => {
          const tg = target(j);
          if (!tg) return;
          const shape = s.shapes.ins[j]!.shape;
          const other = s.shapes.ins[1 - j]!.shape;
          const otherAddr = ctx.addrOf(op.inputs[1 - j]);
          const n = elementCount(shape);
          const negate = op.type === 'sub' && j === 1;
          const mulRecord = (a: number, aShape: number[], b: number, bShape: number[], out: number, oShape: number[]): OpRecord => {
            const d = describeBinary(aShape, bShape, oShape);
            return { opcode: OPCODES.BINARY, args: [BINARY_CODES.mul, a, b, out, d.shape.length, ...d.shape, ...d.strides[0], ...d.strides[1]] };
          };
          if (n === outCount) {
            if (op.type === 'mul') opSteps.push(runRecord(encode([mulRecord(dy, outShape, otherAddr, other, tg.addr, outShape)])));
            else if (negate) opSteps.push(runRecord(encode([mulRecord(dy, outShape, ctx.minusOne, [1], tg.addr, outShape)])));
            else opSteps.push(() => void bytes().copyWithin(tg.addr, dy, dy + outCount * 4));
            return;
          }
          let src = dy;
          if (op.type === 'mul') {
            opSteps.push(runRecord(encode([mulRecord(dy, outShape, otherAddr, other, fullTemp, outShape)])));
            src = fullTemp;
          }
          const d = collapseDims(outShape, [contiguousStrides(outShape), broadcastStrides(shape, outShape)]);
          const desc = encode([{ opcode: 0, args: [...d.shape, ...d.strides[1]] }]) + 8;
          const rank = d.shape.length;
          opSteps.push(() => void call('reduceBroadcastF32', src, tg.addr, n, rank, desc));
          if (negate) opSteps.push(runRecord(encode([mulRecord(tg.addr, shape, ctx.minusOne, [1], tg.addr, shape)])));
        });
        break;
      }
      case 'concat':
      case 'slice':
      case 'split':
      case 'transpose': {
        const tgs = op.inputs.map((_, j) => target(j));
        for (const [j, tg] of tgs.entries()) if (tg) opSteps.push(zero(tg.addr, elementCount(s.shapes.ins[j]!.shape) * 4));
        const grads = s.compiled.records({
          input: (j) => tgs[j]?.addr ?? NOWHERE,
          output: (j) => gradOf[outs[j]],
          weight: () => NOWHERE,
          scratch: ctx.scratch,
        });
        for (const r of grads) {
          const a = r.args.map(arg);
          const [src, dst, rank] = a;
          if (src >= NOWHERE) continue;
          const shape = a.slice(3, 3 + rank);
          const srcStrides = a.slice(3 + rank, 3 + 2 * rank);
          const dstStrides = a.slice(3 + 2 * rank, 3 + 3 * rank);
          const back = describeCopy({ shape, src: dstStrides, dst: srcStrides, srcOffset: 0, dstOffset: 0 });
          opSteps.push(runRecord(encode([copyRecord(back, dst, src)])));
        }
        break;
      }
      case 'reshape':
      case 'flatten':
      case 'squeeze':
      case 'unsqueeze':
      case 'identity': {
        // Shared buffers: the input's gradient is the output's. Only an alias of a constant has a copy.
        if (root(outs[0]) !== root(op.inputs[0])) {
          const tx = target(0);
          if (tx) opSteps.push(() => void bytes().copyWithin(tx.addr, dy, dy + outCount * 4));
        }
        break;
      }
      case 'dropout': {
        const tx = target(0);
        if (tx) opSteps.push(() => void call('dropoutBackwardF32', dy, s.aux, tx.addr, outCount));
        break;
      }
      case 'batchNorm': {
        const shape = s.shapes.ins[0]!.shape;
        const c = shape[shape.length - 1];
        const tx = target(0), tg = target(1), tb = target(2);
        const gamma = ctx.addrOf(op.inputs[1]);
        scratchBytes = Math.max(scratchBytes, 2 * c * 4);
        opSteps.push(() => void call('batchNormBackwardF32', x, dy, outCount / c, c, gamma, s.aux, s.aux + c * 4, at(tx), at(tg), at(tb), ctx.scratch));
        break;
      }
      case 'gru':
      case 'lstm': {
        const [n, t, inSize] = s.shapes.ins[0]!.shape;
        const hidden = Number(op.attrs.hidden);
        const rs = Number(op.attrs.returnSequences ?? 0), rev = Number(op.attrs.reverse ?? 0);
        const tx = target(0), tw = target(1), tr = target(2), tbw = target(3), tbr = target(4), th = target(5);
        const w = ctx.addrOf(op.inputs[1]), r = ctx.addrOf(op.inputs[2]);
        if (op.type === 'gru') {
          const lbr = Number(op.attrs.linearBeforeReset ?? 0);
          scratchBytes = Math.max(scratchBytes, call('gruTrainBackwardScratchBytes', n, t, inSize, hidden, lbr));
          opSteps.push(() => void call('gruTrainBackwardF32', x, w, r, s.aux, dy, at(tx), at(tw), at(tr), at(tbw), at(tbr), at(th), ctx.scratch, n, t, inSize, hidden, rs, rev, lbr));
        } else {
          const tc = target(6);
          scratchBytes = Math.max(scratchBytes, call('lstmTrainBackwardScratchBytes', n, t, inSize, hidden));
          opSteps.push(() => void call('lstmTrainBackwardF32', x, w, r, s.aux, dy, at(tx), at(tw), at(tr), at(tbw), at(tbr), at(th), at(tc), ctx.scratch, n, t, inSize, hidden, rs, rev));
        }
        break;
      }
      case 'fft': {
        // Linear: x_c . D per interval and axis, so dx_c = dy_c . D^T.
        const [n, , c] = s.shapes.ins[0]!.shape;
        const intervals = Number(op.attrs.intervals);
        const length = Number(op.attrs.length);
        const bins = fftBins(length);
        const tx = target(0);
        if (!tx) break;
        const blocks = n * intervals;
        // dy [blocks, bins, c, 2] -> [blocks, c, bins, 2] (rows of 2*bins), GEMM with D^T, -> [blocks, length, c].
        const gathered = fullTemp;
        const rowsOut = ctx.scratch;
        const dT = twiddleTranspose(length, (op.attrs.normalize as FftNormalization | undefined) ?? 'none');
        const packedBytes = call('gemmPackedBytes', 2 * bins, length);
        const workBytes = blocks * c * length * 4;
        scratchBytes = Math.max(scratchBytes, workBytes + packedBytes + dT.byteLength);
        const perm = describeCopy({ shape: [blocks, c, bins, 2], src: [bins * c * 2, 2, c * 2, 1], dst: [c * bins * 2, bins * 2, 2, 1], srcOffset: 0, dstOffset: 0 });
        const gather = encode([copyRecord(perm, dy, gathered)]);
        const back = describeCopy({ shape: [blocks, length, c], src: [c * length, 1, length], dst: [length * c, c, 1], srcOffset: 0, dstOffset: 0 });
        const scatter = encode([copyRecord(back, rowsOut, tx.addr)]);
        const packed = ctx.scratch + workBytes;
        const dTAddr = packed + packedBytes;
        opSteps.push(() => {
          // D^T lives in scratch (shared by all ops), so it is refilled and packed per call: 2*bins*length floats.
          new Float32Array(ctx.k.memory.buffer, dTAddr, dT.length).set(dT);
          call('packGemmF32', dTAddr, length, 0, packed, 2 * bins, length);
          ctx.k.runOp(gather);
          call('gemmF32', gathered, 2 * bins, packed, rowsOut, length, blocks * c, length, 2 * bins, 0, 0, 0);
          ctx.k.runOp(scatter);
        });
        break;
      }
      default:
        fail('OP_UNSUPPORTED', `the trainer has no backward pass for op type "${op.type}"`, { where });
    }
    steps.push(...opSteps, ...posts);
  }
  // Parameters no op reached keep a zero gradient.
  model.tensors.forEach((t, i) => {
    if (isParam[i] && !paramReady.has(i)) steps.unshift(zero(ctx.paramGrad(i), elementCount(t.shape) * 4));
  });
  return {
    run() {
      for (const s of steps) s();
    },
    scratchBytes,
    recordWords,
  };
}

/** D^T [2 bins, length] of the fft op's twiddle matrix D [length, 2 bins]. */
function twiddleTranspose(length: number, normalize: FftNormalization): Float32Array {
  const d = fftTwiddles(length, normalize);
  const cols = 2 * fftBins(length);
  const t = new Float32Array(d.length);
  for (let r = 0; r < length; r++) for (let c = 0; c < cols; c++) t[c * length + r] = d[r * cols + c];
  return t;
}
