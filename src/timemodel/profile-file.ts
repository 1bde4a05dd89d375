// The saved profile: what `tinysense profile` writes and everything that
// reads it (predict, inspect --time-model, --explain). It records the
// machine, the runtime that was timed, and per wasm build the per-inference
// overhead, the FLOPs baseline and one model tree per op class with its
// held-out error. Reading checks every field, and refuses a profile from
// another schema or tinysense version (its kernels time differently).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../errors.ts';
import { WASM_BUILDS, WASM_FILES, type WasmBuild } from '../runtime/wasm.ts';
import { CLASS_FEATURES, OP_CLASSES, type OpClass } from './features.ts';
import { countLeaves, treeLeaves, type LinearModel, type ModelTree, type TreeNode } from './tree.ts';

export const PROFILE_SCHEMA = 'tinysense-time-profile';
export const PROFILE_SCHEMA_VERSION = 1;

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  arch: string;
}

export interface ClassProfile {
  tree: ModelTree;
  samples: number;
  leaves: number;
  /** On the rows held out from growing the tree: share within +-10 % and RMSPE (fractions). */
  validation: { rows: number; within10: number; rmspe: number };
}

export interface BuildProfile {
  /** SHA-256 of the wasm build that was timed: other kernels time differently. */
  wasmSha256: string;
  /** Paid once per inference, whatever the model. */
  overheadUs: number;
  /** The FLOPs-proportional baseline: one constant time per MAC. */
  usPerMac: number;
  classes: Partial<Record<OpClass, ClassProfile>>;
}

export interface TimeProfile {
  schema: typeof PROFILE_SCHEMA;
  schemaVersion: number;
  tinysenseVersion: string;
  createdAt: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  builds: Partial<Record<WasmBuild, BuildProfile>>;
}

let cachedRoot: string | null | undefined;

/** The folder of tinysense's package.json (above src/ or dist/), or null. */
function packageRoot(): string | null {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'tinysense') return (cachedRoot = dir);
    } catch {
      // not ours; keep looking
    }
  }
  return (cachedRoot = null);
}

/** The version of the running tinysense, from its package.json. */
export function runtimeVersion(): string {
  const root = packageRoot();
  if (!root) return 'unknown';
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
}

/** SHA-256 (hex) of the installed wasm build, or '' when it cannot be read. */
export function kernelsHash(build: WasmBuild): string {
  const root = packageRoot();
  const file = root ? path.join(root, 'wasm', WASM_FILES[build]) : '';
  if (!file || !existsSync(file)) return '';
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function readProfileFile(file: string): TimeProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail('IO_FILE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: { file }, cause: e });
  }
  return parseProfile(text, file);
}

