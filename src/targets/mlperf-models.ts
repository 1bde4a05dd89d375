// The MLPerf Tiny reference architectures, built with the model builder so
// the cost model can be calibrated on the very models the published results
// were measured on. Layer structure from the benchmark's training scripts
// (mlcommons/tiny, benchmark/training/*/keras_model.py); batch norm folds into
// the preceding layer as it does in the published .tflite files. Weights are
// seeded random: only the structure matters for cost.
//
// MAC counts (checked by test/targets/mlperf-models.suite.ts) match the ones
// read from the published .tflite files: KWS 2,656,768 and IC 12,501,632; AD
// is 264,192 (640-128-128-128-128-8-128-128-128-128-640).
import { createBuilder } from '../graph/builder.ts';
import type { Model } from '../graph/model.ts';

/** Keyword spotting: DS-CNN (64 filters) on 49 MFCC frames x 10 coefficients. */
export function buildKwsDsCnn(): Model {
  const b = createBuilder('mlperf-kws-ds-cnn');
  const x = b.input('input', [1, 49, 10, 1]);
  let h = b.conv2d(x, { name: 'conv0', filters: 64, kernel: [10, 4], strides: [2, 2], padding: 'same', activation: 'relu' });
  for (let i = 1; i <= 4; i++) {
    h = b.depthwiseConv2d(h, { name: `dw${i}`, kernel: [3, 3], padding: 'same', activation: 'relu' });
    h = b.conv2d(h, { name: `pw${i}`, filters: 64, kernel: [1, 1], padding: 'same', activation: 'relu' });
  }
  h = b.op('avgPool2d', [h], { kernel: [25, 5] }, 'pool')[0];
  h = b.op('flatten', [h], { axis: 1 }, 'flatten')[0];
  h = b.dense(h, { name: 'fc', units: 12 });
  b.output(b.softmax(h), 'probabilities');
  return b.build();
}

/** Image classification: ResNet-8 (16/32/64 filters) on 32x32 RGB. */
export function buildIcResnet8(): Model {
  const b = createBuilder('mlperf-ic-resnet8');
  const x = b.input('input', [1, 32, 32, 3]);
  let h = b.conv2d(x, { name: 'conv0', filters: 16, kernel: [3, 3], padding: 'same', activation: 'relu' });
  const stacks: [number, number][] = [[16, 1], [32, 2], [64, 2]];
  stacks.forEach(([filters, stride], s) => {
    const y1 = b.conv2d(h, { name: `s${s}.conv1`, filters, kernel: [3, 3], strides: [stride, stride], padding: 'same', activation: 'relu' });
    const y2 = b.conv2d(y1, { name: `s${s}.conv2`, filters, kernel: [3, 3], padding: 'same' });
    const shortcut = stride === 1 ? h : b.conv2d(h, { name: `s${s}.shortcut`, filters, kernel: [1, 1], strides: [stride, stride], padding: 'same' });
    const sum = b.op('add', [y2, shortcut], {}, `s${s}.add`)[0];
    h = b.op('relu', [sum], {}, `s${s}.relu`)[0];
  });
  h = b.op('avgPool2d', [h], { kernel: [8, 8] }, 'pool')[0];
  h = b.op('flatten', [h], { axis: 1 }, 'flatten')[0];
  h = b.dense(h, { name: 'fc', units: 10 });
  b.output(b.softmax(h), 'probabilities');
  return b.build();
}

/** Anomaly detection: the fully connected autoencoder on 5 x 128 log-mel frames. */
export function buildAdAutoencoder(): Model {
  const b = createBuilder('mlperf-ad-fc-autoencoder');
  let h = b.input('input', [1, 640]);
  const widths = [128, 128, 128, 128, 8, 128, 128, 128, 128];
  widths.forEach((units, i) => {
    h = b.dense(h, { name: `fc${i}`, units, activation: 'relu' });
  });
  b.output(b.dense(h, { name: 'fc9', units: 640 }), 'reconstruction');
  return b.build();
}

/**
 * Visual wake words: MobileNetV1 (width 0.25) on 96x96 RGB. Not used for
 * fitting: bench/calibrate holds it out to show how the fitted constants
 * generalise to an architecture they were not fitted on.
 */
export function buildVwwMobilenet(): Model {
  const b = createBuilder('mlperf-vww-mobilenet-v1-0.25');
  const x = b.input('input', [1, 96, 96, 3]);
  let h = b.conv2d(x, { name: 'conv0', filters: 8, kernel: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu' });
  const blocks: [number, number][] = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [128, 1], [128, 1], [128, 1], [128, 1], [256, 2], [256, 1]];
  blocks.forEach(([filters, stride], i) => {
    h = b.depthwiseConv2d(h, { name: `dw${i + 1}`, kernel: [3, 3], strides: [stride, stride], padding: 'same', activation: 'relu' });
    h = b.conv2d(h, { name: `pw${i + 1}`, filters, kernel: [1, 1], activation: 'relu' });
  });
  h = b.op('avgPool2d', [h], { kernel: [3, 3] }, 'pool')[0];
  h = b.op('flatten', [h], { axis: 1 }, 'flatten')[0];
  h = b.dense(h, { name: 'fc', units: 2 });
  b.output(b.softmax(h), 'probabilities');
  return b.build();
}

export const MLPERF_MODELS = {
  kws: buildKwsDsCnn,
  ic: buildIcResnet8,
  ad: buildAdAutoencoder,
  vww: buildVwwMobilenet,
} as const;
export type MlperfTask = keyof typeof MLPERF_MODELS;
