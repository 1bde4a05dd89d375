// Target profiles: one JSON file per board in targets/, validated here on
// load. Every number carries the sources it came from (keys of the profile's
// `references`), and `provisional: true` when no published measurement backs
// it (derived by analogy, or a datasheet figure for a different workload).
// docs/targets.md describes the schema.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../errors.ts';
import type { TargetBudget } from '../runtime/budget.ts';

export const KERNEL_CLASSES = ['dense', 'conv', 'depthwise', 'recurrent', 'elementwise'] as const;
export type KernelClass = (typeof KERNEL_CLASSES)[number];
export const QUALITIES = ['reference', 'optimized'] as const;
export type Quality = (typeof QUALITIES)[number];
export const COST_DTYPES = ['f32', 'int8'] as const;
export type CostDType = (typeof COST_DTYPES)[number];

/** A number and where it came from. */
export interface Sourced {
  value: number;
  sources: string[];
  provisional: boolean;
  note?: string;
}

export interface KernelCosts {
  /** Fixed cost of dispatching one op (interpreter, requantisation set-up), in cycles. */
  overheadCycles: Sourced;
  /** Cycles per multiply-accumulate (per element for `elementwise`), by class and dtype. */
  cyclesPerMac: Record<KernelClass, Record<CostDType, Sourced>>;
}

export interface TargetProfile {
  name: string;
  board: string;
  kind: 'mcu' | 'gateway';
  core: string;
  cores: number;
  features: { simd: boolean; dsp: boolean; fpu: 'none' | 'sp' | 'dp' };
  clockHz: Sourced;
  sramBytes: Sourced;
  flashBytes: Sourced;
  activePowerW: Sourced;
  idlePowerW: Sourced;
  runtime: { sramOverheadBytes: Sourced; flashCodeBytes: Sourced };
  /** The GOP/W range measured for this class of device; estimates outside it are flagged. */
  plausibleGopPerW: { min: Sourced; max: Sourced };
  kernels: Record<Quality, KernelCosts>;
  references: Record<string, string>;
  /** What loadModel({ target }) enforces. */
  budget: TargetBudget;
  /** The file it was read from (for messages). */
  file: string;
}

/** targets/ next to the sources (src/targets/) or the bundle (dist/). */
export function targetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../../targets', '../targets']) {
    const dir = path.resolve(here, rel);
    if (existsSync(path.join(dir, 'stm32l4r5.json'))) return dir;
  }
  return fail('TARGET_PROFILE', 'cannot find the targets/ folder with the profiles', { where: { file: path.resolve(here, '../../targets') } });
}

export function listTargetNames(dir = targetsDir()): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

/** Loads a profile by name (targets/<name>.json) or by path to a JSON file. */
export function loadTarget(nameOrFile: string, dir?: string): TargetProfile {
  const isFile = nameOrFile.endsWith('.json') || nameOrFile.includes('/') || nameOrFile.includes(path.sep);
  const base = dir ?? (isFile ? '' : targetsDir());
  const file = isFile ? nameOrFile : path.join(base, `${nameOrFile}.json`);
  if (!existsSync(file)) {
    const known = isFile ? '' : `; known targets: ${listTargetNames(base).join(', ')}`;
    return fail('TARGET_PROFILE', `no target profile "${nameOrFile}"${known}`, { where: { file: displayPath(file) } });
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return fail('TARGET_PROFILE', `target profile is not valid JSON: ${(e as Error).message}`, { where: { file: displayPath(file) }, cause: e });
  }
  return parseTargetProfile(json, displayPath(file));
}

export function loadAllTargets(dir = targetsDir()): TargetProfile[] {
  return listTargetNames(dir).map((n) => loadTarget(n, dir));
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

// ---------------------------------------------------------------------------
// Schema: a small hand-written checker so every message names file and field.

type Json = Record<string, unknown>;

class Reader {
  constructor(readonly file: string) {}

  bad(field: string, message: string, expected: string, found: unknown): never {
    return fail('TARGET_PROFILE', `target profile field ${message}`, { where: { file: this.file, field }, expected, found: JSON.stringify(found) ?? 'nothing' });
  }

  object(v: unknown, field: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.bad(field, 'is not an object', 'an object', v);
    return v as Json;
  }

  string(v: unknown, field: string): string {
    if (typeof v !== 'string' || v.length === 0) this.bad(field, 'is not a non-empty string', 'a string', v);
    return v as string;
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    if (!allowed.includes(v as T)) this.bad(field, 'has an unknown value', allowed.join(' | '), v);
    return v as T;
  }

  bool(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.bad(field, 'is not a boolean', 'true or false', v);
    return v as boolean;
  }

  positiveInt(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.bad(field, 'is not a positive integer', 'an integer >= 1', v);
    return v as number;
  }

  /** { value, sources, provisional?, note? }; `integer` for byte counts and clocks. */
  sourced(v: unknown, field: string, references: Record<string, string>, { integer = false, allowZero = false } = {}): Sourced {
    const o = this.object(v, field);
    const value = o.value;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || (integer && !Number.isInteger(value))) {
      this.bad(`${field}.value`, `is not a ${integer ? 'positive integer' : 'positive number'}`, `a${integer ? 'n integer' : ' number'} ${allowZero ? '>= 0' : '> 0'}`, value);
    }
    const sources = o.sources;
    if (!Array.isArray(sources) || sources.length === 0) this.bad(`${field}.sources`, 'must list at least one source', 'a non-empty array of reference keys', sources);
    (sources as unknown[]).forEach((s, i) => {
      if (typeof s !== 'string' || !(s in references)) this.bad(`${field}.sources[${i}]`, 'names no entry of references', Object.keys(references).join(' | '), s);
    });
    const provisional = o.provisional === undefined ? false : this.bool(o.provisional, `${field}.provisional`);
    const out: Sourced = { value: value as number, sources: sources as string[], provisional };
    if (o.note !== undefined) out.note = this.string(o.note, `${field}.note`);
    for (const k of Object.keys(o)) {
      if (!['value', 'sources', 'provisional', 'note'].includes(k)) this.bad(`${field}.${k}`, 'is not part of the schema', 'value, sources, provisional, note', k);
    }
    return out;
  }
}