/** Parses and checks a profile; throws TIMEMODEL_PROFILE naming the field that is wrong. */
export function parseProfile(text: string, file?: string): TimeProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail('TIMEMODEL_PROFILE', `the profile is not JSON: ${(e as Error).message}`, { where: { file }, cause: e });
  }
  const bad = (field: string, expected: string, found: unknown): never =>
    fail('TIMEMODEL_PROFILE', 'the profile is malformed', { where: { file, field }, expected, found: describe(found) });
  if (!isObject(raw)) return bad('(top level)', 'an object', raw);
  if (raw.schema !== PROFILE_SCHEMA) bad('schema', JSON.stringify(PROFILE_SCHEMA), raw.schema);
  if (raw.schemaVersion !== PROFILE_SCHEMA_VERSION) {
    fail('TIMEMODEL_PROFILE', 'the profile was written for another profile schema version', { where: { file, field: 'schemaVersion' }, expected: PROFILE_SCHEMA_VERSION, found: describe(raw.schemaVersion) });
  }
  if (typeof raw.tinysenseVersion !== 'string') bad('tinysenseVersion', 'a version string', raw.tinysenseVersion);
  if (raw.tinysenseVersion !== runtimeVersion()) {
    fail('TIMEMODEL_PROFILE', 'the profile was made by another tinysense version, whose kernels time differently', { where: { file, field: 'tinysenseVersion' }, expected: runtimeVersion(), found: raw.tinysenseVersion as string });
  }
  if (raw.mode !== 'quick' && raw.mode !== 'full') bad('mode', '"quick" or "full"', raw.mode);
  if (typeof raw.createdAt !== 'string') bad('createdAt', 'a date string', raw.createdAt);
  const m = raw.machine;
  if (!isObject(m) || typeof m.cpu !== 'string' || typeof m.node !== 'string' || typeof m.platform !== 'string' || typeof m.arch !== 'string' || !isCount(m.cores)) {
    bad('machine', '{cpu, cores, node, platform, arch}', m);
  }
  const buildNames = WASM_BUILDS.map((b) => `"${b}"`).join(', ');
  if (!isObject(raw.builds) || Object.keys(raw.builds).length === 0) bad('builds', `an object with entries among ${buildNames}`, raw.builds);
  for (const [build, bp] of Object.entries(raw.builds as object)) {
    const where = `builds.${build}`;
    if (!(WASM_BUILDS as readonly string[]).includes(build)) bad(where, `one of ${buildNames}`, build);
    if (!isObject(bp)) return bad(where, 'an object', bp);
    if (typeof bp.wasmSha256 !== 'string') bad(`${where}.wasmSha256`, 'a hex string', bp.wasmSha256);
    const installed = kernelsHash(build as WasmBuild);
    if (installed && bp.wasmSha256 !== installed) {
      fail('TIMEMODEL_PROFILE', `the ${build} kernels changed since the profile was made (rebuilt or upgraded wasm), so its times no longer hold`, {
        where: { file, field: `${where}.wasmSha256` }, expected: `${installed.slice(0, 16)}...`, found: `${String(bp.wasmSha256).slice(0, 16)}...`,
      });
    }
    if (!isNonNegative(bp.overheadUs)) bad(`${where}.overheadUs`, 'a number >= 0', bp.overheadUs);
    if (!isNonNegative(bp.usPerMac)) bad(`${where}.usPerMac`, 'a number >= 0', bp.usPerMac);
    if (!isObject(bp.classes)) return bad(`${where}.classes`, 'an object', bp.classes);
    for (const [cls, cp] of Object.entries(bp.classes)) {
      const cw = `${where}.classes.${cls}`;
      if (!(OP_CLASSES as readonly string[]).includes(cls)) bad(cw, `one of ${OP_CLASSES.join(', ')}`, cls);
      if (!isObject(cp)) return bad(cw, 'an object', cp);
      if (!isCount(cp.samples)) bad(`${cw}.samples`, 'a count', cp.samples);
      const v = cp.validation;
      if (!isObject(v) || !isCount(v.rows) || !isNonNegative(v.within10) || !isNonNegative(v.rmspe)) bad(`${cw}.validation`, '{rows, within10, rmspe}', v);
      const tree = cp.tree;
      if (!isObject(tree) || !Array.isArray(tree.features)) return bad(`${cw}.tree`, '{features, root}', tree);
      const want = CLASS_FEATURES[cls as OpClass].features;
      if (tree.features.length !== want.length || tree.features.some((f, i) => f !== want[i])) {
        fail('TIMEMODEL_PROFILE', `the ${cls} tree uses other features than this runtime computes`, { where: { file, field: `${cw}.tree.features` }, expected: want.join(', '), found: describe(tree.features) });
      }
      checkNode(tree.root, want.length, `${cw}.tree.root`, bad, 0);
      if (cp.leaves !== countLeaves(tree.root as TreeNode)) bad(`${cw}.leaves`, String(countLeaves(tree.root as TreeNode)), cp.leaves);
    }
  }
  return raw as unknown as TimeProfile;
}

