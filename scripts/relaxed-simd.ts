// Tests and benchmarks cover the relaxed-SIMD build too. Node 22+ (like
// Chrome 114+) runs relaxed SIMD as is; Node 20 has it behind a V8 flag. On
// such an engine ensureRelaxedSimd() runs the calling script again with the
// flag, passes the exit code on and never returns; elsewhere it returns
// whether this process can run the relaxed build.
import { spawnSync } from 'node:child_process';
import { engineSupportsRelaxedSimd } from '../src/runtime/wasm.ts';

export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

export function ensureRelaxedSimd(): boolean {
  if (engineSupportsRelaxedSimd()) return true;
  if (process.execArgv.includes(RELAXED_SIMD_FLAG)) return false;
  const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout ?? '';
  if (!options.includes(RELAXED_SIMD_FLAG)) return false;
  const child = spawnSync(process.execPath, [RELAXED_SIMD_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
