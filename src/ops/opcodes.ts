// Mirror of assembly/opcodes.ts (a test keeps the two equal).
export const OPCODES = {
  DENSE: 1,
  CONV2D: 10,
  DEPTHWISE_CONV2D: 11,
  MAX_POOL2D: 20,
  AVG_POOL2D: 21,
  MEAN: 22,
  ACTIVATION: 30,
  SOFTMAX: 31,
  LOG_SOFTMAX: 32,
  BINARY: 40,
  COPY_STRIDED: 41,
  TRANSPOSE: 42,
  GRU: 50,
  LSTM: 51,
  FFT: 60,
} as const;
