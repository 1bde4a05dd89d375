// GRU and LSTM. ONNX keeps every direction in one node: W [D, G*H, I],
// R [D, G*H, H], B [D, 2*G*H] (Wb then Rb), with the gates already in the
// order the IR uses (GRU z|r|h, LSTM i|o|f|c). The IR has one op per
// direction with W [I, G*H] and R [H, G*H], the transposes, so a
// bidirectional node becomes a forward op and a reverse op whose outputs are
// joined on the last axis. Y is [T, D, N, H] (layout 0) or [N, T, D, H]
// (layout 1, opset 14); the IR works batch-major [N, T, H], so the output
// layout is recorded rather than transposed (layout.ts).
import { elementCount } from '../../../graph/model.ts';
import type { TensorRef } from '../../../graph/builder.ts';
import type { ConstValue, ImportContext, Value } from '../context.ts';
import { sliceConst } from '../fold.ts';
import { identityPerm, transposeData } from '../layout.ts';
import type { OnnxNode } from '../parse.ts';
import { sliceAxis } from './shape.ts';
import type { OpImporter } from './types.ts';

const DEFAULT_ACTIVATIONS = { gru: ['sigmoid', 'tanh'], lstm: ['sigmoid', 'tanh', 'tanh'] };

/** Direction d of a [D, rows, cols] weight, transposed to [cols, rows]. */
function directionT(w: ConstValue, d: number): Float32Array {
  const [, rows, cols] = w.shape;
  const part = w.data.subarray(d * rows * cols, (d + 1) * rows * cols);
  return Float32Array.from(transposeData(part, [rows, cols], [1, 0]));
}

