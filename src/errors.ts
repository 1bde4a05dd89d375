// The one catalogue of error codes. Every failure the runtime can report is a
// TinysenseError carrying one of these codes (stable across versions), a
// message saying what was expected and what was found, and where.
// docs/errors.md documents each code; a test keeps the two in step.

export const ERROR_CODES = {
  // format/: reading a .tsm blob
  FORMAT_TRUNCATED: 'the blob ends before a structure it declares',
  FORMAT_MAGIC: 'the blob does not start with the .tsm magic bytes',
  FORMAT_VERSION: 'the blob was written by an unsupported format version',
  FORMAT_CHECKSUM: 'the stored checksum does not match the blob contents',
  FORMAT_SECTION: 'a section table entry is missing, duplicated, misaligned or out of bounds',
  FORMAT_FIELD: 'a field holds a value outside its allowed range or type',
  FORMAT_STRING: 'a string is not valid UTF-8 or overruns its section',
  // model: the graph the blob describes
  MODEL_TENSOR: 'a tensor reference, shape or dtype is invalid',
  MODEL_SHAPE_MISMATCH: "an op's input shapes do not agree with its attributes or with each other",
  MODEL_GRAPH: 'the graph is cyclic, uses a tensor before it is produced, or leaves an output unproduced',
  MODEL_WEIGHTS: 'a constant tensor has the wrong size or is missing its data',
  MODEL_ATTRIBUTE: 'an op attribute is missing or out of range',
  // ops
  OP_UNSUPPORTED: 'the op type is not implemented by this runtime',
  // planning and budgets
  PLAN_TOO_LARGE: 'the memory plan does not fit in 32-bit WebAssembly memory',
  PLAN_BUDGET_SRAM: "the activation arena exceeds the target's SRAM",
  PLAN_BUDGET_FLASH: "the weights exceed the target's flash",
  // targets/: hardware profiles
  TARGET_PROFILE: 'a target profile is missing, unknown, or has a field of the wrong type or range',
  // importers
  IMPORT_PARSE: 'the source model file could not be parsed',
  IMPORT_UNSUPPORTED: 'the source model uses an op or attribute the importer does not support',
  IMPORT_DYNAMIC_SHAPE: 'the source model has a dynamic dimension that must be fixed',
  // train/data: sensor recordings and arrays to train on
  DATA_FORMAT: 'a training data file is missing or malformed (ragged rows, non-numbers, unsorted timestamps, unknown labels)',
  // running
  RUN_INPUT: 'an input is missing, or has the wrong shape, dtype or length',
  RUN_WASM: 'no usable WebAssembly build could be loaded',
  RUN_TRAP: 'the WebAssembly module trapped (a bug: loading should have rejected the model)',
  // command line and files
  CLI_USAGE: 'the command line is malformed',
  IO_FILE: 'a file could not be read or has the wrong format',
  // execution-time model
  TIMEMODEL_PROFILE: 'a time-model profile is malformed or was made by another schema or runtime version',
  TIMEMODEL_FIT: 'a model tree cannot be fitted to the data given (no rows, mismatched lengths, non-finite values)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where a problem was found; every field optional, filled as far as known. */
export interface ErrorWhere {
  file?: string;
  section?: string;
  offset?: number;
  op?: string;
  tensor?: string;
  field?: string;
  line?: number;
}

export class TinysenseError extends Error {
  readonly code: ErrorCode;
  readonly where: ErrorWhere;
  readonly expected?: string;
  readonly found?: string;

  constructor(code: ErrorCode, message: string, details: { where?: ErrorWhere; expected?: unknown; found?: unknown; cause?: unknown } = {}) {
    const where = details.where ?? {};
    const parts = [message];
    const loc = describeWhere(where);
    if (loc) parts.push(`(${loc})`);
    if (details.expected !== undefined) parts.push(`expected ${String(details.expected)}`);
    if (details.found !== undefined) parts.push(`found ${String(details.found)}`);
    super(`${code}: ${parts.join('; ').replace('; (', ' (')}`, details.cause ? { cause: details.cause } : undefined);
    this.name = 'TinysenseError';
    this.code = code;
    this.where = where;
    if (details.expected !== undefined) this.expected = String(details.expected);
    if (details.found !== undefined) this.found = String(details.found);
  }
}

function describeWhere(w: ErrorWhere): string {
  const parts: string[] = [];
  if (w.file) parts.push(`file ${w.file}${w.line !== undefined ? `:${w.line}` : ''}`);
  else if (w.line !== undefined) parts.push(`line ${w.line}`);
  if (w.section) parts.push(`section ${w.section}`);
  if (w.offset !== undefined) parts.push(`byte offset ${w.offset}`);
  if (w.op) parts.push(`op ${w.op}`);
  if (w.tensor) parts.push(`tensor ${w.tensor}`);
  if (w.field) parts.push(`field ${w.field}`);
  return parts.join(', ');
}

export function fail(code: ErrorCode, message: string, details?: ConstructorParameters<typeof TinysenseError>[2]): never {
  throw new TinysenseError(code, message, details);
}

export function isTinysenseError(e: unknown): e is TinysenseError {
  return e instanceof TinysenseError;
}
