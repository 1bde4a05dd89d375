// Published MLPerf Tiny results (int8 reference models, one inference):
// median latency from performance/results.txt and median energy from
// energy/results.txt of each submission. The cost model's constants are
// fitted to the `fit` rows by bench/calibrate; `holdout` rows are never
// fitted and show how the constants generalise to another architecture.
import type { MlperfTask } from './mlperf-models.ts';
import type { Quality } from './profile.ts';

export interface MlperfResult {
  target: string;
  /** Which kernel quality of the profile the runtime stands for. */
  quality: Quality;
  runtime: string;
  task: MlperfTask;
  latencyMs: number;
  /** Absent where the submission has no energy run. */
  energyUj?: number;
  use: 'fit' | 'holdout';
  source: string;
}

const V05_REF = 'mlcommons/tiny_results_v0.5 closed/reference/results/Nucleo-L4R5ZI/<task>/{performance,energy}/results.txt';
const V11_ST = (board: string) => `mlcommons/tiny_results_v1.1 closed/STMicroelectronics/results/${board}/<task>/{performance,energy}/results.txt`;
const LEIP = 'mlcommons/tiny_results (Latent AI LEIP submission, Raspberry Pi 4, int8), performance/results.txt; figures as quoted in issue 3';

export const MLPERF_RESULTS: MlperfResult[] = [
  // Reference submission v0.5: TFLM 2.3.1 with its CMSIS-NN kernels, mbed-os, 1.8 V.
  { target: 'stm32l4r5', quality: 'reference', runtime: 'TFLM 2.3.1 + CMSIS-NN', task: 'kws', latencyMs: 181.92, energyUj: 7374, use: 'fit', source: V05_REF },
  { target: 'stm32l4r5', quality: 'reference', runtime: 'TFLM 2.3.1 + CMSIS-NN', task: 'ic', latencyMs: 704.23, energyUj: 29207, use: 'fit', source: V05_REF },
  { target: 'stm32l4r5', quality: 'reference', runtime: 'TFLM 2.3.1 + CMSIS-NN', task: 'ad', latencyMs: 10.05, energyUj: 416, use: 'fit', source: V05_REF },
  { target: 'stm32l4r5', quality: 'reference', runtime: 'TFLM 2.3.1 + CMSIS-NN', task: 'vww', latencyMs: 600.6, energyUj: 24313, use: 'holdout', source: V05_REF },
  // STMicroelectronics v1.1: X-CUBE-AI 8.1.
  { target: 'stm32l4r5', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'kws', latencyMs: 62.87, energyUj: 2833, use: 'fit', source: V11_ST('NUCLEO_L4R5ZI') },
  { target: 'stm32l4r5', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'ic', latencyMs: 214.0, energyUj: 7019, use: 'fit', source: V11_ST('NUCLEO_L4R5ZI') },
  { target: 'stm32l4r5', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'ad', latencyMs: 6.86, energyUj: 294, use: 'fit', source: V11_ST('NUCLEO_L4R5ZI') },
  { target: 'stm32l4r5', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'vww', latencyMs: 118.69, energyUj: 5618, use: 'holdout', source: V11_ST('NUCLEO_L4R5ZI') },
  { target: 'stm32h7a3', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'kws', latencyMs: 15.35, energyUj: 1869, use: 'fit', source: V11_ST('NUCLEO_H7A3ZI_Q') },
  { target: 'stm32h7a3', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'ic', latencyMs: 51.95, energyUj: 6311, use: 'fit', source: V11_ST('NUCLEO_H7A3ZI_Q') },
  { target: 'stm32h7a3', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'ad', latencyMs: 1.82, energyUj: 221, use: 'fit', source: V11_ST('NUCLEO_H7A3ZI_Q') },
  // Latency from the energy run (33.864 inf/s): this submission has no VWW performance run.
  { target: 'stm32h7a3', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'vww', latencyMs: 29.53, energyUj: 3699, use: 'holdout', source: V11_ST('NUCLEO_H7A3ZI_Q') },
  { target: 'stm32u575', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'kws', latencyMs: 38.58, energyUj: 1004, use: 'fit', source: V11_ST('NUCLEO_U575ZI_Q') },
  { target: 'stm32u575', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'ic', latencyMs: 128.21, energyUj: 3384, use: 'fit', source: V11_ST('NUCLEO_U575ZI_Q') },
  { target: 'stm32u575', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'ad', latencyMs: 4.85, energyUj: 121, use: 'fit', source: V11_ST('NUCLEO_U575ZI_Q') },
  { target: 'stm32u575', quality: 'optimized', runtime: 'X-CUBE-AI 8.1', task: 'vww', latencyMs: 71.56, energyUj: 1921, use: 'holdout', source: V11_ST('NUCLEO_U575ZI_Q') },
  // Latent AI LEIP on a Raspberry Pi 4 (int8): no energy measured.
  { target: 'rpi4', quality: 'optimized', runtime: 'LEIP (int8)', task: 'kws', latencyMs: 0.421, use: 'fit', source: LEIP },
  { target: 'rpi4', quality: 'optimized', runtime: 'LEIP (int8)', task: 'ic', latencyMs: 1.07, use: 'fit', source: LEIP },
];

/** The calibration tolerance the profiles must meet on every `fit` row. */
export const CALIBRATION_TOLERANCE = { latency: 0.15, energy: 0.25 } as const;
