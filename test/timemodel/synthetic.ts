// A profile with a synthetic dense tree, for tests that must not time anything.
import { CLASS_FEATURES } from '../../src/timemodel/features.ts';
import { fitModelTree } from '../../src/timemodel/tree.ts';
import { kernelsHash, PROFILE_SCHEMA, PROFILE_SCHEMA_VERSION, runtimeVersion, type TimeProfile } from '../../src/timemodel/profile-file.ts';

/** A profile with a synthetic dense tree: 0.1 us + 1 ns x padded MACs, 3x slower when n % 8 != 0. */
export function syntheticProfile(): TimeProfile {
  const spec = CLASS_FEATURES.dense;
  const idx = (n: string) => spec.features.indexOf(n);
  const X: number[][] = [];
  const y: number[] = [];
  for (let n = 1; n <= 40; n++) {
    for (const k of [8, 16, 32, 64]) {
      const row = spec.features.map(() => 0);
      row[idx('padded MACs')] = k * Math.ceil(n / 8) * 8;
      row[idx('n % 8')] = n % 8;
      row[idx('n')] = n;
      row[idx('k')] = k;
      X.push(row);
      y.push(0.1 + (n % 8 === 0 ? 1 : 3) * 1e-3 * row[idx('padded MACs')]);
    }
  }
  const fit = fitModelTree(X, y, { featureNames: [...spec.features], regressors: [idx('padded MACs')] });
  return {
    schema: PROFILE_SCHEMA,
    schemaVersion: PROFILE_SCHEMA_VERSION,
    tinysenseVersion: runtimeVersion(),
    createdAt: '2025-01-01T00:00:00.000Z',
    mode: 'quick',
    machine: { cpu: 'test CPU', cores: 2, node: 'v20', platform: 'linux', arch: 'x64' },
    builds: { simd: { wasmSha256: kernelsHash('simd'), overheadUs: 0.5, usPerMac: 2e-3, classes: { dense: { tree: fit.tree, samples: y.length, leaves: fit.leaves, validation: { rows: fit.validationRows, within10: 1, rmspe: 0 } } } } },
  };
}
