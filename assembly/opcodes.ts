// Op codes of the compact op list that run.ts interprets. The host mirrors
// this table in src/ops/opcodes.ts; a test keeps the two equal.
// Ranges by family leave room to add ops without renumbering.
export const OP_DENSE: i32 = 1;

export const OP_CONV2D: i32 = 10;
export const OP_DEPTHWISE_CONV2D: i32 = 11;

export const OP_MAX_POOL2D: i32 = 20;
export const OP_AVG_POOL2D: i32 = 21;
export const OP_MEAN: i32 = 22;

export const OP_ACTIVATION: i32 = 30;
export const OP_SOFTMAX: i32 = 31;
export const OP_LOG_SOFTMAX: i32 = 32;

export const OP_BINARY: i32 = 40;
export const OP_COPY_STRIDED: i32 = 41;
export const OP_TRANSPOSE: i32 = 42;

export const OP_GRU: i32 = 50;
export const OP_LSTM: i32 = 51;

export const OP_FFT: i32 = 60;
