// Conv (1-D and 2-D, grouped, depthwise), MaxPool, AveragePool and
// GlobalAveragePool: channels-first in ONNX, channels-last in the IR. Weights
// are transposed once here: OIHW -> HWIO for conv ([KH, KW, C/g, OC]) and
// O1HW -> HW(C*mult) for depthwise (group == C). auto_pad is resolved to
// explicit pads with the formula of the ONNX Conv spec (SAME_UPPER puts the
// odd pad at the end, SAME_LOWER at the beginning).
import type { ImportContext, TensorValue, Value } from '../context.ts';
import { channelsLastPerm, invertPerm, permuteShape, transposeData } from '../layout.ts';
import type { OnnxNode } from '../parse.ts';
import type { OpImporter } from './types.ts';

/** [begin..., end...] pads per spatial axis from pads / auto_pad, plus any pads a Pad node deferred. */
function resolvePads(
  ctx: ImportContext, node: OnnxNode, spatial: number[], kernel: number[], strides: number[], dilations: number[],
): number[] {
  const n = spatial.length;
  const autoPad = ctx.str(node, 'auto_pad', 'NOTSET');
  let pads: number[];
  if (autoPad === 'NOTSET') {
    pads = ctx.ints(node, 'pads', new Array(2 * n).fill(0))!;
    if (pads.length !== 2 * n || pads.some((p) => p < 0)) return ctx.unsupported(node, `pads must be ${2 * n} non-negative integers`, 'pads', `[${pads}]`);
  } else if (autoPad === 'VALID') {
    pads = new Array(2 * n).fill(0);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * n).fill(0);
    spatial.forEach((size, i) => {
      const out = Math.ceil(size / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[n + i] = total - pads[i];
    });
  } else {
    return ctx.unsupported(node, `auto_pad "${autoPad}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`, 'auto_pad', autoPad);
  }
  const deferred = ctx.deferredPad(node.inputs[0]);
  if (deferred) {
    const r = n + 2;
    for (let i = 0; i < n; i++) {
      pads[i] += deferred[2 + i];
      pads[n + i] += deferred[r + 2 + i];
    }
  }
  return pads;
}

function spatialInput(ctx: ImportContext, node: OnnxNode): TensorValue {
  const x = ctx.tensorInput(node, 0, 'X');
  if (x.shape.length !== 3 && x.shape.length !== 4) {
    return ctx.unsupported(node, `only 1-D and 2-D inputs ([N, C, L] or [N, C, H, W]) are supported, found [${x.shape}]`, 'X');
  }
  return x;
}

function ints(ctx: ImportContext, node: OnnxNode, name: string, n: number, dflt: number[]): number[] {
  const v = ctx.ints(node, name, dflt)!;
  if (v.length !== n || v.some((d) => d < 1)) return ctx.unsupported(node, `${name} must be ${n} positive integers`, name, `[${v}]`);
  return v;
}

/** The output value of an IR op producing channels-last data for an ONNX NC... tensor. */
function channelsLastOutput(ctx: ImportContext, ref: { id: number; shape: readonly number[] }): TensorValue {
  const perm = channelsLastPerm(ref.shape.length);
  return ctx.tensor(ref, permuteShape([...ref.shape], invertPerm(perm)), perm);
}

