// Seeded augmentations for windows of raw sensor values, applied to each
// training batch: additive Gaussian noise, random scaling per channel,
// small random rotations of each 3-axis sensor, and time shifts. Jitter,
// scaling and rotation are the wearable-sensor augmentations of Um et al.,
// "Data augmentation of wearable sensor data for Parkinson's disease
// monitoring using convolutional neural networks" (ICMI 2017); a rotation
// models the watch sitting at another angle on the wrist, so one rotation
// per window turns every 3-axis sensor of the device alike (they are
// rigidly mounted together). Mirror and turn model the other ways people wear
// a watch (other wrist; upside down), seen in WISDM as participants whose
// gravity axis is flipped while walking. A time warp (Um et al. again)
// replays a window faster or slower, as people walk, eat or brush their
// teeth at their own pace.
//
// Windows are channels-last x [count, length, channels], changed in place.
// Order per window: time shift, time warp, mirror, turn, rotation, scaling, noise.
import { fail } from '../errors.ts';
import type { Rng } from '../util/rng.ts';

export interface AugmentOptions {
  /** Standard deviation of additive Gaussian noise, one value for all channels or one per channel (raw units). */
  noise?: number | number[];
  /** Scaling factor per channel drawn from N(1, scale^2). */
  scale?: number;
  /** Largest rotation angle in radians (uniform axis, angle uniform in [-rotation, rotation]). */
  rotation?: number;
  /** First channel of each 3-axis sensor the rotation turns (e.g. [0, 3] for accel xyz + gyro xyz). */
  rotationGroups?: number[];
  /** Largest time shift in samples (uniform in [-shift, shift]; the gap repeats the edge sample). */
  shift?: number;
  /**
   * Largest relative change of pace: the window is resampled about its centre
   * at a speed uniform in [1 - warp, 1 + warp] (linear interpolation; reads
   * past either end repeat the edge sample, as a shift does).
   */
  warp?: number;
  /**
   * Probability of mirroring a window across the device's y-z plane: the
   * watch on the other wrist (left- vs right-handed wearers). A polar vector
   * (acceleration) gets x -> -x; an axial one (angular velocity, listed in
   * axialGroups) gets y, z -> -y, -z, since it picks up the reflection's
   * determinant -1. Applies to the rotation groups.
   */
  mirror?: number;
  /** Probability of turning a window by 180 degrees about the device z axis (the watch worn the other way round): x, y -> -x, -y. */
  turn?: number;
  /** Rotation groups holding axial vectors (gyroscope), for mirror. */
  axialGroups?: number[];
}

/** Augments `count` windows of x [count, length, channels] in place, drawing from `rng`. */
export function augmentWindows(x: Float32Array, count: number, length: number, channels: number, o: AugmentOptions, rng: Rng): void {
  const per = length * channels;
  if (x.length < count * per) fail('RUN_INPUT', 'augmentWindows: x holds fewer values than count windows', { expected: count * per, found: x.length });
  const groups = o.rotationGroups ?? [];
  for (const g of groups) if (!(Number.isInteger(g) && g >= 0 && g + 3 <= channels)) fail('MODEL_ATTRIBUTE', 'a rotation group must start 3 channels before the end', { where: { field: 'rotationGroups' }, expected: `0..${channels - 3}`, found: g });
  const noise = typeof o.noise === 'number' ? new Array<number>(channels).fill(o.noise) : o.noise;
  if (noise && noise.length !== channels) fail('MODEL_ATTRIBUTE', 'one noise deviation per channel', { where: { field: 'noise' }, expected: channels, found: noise.length });
  const gauss = gaussian(rng);
  const rot = new Float64Array(9);
  const tmp = new Float32Array(per);
  for (let w = 0; w < count; w++) {
    const win = x.subarray(w * per, (w + 1) * per);
    if (o.shift) shiftWindow(win, tmp, length, channels, rng.int(-o.shift, o.shift));
    if (o.warp) warpWindow(win, tmp, length, channels, 1 + o.warp * (2 * rng.next() - 1));
    if (o.mirror && rng.next() < o.mirror) {
      for (const g of groups) {
        const axial = o.axialGroups?.includes(g) ?? false;
        for (let t = 0; t < length; t++) {
          const i = t * channels + g;
          if (axial) {
            win[i + 1] = -win[i + 1];
            win[i + 2] = -win[i + 2];
          } else {
            win[i] = -win[i];
          }
        }
      }
    }
    if (o.turn && rng.next() < o.turn) {
      for (const g of groups) {
        for (let t = 0; t < length; t++) {
          const i = t * channels + g;
          win[i] = -win[i];
          win[i + 1] = -win[i + 1];
        }
      }
    }
    if (o.rotation && groups.length > 0) {
      randomRotation(rot, o.rotation, rng, gauss);
      for (const g of groups) rotateAxes(win, length, channels, g, rot);
    }
    if (o.scale) {
      for (let c = 0; c < channels; c++) {
        const f = 1 + o.scale * gauss();
        for (let t = 0; t < length; t++) win[t * channels + c] *= f;
      }
    }
    if (noise) {
      for (let t = 0; t < length; t++) for (let c = 0; c < channels; c++) win[t * channels + c] += noise[c] * gauss();
    }
  }
}

