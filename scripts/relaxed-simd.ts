// Tests and benchmarks cover the relaxed-SIMD build too. Node 22+ (like
// Chrome 114+) runs relaxed SIMD as is; Node 20 has it behind a V8 flag. On
// such an engine ensureRelaxedSimd() runs the calling script again with the
// flag, passes the exit code on and never returns; elsewhere it returns
// whether this process can run the relaxed build.
import { spawnSync } from 'node:child_process';

export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

// The same probe as src/runtime/wasm.ts: f32x4.relaxed_madd in one function.
const PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0,
  32, 0, 32, 0, 32, 0, 253, 133, 2, 11,
]);

export function ensureRelaxedSimd(): boolean {
  if (WebAssembly.validate(PROBE)) return true;
  if (process.execArgv.includes(RELAXED_SIMD_FLAG)) return false;
  const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout ?? '';
  if (!options.includes(RELAXED_SIMD_FLAG)) return false;
  const child = spawnSync(process.execPath, [RELAXED_SIMD_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
