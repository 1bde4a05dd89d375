// Seeded randomness (mulberry32) for initialisers, tests and benchmarks:
// every run, and every failing test case, can be replayed from its seed.
export function makeRng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** Integer in [lo, hi]. */
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    /** Uniform floats in [-scale, scale). */
    floats: (n: number, scale = 1) => {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = (next() * 2 - 1) * scale;
      return a;
    },
  };
}
export type Rng = ReturnType<typeof makeRng>;
