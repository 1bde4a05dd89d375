// This CPU's WebAssembly SIMD f32 roofline: the most f32x4 multiplies and
// adds per second that the engine's code reaches with no memory traffic.
// Every GEMM and conv figure is reported as a percentage of it.
//
// The loop keeps 12 independent chains `acc = acc * m + c` in registers (12
// accumulators + 2 constants, within the 16 SIMD registers x64 engines use).
// Each step depends on the previous one, so nothing can be hoisted out of
// the loop or folded; with a multiply and an add latency of ~3 cycles each,
// 12 chains keep two multiply and two add pipes busy. m = 0.5, c = 1 make
// every chain converge to 2, so no denormals or infinities slow it down.
// A second variant runs separate multiply chains (x * -1) and add chains
// (x + 1) and the faster of the two is the roofline.
//
// Written as WebAssembly text and assembled by binaryen here, so the bench
// module never ships and no optimiser rewrites the loop.
import binaryen from 'binaryen';

const CHAINS = 12;
// Steps per loop iteration: the branch and the engine's interrupt check
// per iteration would otherwise take issue slots from the arithmetic.
const UNROLL = 8;

/**
 * A function `name`(n) running CHAINS independent v128 chains for n x UNROLL
 * steps, each chain updated by `step(i)`, $m and $c splats of `m` and 1.
 */
function chainsWat(name: string, m: number, step: (i: number) => string): string {
  const locals = Array.from({ length: CHAINS }, (_, i) => `(local $a${i} v128)`).join(' ');
  const init = Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} (f32x4.splat (f32.const ${i + 1})))`).join('\n');
  const body = Array(UNROLL).fill(Array.from({ length: CHAINS }, (_, i) => step(i)).join('\n')).join('\n');
  const sum = Array.from({ length: CHAINS - 1 }, (_, i) => `(local.set $a0 (f32x4.add (local.get $a0) (local.get $a${i + 1})))`).join('\n');
  return `(func $${name} (export "${name}") (param $n i32) (result f32) (local $m v128) (local $c v128) ${locals}
    (local.set $m (f32x4.splat (f32.const ${m})))
    (local.set $c (f32x4.splat (f32.const 1)))
    ${init}
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      ${body}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    ${sum}
    (f32x4.extract_lane 0 (local.get $a0)))`;
}

// Every chain a multiply and an add per step.
const fusedChainsWat = () => chainsWat('fused', 0.5, (i) => `(local.set $a${i} (f32x4.add (f32x4.mul (local.get $a${i}) (local.get $m)) (local.get $c)))`);

// Half the chains multiply, half add: the same operations, no dependence between them.
const splitChainsWat = () =>
  chainsWat('split', -1, (i) =>
    i < CHAINS / 2 ? `(local.set $a${i} (f32x4.mul (local.get $a${i}) (local.get $m)))` : `(local.set $a${i} (f32x4.add (local.get $a${i}) (local.get $c)))`,
  );

let cached: WebAssembly.Instance | undefined;

function instance(): WebAssembly.Instance {
  if (cached) return cached;
  const mod = binaryen.parseText(`(module ${fusedChainsWat()} ${splitChainsWat()})`);
  try {
    mod.setFeatures(binaryen.Features.SIMD128);
    if (!mod.validate()) throw new Error('roofline module does not validate');
    cached = new WebAssembly.Instance(new WebAssembly.Module(mod.emitBinary() as BufferSource), {});
  } finally {
    mod.dispose();
  }
  return cached;
}

/** Flops of one loop iteration of the fused variant (4 lanes per operation; split does half). */
const FLOPS_PER_ITERATION = UNROLL * CHAINS * 2 * 4;

/**
 * Peak f32x4 GFLOP/s (a multiply or an add of 4 lanes counts 4): the best of
 * `rounds` runs of ~2 ms of each variant. Best-of, since a peak is what the
 * core can do, and other processes only ever take from it.
 */
export function measureRooflineGflops(rounds = 40): number {
  const ex = instance().exports as Record<'fused' | 'split', (n: number) => number>;
  let best = 0;
  for (const name of ['fused', 'split'] as const) {
    const fn = ex[name];
    const flops = name === 'fused' ? FLOPS_PER_ITERATION : FLOPS_PER_ITERATION / 2;
    // Liftoff code runs a call to its end, so tier up with many short calls
    // (TurboFan compiles in the background) before timing.
    const until = performance.now() + 30;
    while (performance.now() < until) fn(1000);
    for (let r = 0; r < rounds; r++) {
      const n = 100_000 / UNROLL;
      const t0 = performance.now();
      fn(n);
      best = Math.max(best, (n * flops) / ((performance.now() - t0) / 1000) / 1e9);
    }
  }
  return best;
}

// Run directly (not when bundled into another script, whose own path argv[1] then is).
if (process.argv[1]?.endsWith('roofline.ts') && import.meta.url === `file://${process.argv[1]}`) {
  console.log(`roofline ${measureRooflineGflops().toFixed(1)} GFLOP/s`);
}