export const convOp: OpImporter = {
  attrs: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'],
  run(node, ctx) {
    const x = spatialInput(ctx, node);
    const w = ctx.constInput(node, 1, 'W');
    const b = ctx.constInput(node, 2, 'B', true);
    const n = x.shape.length - 2;
    const [c, group] = [x.shape[1], ctx.int(node, 'group', 1)];
    const [oc, cg, ...k] = w.shape;
    if (w.shape.length !== n + 2) return ctx.unsupported(node, `W must be ${n + 2}-D, found [${w.shape}]`, 'W');
    const kernel = ints(ctx, node, 'kernel_shape', n, k);
    if (kernel.some((v, i) => v !== k[i])) return ctx.unsupported(node, `kernel_shape [${kernel}] does not match W [${w.shape}]`, 'kernel_shape');
    if (group < 1 || c % group !== 0 || oc % group !== 0 || cg * group !== c) {
      return ctx.unsupported(node, `group ${group} does not divide input channels ${c} and W [${w.shape}]`, 'group');
    }
    if (b && b.shape.join() !== String(oc)) return ctx.unsupported(node, `B must be [${oc}], found [${b.shape}]`, 'B');
    const strides = ints(ctx, node, 'strides', n, new Array(n).fill(1));
    const dilations = ints(ctx, node, 'dilations', n, new Array(n).fill(1));
    const pads = resolvePads(ctx, node, x.shape.slice(2), kernel, strides, dilations);
    const window = { strides, dilations, padding: pads.some((p) => p > 0) ? 'explicit' : 'valid', ...(pads.some((p) => p > 0) ? { pads } : {}) };
    const input = ctx.as(x, channelsLastPerm(n + 2), node.name);
    const bias = b ? ctx.constant(`${node.name}.bias`, [oc], b.data) : null;
    const depthwise = group === c && group > 1;
    let ref;
    if (depthwise) {
      // W [C*mult, 1, ...k] -> [...k, C*mult]: output channel o = ci * mult + m in both.
      const data = transposeData(w.data, [oc, ...k], [...k.map((_, i) => i + 1), 0]);
      const weight = ctx.constant(`${node.name}.weight`, [...k, oc], data);
      ref = ctx.emit(n === 2 ? 'depthwiseConv2d' : 'depthwiseConv1d', [input, weight, bias], { multiplier: oc / c, ...window }, node.name)[0];
    } else {
      // W [OC, C/g, ...k] -> [...k, C/g, OC]
      const data = transposeData(w.data, w.shape, [...k.map((_, i) => i + 2), 1, 0]);
      const weight = ctx.constant(`${node.name}.weight`, [...k, cg, oc], data);
      ref = ctx.emit(n === 2 ? 'conv2d' : 'conv1d', [input, weight, bias], { groups: group, ...window }, node.name)[0];
    }
    return [channelsLastOutput(ctx, ref)];
  },
};

function poolOp(kind: 'max' | 'avg'): OpImporter {
  return {
    attrs: ['auto_pad', 'ceil_mode', 'kernel_shape', 'pads', 'strides', ...(kind === 'max' ? ['dilations', 'storage_order'] : ['count_include_pad', 'dilations'])],
    run(node, ctx) {
      const x = spatialInput(ctx, node);
      const n = x.shape.length - 2;
      const kernelAttr = ctx.ints(node, 'kernel_shape');
      if (!kernelAttr) return ctx.unsupported(node, 'needs kernel_shape', 'kernel_shape');
      const kernel = ints(ctx, node, 'kernel_shape', n, kernelAttr);
      const strides = ints(ctx, node, 'strides', n, new Array(n).fill(1));
      const dilations = ints(ctx, node, 'dilations', n, new Array(n).fill(1));
      if (dilations.some((d) => d !== 1)) return ctx.unsupported(node, 'dilated pooling is not supported', 'dilations', `[${dilations}]`);
      if (ctx.int(node, 'storage_order', 0) !== 0) return ctx.unsupported(node, 'storage_order 1 is not supported', 'storage_order');
      if (node.outputs[1]) ctx.markUnavailable(node.outputs[1], `it is the Indices output of MaxPool node "${node.name}", which the importer does not produce`);
      const autoPad = ctx.str(node, 'auto_pad', 'NOTSET');
      const pads = resolvePads(ctx, node, x.shape.slice(2), kernel, strides, dilations);
      // With auto_pad SAME/VALID the output size is fixed by the spec; ceil_mode only applies to explicit pads.
      const ceilMode = autoPad === 'NOTSET' ? ctx.int(node, 'ceil_mode', 0) : 0;
      const countIncludePad = ctx.deferredPad(node.inputs[0]) ? 1 : ctx.int(node, 'count_include_pad', 0);
      const attrs = {
        kernel, strides, ceilMode,
        padding: pads.some((p) => p > 0) ? 'explicit' : 'valid',
        ...(pads.some((p) => p > 0) ? { pads } : {}),
        ...(kind === 'avg' ? { countIncludePad } : {}),
      };
      const type = `${kind}Pool${n}d`;
      const ref = ctx.emit(type, [ctx.as(x, channelsLastPerm(n + 2), node.name)], attrs, node.name)[0];
      return [channelsLastOutput(ctx, ref)];
    },
  };
}

export const maxPoolOp = poolOp('max');
export const averagePoolOp = poolOp('avg');

export const globalAveragePoolOp: OpImporter = {
  attrs: [],
  run(node, ctx) {
    const x = spatialInput(ctx, node);
    const ref = ctx.emit('globalAvgPool', [ctx.as(x, channelsLastPerm(x.shape.length), node.name)], {}, node.name)[0];
    const pooled: Value = ctx.tensor(ref, [...ref.shape], [0, 1]);
    return [ctx.reshape(pooled, [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)], `${node.name}/keepdims`)];
  },
};

