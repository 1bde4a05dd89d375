// Shared by the gradient-check suites: run a backward kernel, compare with
// central finite differences of the f64 reference, remember the worst
// relative error per kernel (printed as a table with TINYSENSE_GRAD_TABLE=1).
import * as assert from 'uvu/assert';
import { relativeError } from '../reference/grad.ts';

/** The bound the issue sets for every backward kernel. */
export const GRAD_RTOL = 1e-3;

const worst = new Map<string, number>();

export function checkGradient(kernel: string, label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  assert.is(got.length, want.length, `${label}: length`);
  const err = relativeError(got, want);
  worst.set(kernel, Math.max(worst.get(kernel) ?? 0, err));
  if (!(err < GRAD_RTOL)) {
    let at = 0;
    for (let i = 0; i < want.length; i++) if (Math.abs(got[i] - want[i]) > Math.abs(got[at] - want[at])) at = i;
    assert.unreachable(`${label}: relative error ${err.toExponential(2)} >= ${GRAD_RTOL}; worst index ${at} expected ${want[at]} got ${got[at]}`);
  }
}

export function printGradientTable(): void {
  if (!process.env.TINYSENSE_GRAD_TABLE) return;
  for (const [k, e] of [...worst].sort()) console.log(`| ${k} | ${e.toExponential(2)} |`);
}
