// Tolerance checks that say where they failed: index, expected, got, shape, build.
import * as assert from 'uvu/assert';

export interface CloseOptions {
  /** Relative tolerance against max(|expected|) of the whole tensor. */
  rtol: number;
  /** Absolute floor, for outputs near zero. */
  atol?: number;
  label: string;
  shape?: readonly number[];
  build?: string;
}

/** f32 tolerance for a sum of `terms` products: terms x machine epsilon, with headroom. */
export function sumTolerance(terms: number): number {
  return Math.max(1e-6, 4 * Math.max(1, terms) * 2 ** -23);
}

export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, o: CloseOptions): void {
  const where = `${o.label}${o.shape ? ` shape [${o.shape.join(',')}]` : ''}${o.build ? ` build ${o.build}` : ''}`;
  assert.is(got.length, want.length, `${where}: length`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const tol = o.rtol * scale + (o.atol ?? 0);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (!(Math.abs(g - w) <= tol)) {
      assert.unreachable(`${where}: index ${i} expected ${w} got ${g} (|diff| ${Math.abs(g - w)} > tol ${tol})`);
    }
  }
}
