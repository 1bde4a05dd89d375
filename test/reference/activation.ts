// Reference activations in f64, straight from their definitions (ONNX operator docs).
export type ActivationSpec =
  | { kind: 'none' | 'relu' | 'sigmoid' | 'tanh' | 'hardSwish' }
  | { kind: 'clip'; min: number; max: number }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'hardSigmoid'; alpha: number; beta: number };

export function applyActivation(v: number, a: ActivationSpec): number {
  switch (a.kind) {
    case 'none': return v;
    case 'relu': return Math.max(0, v);
    case 'clip': return Math.min(Math.max(v, a.min), a.max);
    case 'leakyRelu': return v >= 0 ? v : a.alpha * v;
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'tanh': return Math.tanh(v);
    case 'hardSwish': return (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
    case 'hardSigmoid': return Math.min(Math.max(a.alpha * v + a.beta, 0), 1);
  }
}

/** The kernel ABI's (code, p0, p1) for a spec; mirrors assembly/kernels/activation.ts. */
export function activationAbi(a: ActivationSpec): [number, number, number] {
  switch (a.kind) {
    case 'none': return [0, 0, 0];
    case 'relu': return [1, 0, 0];
    case 'clip': return [2, a.min, a.max];
    case 'leakyRelu': return [3, a.alpha, 0];
    case 'sigmoid': return [4, 0, 0];
    case 'tanh': return [5, 0, 0];
    case 'hardSwish': return [6, 0, 0];
    case 'hardSigmoid': return [7, a.alpha, a.beta];
  }
}

export const ALL_ACTIVATIONS: ActivationSpec[] = [
  { kind: 'none' }, { kind: 'relu' }, { kind: 'clip', min: 0, max: 6 }, { kind: 'clip', min: -0.5, max: 0.25 },
  { kind: 'leakyRelu', alpha: 0.1 }, { kind: 'sigmoid' }, { kind: 'tanh' }, { kind: 'hardSwish' },
  { kind: 'hardSigmoid', alpha: 0.2, beta: 0.5 },
];
