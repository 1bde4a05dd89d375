export { makeRng, type Rng } from '../../src/util/rng.ts';
