// Typed readers for op attributes: every bad value becomes MODEL_ATTRIBUTE
// naming the op and the field.
import type { Attrs } from '../graph/model.ts';
import { fail, type ErrorWhere } from '../errors.ts';

export function intAttr(attrs: Attrs, name: string, where: ErrorWhere, dflt?: number, min = -Infinity, max = Infinity): number {
  const v = attrs[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail('MODEL_ATTRIBUTE', `attribute ${name} must be an integer in [${min}, ${max}]`, { where: { ...where, field: name }, found: JSON.stringify(v) });
  }
  return v;
}

export function floatAttr(attrs: Attrs, name: string, where: ErrorWhere, dflt?: number): number {
  const v = attrs[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail('MODEL_ATTRIBUTE', `attribute ${name} must be a finite number`, { where: { ...where, field: name }, found: JSON.stringify(v) });
  }
  return v;
}

export function intsAttr(attrs: Attrs, name: string, where: ErrorWhere, length: number | undefined, dflt?: number[], min = -Infinity): number[] {
  const v = attrs[name] ?? dflt;
  if (!Array.isArray(v) || (length !== undefined && v.length !== length) || v.some((x) => !Number.isInteger(x) || x < min)) {
    fail('MODEL_ATTRIBUTE', `attribute ${name} must be ${length ?? 'a list of'} integers >= ${min}`, { where: { ...where, field: name }, found: JSON.stringify(v) });
  }
  return v;
}

export function enumAttr<T extends string>(attrs: Attrs, name: string, where: ErrorWhere, allowed: readonly T[], dflt?: T): T {
  const v = attrs[name] ?? dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    fail('MODEL_ATTRIBUTE', `attribute ${name} must be one of ${allowed.join(', ')}`, { where: { ...where, field: name }, found: JSON.stringify(v) });
  }
  return v as T;
}

export function opWhere(op: { name: string; type: string }): ErrorWhere {
  return { op: `${op.name} (${op.type})` };
}
