// What every command shares: argument parsing with --help, file reading
// with IO_FILE errors, model loading, and plain-text tables.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fail } from '../errors.ts';
import type { Model } from '../graph/model.ts';
import { readModel } from '../format/read.ts';

export interface Command {
  name: string;
  summary: string;
  /** Usage line and option descriptions, printed by --help. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<void> | void;
}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    return fail('CLI_USAGE', `${(e as Error).message}; see \`tinysense ${cmd.name} --help\``);
  }
}

export function readFileBytes(file: string): Uint8Array {
  try {
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    return fail('IO_FILE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: { file }, cause: e });
  }
}

export function loadModelFile(file: string): { model: Model; bytes: Uint8Array } {
  const bytes = readFileBytes(file);
  return { model: readModel(bytes, { file }), bytes };
}

export function requirePositional(cmd: Command, positionals: string[], what: string): string {
  if (positionals.length !== 1) fail('CLI_USAGE', `tinysense ${cmd.name} takes exactly one ${what}`, { expected: `tinysense ${cmd.name} ${what.toUpperCase()}`, found: positionals.length ? positionals.join(' ') : 'nothing' });
  return positionals[0];
}

export function intOption(values: Record<string, unknown>, name: string, dflt: number, min = 1): number {
  const raw = values[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail('CLI_USAGE', `--${name} must be an integer >= ${min}`, { found: String(raw) });
  return n;
}

/** Left-aligned text columns, right-aligned numbers. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatCount(c) : c)))];
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number'));
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j]).length)));
  return cells
    .map((r) => r.map((c, j) => (numeric[j] ? String(c).padStart(widths[j]) : String(c).padEnd(widths[j]))).join('  ').trimEnd())
    .join('\n');
}

export function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toPrecision(4);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