export function parseTargetProfile(json: unknown, file = '<profile>'): TargetProfile {
  const r = new Reader(file);
  const o = r.object(json, '(root)');
  const refsObj = r.object(o.references, 'references');
  const references: Record<string, string> = {};
  for (const [k, v] of Object.entries(refsObj)) references[k] = r.string(v, `references.${k}`);

  const name = r.string(o.name, 'name');
  const expectedName = path.basename(file, '.json');
  if (file.endsWith('.json') && name !== expectedName) r.bad('name', 'does not match the file name', expectedName, name);
  const features = r.object(o.features, 'features');
  const runtime = r.object(o.runtime, 'runtime');
  const plausible = r.object(o.plausibleGopPerW, 'plausibleGopPerW');
  const kernelsObj = r.object(o.kernels, 'kernels');
  const kernels = {} as Record<Quality, KernelCosts>;
  for (const q of QUALITIES) {
    const kq = r.object(kernelsObj[q], `kernels.${q}`);
    const cpmObj = r.object(kq.cyclesPerMac, `kernels.${q}.cyclesPerMac`);
    const cyclesPerMac = {} as KernelCosts['cyclesPerMac'];
    for (const c of KERNEL_CLASSES) {
      const byDtype = r.object(cpmObj[c], `kernels.${q}.cyclesPerMac.${c}`);
      cyclesPerMac[c] = {} as Record<CostDType, Sourced>;
      for (const d of COST_DTYPES) cyclesPerMac[c][d] = r.sourced(byDtype[d], `kernels.${q}.cyclesPerMac.${c}.${d}`, references);
    }
    kernels[q] = { overheadCycles: r.sourced(kq.overheadCycles, `kernels.${q}.overheadCycles`, references, { allowZero: true }), cyclesPerMac };
  }

  const profile: TargetProfile = {
    name,
    board: r.string(o.board, 'board'),
    kind: r.oneOf(o.kind, 'kind', ['mcu', 'gateway'] as const),
    core: r.string(o.core, 'core'),
    cores: r.positiveInt(o.cores, 'cores'),
    features: { simd: r.bool(features.simd, 'features.simd'), dsp: r.bool(features.dsp, 'features.dsp'), fpu: r.oneOf(features.fpu, 'features.fpu', ['none', 'sp', 'dp'] as const) },
    clockHz: r.sourced(o.clockHz, 'clockHz', references, { integer: true }),
    sramBytes: r.sourced(o.sramBytes, 'sramBytes', references, { integer: true }),
    flashBytes: r.sourced(o.flashBytes, 'flashBytes', references, { integer: true }),
    activePowerW: r.sourced(o.activePowerW, 'activePowerW', references),
    idlePowerW: r.sourced(o.idlePowerW, 'idlePowerW', references),
    runtime: {
      sramOverheadBytes: r.sourced(runtime.sramOverheadBytes, 'runtime.sramOverheadBytes', references, { integer: true, allowZero: true }),
      flashCodeBytes: r.sourced(runtime.flashCodeBytes, 'runtime.flashCodeBytes', references, { integer: true, allowZero: true }),
    },
    plausibleGopPerW: { min: r.sourced(plausible.min, 'plausibleGopPerW.min', references), max: r.sourced(plausible.max, 'plausibleGopPerW.max', references) },
    kernels,
    references,
    budget: { name, sramBytes: 0, flashBytes: 0, runtimeSramBytes: 0, runtimeFlashBytes: 0 },
    file,
  };
  if (profile.idlePowerW.value >= profile.activePowerW.value) r.bad('idlePowerW.value', 'is not below activePowerW', `< ${profile.activePowerW.value}`, profile.idlePowerW.value);
  if (profile.plausibleGopPerW.min.value >= profile.plausibleGopPerW.max.value) r.bad('plausibleGopPerW.min.value', 'is not below plausibleGopPerW.max', `< ${profile.plausibleGopPerW.max.value}`, profile.plausibleGopPerW.min.value);
  if (profile.runtime.sramOverheadBytes.value >= profile.sramBytes.value) r.bad('runtime.sramOverheadBytes.value', 'leaves no SRAM for the model', `< ${profile.sramBytes.value}`, profile.runtime.sramOverheadBytes.value);
  profile.budget = {
    name,
    sramBytes: profile.sramBytes.value,
    flashBytes: profile.flashBytes.value,
    runtimeSramBytes: profile.runtime.sramOverheadBytes.value,
    runtimeFlashBytes: profile.runtime.flashCodeBytes.value,
  };
  return profile;
}

/** Every constant of a profile marked provisional, as "field path: note". */
export function provisionalFields(p: TargetProfile): string[] {
  const out: string[] = [];
  const visit = (v: unknown, at: string) => {
    if (typeof v !== 'object' || v === null) return;
    const s = v as Partial<Sourced>;
    if (typeof s.value === 'number' && Array.isArray(s.sources)) {
      if (s.provisional) out.push(at);
      return;
    }
    for (const [k, w] of Object.entries(v)) if (k !== 'budget' && k !== 'references') visit(w, at ? `${at}.${k}` : k);
  };
  visit(p, '');
  return out;
}
