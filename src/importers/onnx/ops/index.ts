// The ONNX operators the importer maps, by op_type. Ops with only `fold`
// are accepted in constant subgraphs (shape arithmetic), evaluated at import.
import type { OpImporter } from './types.ts';
import { averagePoolOp, convOp, globalAveragePoolOp, maxPoolOp } from './conv.ts';
import {
  addOp, batchNormOp, ceilOp, clipOp, divOp, equalOp, expandRuntime, floorOp, gemmOp, greaterOp, hardSigmoidOp, hardSwishOp, leakyReluOp, lessOp,
  logSoftmaxOp, matMulOp, maxOp, minOp, mulOp, negOp, powOp, reduceMeanOp, reluOp, sigmoidOp, softmaxOp, sqrtOp, subOp, tanhOp, whereOp,
} from './math.ts';
import { gruOp, lstmOp } from './recurrent.ts';
import {
  castOp, concatOp, constantOfShapeOp, constantOp, dropoutOp, expandOp, flattenOp, gatherOp, identityOp, padOp, rangeOp, reshapeOp, shapeOp,
  sliceOp, splitOp, squeezeOp, transposeOp, unsqueezeOp,
} from './shape.ts';

export const ONNX_OPS: Readonly<Record<string, OpImporter>> = {
  Conv: convOp, MaxPool: maxPoolOp, AveragePool: averagePoolOp, GlobalAveragePool: globalAveragePoolOp,
  Gemm: gemmOp, MatMul: matMulOp, BatchNormalization: batchNormOp, ReduceMean: reduceMeanOp,
  Add: addOp, Sub: subOp, Mul: mulOp, Div: divOp, Max: maxOp, Min: minOp,
  Relu: reluOp, Clip: clipOp, LeakyRelu: leakyReluOp, Sigmoid: sigmoidOp, Tanh: tanhOp, HardSwish: hardSwishOp, HardSigmoid: hardSigmoidOp,
  Softmax: softmaxOp, LogSoftmax: logSoftmaxOp,
  GRU: gruOp, LSTM: lstmOp,
  Reshape: reshapeOp, Flatten: flattenOp, Squeeze: squeezeOp, Unsqueeze: unsqueezeOp, Transpose: transposeOp,
  Concat: concatOp, Split: splitOp, Slice: sliceOp, Gather: gatherOp, Pad: padOp,
  Identity: identityOp, Dropout: dropoutOp, Constant: constantOp, Shape: shapeOp, Cast: castOp,
  Expand: { ...expandOp, run: expandRuntime },
  ConstantOfShape: constantOfShapeOp, Range: rangeOp, Equal: equalOp, Less: lessOp, Greater: greaterOp, Where: whereOp,
  Pow: powOp, Neg: negOp, Sqrt: sqrtOp, Floor: floorOp, Ceil: ceilOp,
};

/** Ops that run on graph data (the rest only fold on constants). */
export const SUPPORTED_OPS = Object.keys(ONNX_OPS).filter((k) => ONNX_OPS[k].run).sort();
export const CONSTANT_ONLY_OPS = Object.keys(ONNX_OPS).filter((k) => !ONNX_OPS[k].run).sort();