function checkNode(node: unknown, nf: number, where: string, bad: (f: string, e: string, found: unknown) => never, depth: number): void {
  if (depth > 64 || !isObject(node)) return bad(where, 'a tree node', node);
  if ('split' in node) {
    const s = node.split;
    if (!isObject(s) || !isIndex(s.feature, nf) || typeof s.threshold !== 'number' || !Number.isFinite(s.threshold)) return bad(`${where}.split`, '{feature, threshold, le, gt}', s);
    checkNode(s.le, nf, `${where}.split.le`, bad, depth + 1);
    checkNode(s.gt, nf, `${where}.split.gt`, bad, depth + 1);
    return;
  }
  const m = node.model;
  if (!isObject(m) || !isFinite(m.intercept) || !Array.isArray(m.terms) || !isCount(node.rows)) return bad(where, '{model: {intercept, terms}, rows}', node);
  for (const t of m.terms) {
    if (!Array.isArray(t) || t.length !== 2 || !isIndex(t[0], nf) || !isFinite(t[1])) bad(`${where}.model.terms`, '[feature index, slope] pairs', t);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonNegative = (v: unknown): v is number => isFinite(v) && v >= 0;
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isIndex = (v: unknown, n: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < n;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ---------------------------------------------------------------------------
// --explain: each tree as a list of rules, one per leaf.

export function explainProfile(p: TimeProfile): string {
  const m = p.machine;
  const lines = [
    `time-model profile (${p.mode}) made ${p.createdAt} by tinysense ${p.tinysenseVersion}`,
    `machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform} ${m.arch}`,
  ];
  for (const [build, bp] of Object.entries(p.builds) as [WasmBuild, BuildProfile][]) {
    lines.push('', `== ${build} build: per-inference overhead ${fmtUs(bp.overheadUs)}; FLOPs baseline ${fmtSlope(bp.usPerMac)} x MACs`);
    for (const cls of OP_CLASSES) {
      const cp = bp.classes[cls];
      if (!cp) continue;
      lines.push('', `${cls}: ${cp.leaves} leaves from ${cp.samples} samples; held-out ${(cp.validation.within10 * 100).toFixed(0)} % within +-10 %, RMSPE ${(cp.validation.rmspe * 100).toFixed(1)} % (${cp.validation.rows} rows)`);
      lines.push(...explainTree(cp.tree).map((l) => `  ${l}`));
    }
  }
  return lines.join('\n');
}

/** One line per leaf: `conditions -> t = a us + b ns x feature ...`. */
export function explainTree(tree: ModelTree): string[] {
  return treeLeaves(tree).map((leaf) => {
    const conds = [...leaf.bounds.entries()].map(([f, [lo, hi]]) => describeBounds(tree.features[f], lo, hi));
    return `${conds.length ? conds.join(' and ') : 'always'} -> t = ${describeModel(tree.features, leaf.model)}  (${leaf.rows} samples)`;
  });
}

function describeBounds(name: string, lo: number, hi: number): string {
  // Every feature is an integer, and thresholds sit between two observed values.
  const loI = Number.isFinite(lo) ? Math.floor(lo) + 1 : -Infinity;
  const hiI = Number.isFinite(hi) ? Math.floor(hi) : Infinity;
  if (loI === hiI) return `${name} == ${loI}`;
  if (name.includes('%') && loI === 1 && !Number.isFinite(hiI)) return `${name} != 0`;
  // Remainders, counts and codes are never negative.
  if (!Number.isFinite(loI)) return hiI === 0 ? `${name} == 0` : `${name} <= ${fmtInt(hiI)}`;
  if (!Number.isFinite(hiI)) return `${name} >= ${fmtInt(loI)}`;
  return `${fmtInt(loI)} <= ${name} <= ${fmtInt(hiI)}`;
}

export function describeModel(features: readonly string[], m: LinearModel): string {
  const parts = [fmtUs(m.intercept)];
  for (const [j, slope] of m.terms) parts.push(`${fmtSlope(slope)} x ${features[j]}`);
  return parts.join(' + ').replace('+ -', '- ');
}

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

function fmtUs(us: number): string {
  return `${us.toPrecision(3)} us`;
}

/** A slope in us per unit, in the unit that keeps it readable. */
function fmtSlope(us: number): string {
  const a = Math.abs(us);
  if (a >= 1) return `${us.toPrecision(3)} us`;
  if (a >= 1e-3) return `${(us * 1e3).toPrecision(3)} ns`;
  return `${(us * 1e6).toPrecision(3)} ps`;
}