function recurrent(kind: 'gru' | 'lstm'): OpImporter {
  const gates = kind === 'gru' ? 3 : 4;
  return {
    attrs: ['activation_alpha', 'activation_beta', 'activations', 'clip', 'direction', 'hidden_size', 'layout', ...(kind === 'gru' ? ['linear_before_reset'] : ['input_forget'])],
    run(node, ctx) {
      const direction = ctx.str(node, 'direction', 'forward');
      if (!['forward', 'reverse', 'bidirectional'].includes(direction)) return ctx.unsupported(node, `direction "${direction}" is invalid`, 'direction', direction);
      const dirs = direction === 'bidirectional' ? 2 : 1;
      const acts = ctx.attr(node, 'activations')?.strings;
      const expected = DEFAULT_ACTIVATIONS[kind];
      if (acts && (acts.length !== expected.length * dirs || acts.some((a, i) => a.toLowerCase() !== expected[i % expected.length]))) {
        return ctx.unsupported(node, `only the default activations (${expected.join(', ')}) are supported`, 'activations', `[${acts}]`);
      }
      if (node.attrs.has('clip')) return ctx.unsupported(node, 'cell clipping is not supported', 'clip');
      if (ctx.int(node, 'input_forget', 0) !== 0) return ctx.unsupported(node, 'input_forget = 1 (coupled gates) is not supported', 'input_forget');
      const layout = ctx.int(node, 'layout', 0);
      const x = ctx.tensorInput(node, 0, 'X');
      if (x.shape.length !== 3) return ctx.unsupported(node, `X must be 3-D, found [${x.shape}]`, 'X');
      const [T, N, I] = layout === 0 ? x.shape : [x.shape[1], x.shape[0], x.shape[2]];
      const w = ctx.constInput(node, 1, 'W');
      const r = ctx.constInput(node, 2, 'R');
      const H = ctx.int(node, 'hidden_size', r.shape[2]);
      const G = gates * H;
      if (w.shape.join() !== [dirs, G, I].join() || r.shape.join() !== [dirs, G, H].join()) {
        return ctx.unsupported(node, `W [${w.shape}] and R [${r.shape}] must be [${dirs}, ${G}, ${I}] and [${dirs}, ${G}, ${H}]`, 'W');
      }
      const b = ctx.constInput(node, 3, 'B', true);
      if (b && b.shape.join() !== [dirs, 2 * G].join()) return ctx.unsupported(node, `B must be [${dirs}, ${2 * G}], found [${b.shape}]`, 'B');
      const seqLens = ctx.input(node, 4);
      if (seqLens && (seqLens.kind !== 'const' || Array.from(seqLens.data).some((v) => v !== T))) {
        return ctx.unsupported(node, 'sequence_lens must be absent or a constant equal to the sequence length for every batch entry', 'sequence_lens');
      }
      if (kind === 'lstm') {
        const p = ctx.input(node, 7);
        if (p && (p.kind !== 'const' || p.data.some((v) => v !== 0))) return ctx.unsupported(node, 'peephole weights (input P) are not supported', 'P');
      }
      const linearBeforeReset = kind === 'gru' ? ctx.int(node, 'linear_before_reset', 0) : 0;
      const states = (kind === 'gru' ? [5] : [5, 6]).map((i) => ctx.input(node, i));
      const [wantY, wantH] = [node.outputs[0], node.outputs[1]].map((o) => ctx.isUsed(o));
      if (kind === 'lstm' && node.outputs[2]) ctx.markUnavailable(node.outputs[2], `it is the final cell state Y_c of LSTM node "${node.name}", which the importer does not produce`);

      // The IR's batch-major input: [N, T, I] = transpose of [T, N, I] for layout 0.
      const xRef = ctx.as(x, layout === 0 ? [1, 0, 2] : identityPerm(3), node.name);
      const seqs: TensorRef[] = [];
      const lasts: TensorRef[] = [];
      for (let d = 0; d < dirs; d++) {
        const name = dirs === 2 ? `${node.name}/${d === 0 ? 'forward' : 'reverse'}` : node.name;
        const weights = [
          ctx.constant(`${name}.W`, [I, G], directionT(w, d)),
          ctx.constant(`${name}.R`, [H, G], directionT(r, d)),
          b ? ctx.constant(`${name}.bW`, [G], b.data.subarray(d * 2 * G, d * 2 * G + G)) : null,
          b ? ctx.constant(`${name}.bR`, [G], b.data.subarray(d * 2 * G + G, (d + 1) * 2 * G)) : null,
        ];
        const init = states.map((s) => (s ? initialState(ctx, node, s, d, layout, N, H, `${name}/state`) : null));
        const reverse = d === 1 || direction === 'reverse' ? 1 : 0;
        const attrs = { hidden: H, returnSequences: wantY ? 1 : 0, reverse, ...(kind === 'gru' ? { linearBeforeReset } : {}) };
        const out = ctx.emit(kind, [xRef, ...weights, ...init], attrs, name)[0];
        if (wantY) {
          seqs.push(out);
          // The last state is the output at the final step processed: t = T-1 forward, t = 0 in reverse.
          if (wantH) {
            const step = ctx.emit('slice', [out], { starts: [reverse ? 0 : T - 1], ends: [reverse ? 1 : T], axes: [1] }, `${name}/last`)[0];
            lasts.push(ctx.emit('reshape', [step], { shape: [N, H] }, `${name}/last`)[0]);
          }
        } else {
          lasts.push(out);
        }
      }
      const join = (parts: TensorRef[], name: string) => (parts.length === 1 ? parts[0] : ctx.emit('concat', parts, { axis: -1 }, name)[0]);
      const results: (Value | undefined)[] = [undefined, undefined];
      if (wantY) {
        const ref = ctx.emit('reshape', [join(seqs, `${node.name}/Y`)], { shape: [N, T, dirs, H] }, `${node.name}/Y`)[0];
        results[0] = layout === 0 ? ctx.tensor(ref, [T, dirs, N, H], [2, 0, 1, 3]) : ctx.tensor(ref, [N, T, dirs, H], identityPerm(4));
      }
      if (wantH) {
        const ref = ctx.emit('reshape', [join(lasts, `${node.name}/Y_h`)], { shape: [N, dirs, H] }, `${node.name}/Y_h`)[0];
        results[1] = layout === 0 ? ctx.tensor(ref, [dirs, N, H], [1, 0, 2]) : ctx.tensor(ref, [N, dirs, H], identityPerm(3));
      }
      return results;
    },
  };
}

/** Direction d of initial_h / initial_c ([D, N, H], or [N, D, H] in layout 1) as an [N, H] IR tensor; null when all zeros. */
function initialState(ctx: ImportContext, node: OnnxNode, s: Value, d: number, layout: number, n: number, h: number, name: string): TensorRef | null {
  const axis = layout === 0 ? 0 : 1;
  if (s.shape.length !== 3 || elementCount(s.shape) !== s.shape[axis] * n * h) return ctx.unsupported(node, `initial states must be [D, N, H], found [${s.shape}]`);
  if (s.kind === 'const') {
    const part = sliceConst(s, axis, d, 1, 1);
    if (part.data.every((v) => v === 0)) return null;
    // A constant state still needs arena bytes of its own: an identity copies it there.
    return ctx.emit('identity', [ctx.constant(name, [n, h], part.data)], {}, name)[0];
  }
  const part = sliceAxis(ctx, s, axis, d, 1, 1, name);
  return ctx.plain(ctx.reshape(part, [n, h], `${name}/nh`), name);
}

export const gruOp = recurrent('gru');
export const lstmOp = recurrent('lstm');
