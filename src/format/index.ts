// The .tsm model blob: read (bounds-checked, then validated), write
// (deterministic), and the checksum. Layout: docs/format.md.
export { readModel, readModelWithShapes, decodeModel, type ReadOptions } from './read.ts';
export { writeModel, type WriteOptions } from './write.ts';
export { crc32 } from './crc32.ts';
export { sealChecksum, TSM_MAGIC, TSM_VERSION_MAJOR, TSM_VERSION_MINOR } from './schema.ts';
export { validateModel, type ModelShapes, type ValidateOptions } from '../graph/validate.ts';
