// The training module: every export of the runtime module (assembly/index.ts,
// the same forward kernels from the same source) plus the backward kernels,
// losses and optimisers that src/train drives.

export * from './index';
export * from './train/dense';
export * from './train/conv';
export * from './train/depthwise';
export * from './train/pool';
export * from './train/activation';
export * from './train/elementwise';
export * from './train/loss';
export * from './train/dropout';
export * from './train/batchnorm';
export * from './train/optim';
export * from './train/gru';
export * from './train/lstm';