/** win shifted by s samples (positive: later), the gap filled with the edge sample. */
function shiftWindow(win: Float32Array, tmp: Float32Array, length: number, channels: number, s: number): void {
  if (s === 0) return;
  tmp.set(win);
  for (let t = 0; t < length; t++) {
    const from = Math.min(length - 1, Math.max(0, t - s));
    for (let c = 0; c < channels; c++) win[t * channels + c] = tmp[from * channels + c];
  }
}

/** win replayed at `speed` about its centre: sample t reads the original at centre + (t - centre) * speed. */
export function warpWindow(win: Float32Array, tmp: Float32Array, length: number, channels: number, speed: number): void {
  if (speed === 1) return;
  tmp.set(win);
  const centre = (length - 1) / 2;
  for (let t = 0; t < length; t++) {
    const u = Math.min(length - 1, Math.max(0, centre + (t - centre) * speed));
    const i0 = Math.floor(u);
    const i1 = Math.min(length - 1, i0 + 1);
    const f = u - i0;
    for (let c = 0; c < channels; c++) win[t * channels + c] = tmp[i0 * channels + c] * (1 - f) + tmp[i1 * channels + c] * f;
  }
}

/** Row-major 3x3 rotation by a uniform random axis and an angle uniform in [-maxAngle, maxAngle] (Rodrigues' formula). */
export function randomRotation(r: Float64Array, maxAngle: number, rng: Rng, gauss = gaussian(rng)): Float64Array {
  let ax = gauss(), ay = gauss(), az = gauss();
  const norm = Math.hypot(ax, ay, az) || 1;
  ax /= norm; ay /= norm; az /= norm;
  const angle = (rng.next() * 2 - 1) * maxAngle;
  const c = Math.cos(angle), s = Math.sin(angle), v = 1 - c;
  r[0] = c + ax * ax * v;      r[1] = ax * ay * v - az * s; r[2] = ax * az * v + ay * s;
  r[3] = ay * ax * v + az * s; r[4] = c + ay * ay * v;      r[5] = ay * az * v - ax * s;
  r[6] = az * ax * v - ay * s; r[7] = az * ay * v + ax * s; r[8] = c + az * az * v;
  return r;
}

function rotateAxes(win: Float32Array, length: number, channels: number, first: number, r: Float64Array): void {
  for (let t = 0; t < length; t++) {
    const i = t * channels + first;
    const x = win[i], y = win[i + 1], z = win[i + 2];
    win[i] = r[0] * x + r[1] * y + r[2] * z;
    win[i + 1] = r[3] * x + r[4] * y + r[5] * z;
    win[i + 2] = r[6] * x + r[7] * y + r[8] * z;
  }
}

/** Standard normal draws (Box-Muller, both values used). */
export function gaussian(rng: Rng): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const u = 1 - rng.next(), v = rng.next();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
}
