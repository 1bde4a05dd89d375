// The .tsm layout constants shared by the reader and the writer; docs/format.md
// is the prose version of this file (field by field, with the error each
// violation raises). All integers are little-endian.
import type { DType } from '../graph/model.ts';
import { crc32Final, crc32Update, CRC32_INIT, type Crc32Update } from './crc32.ts';

/** "TSM1": the file family, not its version (that is the u16 pair after it). */
export const TSM_MAGIC = Uint8Array.of(0x54, 0x53, 0x4d, 0x31);
export const TSM_VERSION_MAJOR = 1;
/** Highest minor revision this reader knows; minor revisions only add sections. */
export const TSM_VERSION_MINOR = 0;

export const HEADER = {
  magic: 0,
  versionMajor: 4,
  versionMinor: 6,
  totalLength: 8,
  checksum: 12,
  sectionCount: 16,
  /** The section table starts here. */
  bytes: 20,
} as const;

export const SECTION_ENTRY_BYTES = 12;
/** Every section starts on this boundary (weights on WEIGHT_ALIGN). */
export const SECTION_ALIGN = 4;
/** Constants start on this boundary from the blob start, so SIMD-width views need no copy. */
export const WEIGHT_ALIGN = 16;

export const SECTION_IDS = {
  strings: 1,
  tensors: 2,
  ops: 3,
  graph: 4,
  metadata: 5,
  weights: 6,
} as const;
export type SectionName = keyof typeof SECTION_IDS;
export const SECTION_NAMES = Object.keys(SECTION_IDS) as SectionName[];

export const DTYPE_CODES: Record<DType, number> = { f32: 1, i8: 2, i32: 3 };
export const DTYPE_BY_CODE: ReadonlyMap<number, DType> = new Map(
  (Object.entries(DTYPE_CODES) as [DType, number][]).map(([d, c]) => [c, d]),
);

export const MAX_RANK = 8;
export const TENSOR_FLAG_CONSTANT = 1;
/** name, dtype, rank, flags, reserved, dataOffset, dataLength (dims follow). */
export const TENSOR_RECORD_BYTES = 16;
/** type, name, inputCount, outputCount, attrCount, reserved (indices and attributes follow). */
export const OP_RECORD_BYTES = 16;
/** key, kind, 3 reserved bytes (the payload follows, at least 4 bytes). */
export const ATTR_HEADER_BYTES = 8;
export const ATTR_MIN_BYTES = ATTR_HEADER_BYTES + 4;

export const ATTR_KINDS = {
  int: 1,
  float: 2,
  ints: 3,
  string: 4,
  floats: 5,
} as const;

export const METADATA_FLAGS = {
  labels: 1,
  provenance: 2,
  pruning: 4,
  extra: 8,
} as const;
export const METADATA_FLAGS_ALL = 15;

export const INT32_MIN = -0x80000000;
export const INT32_MAX = 0x7fffffff;
export const UINT32_MAX = 0xffffffff;

/** CRC-32 of the blob with the 4 checksum bytes left out. */
export function blobChecksum(bytes: Uint8Array, update: Crc32Update = crc32Update): number {
  let c = update(CRC32_INIT, bytes, 0, Math.min(HEADER.checksum, bytes.length));
  c = update(c, bytes, Math.min(HEADER.checksum + 4, bytes.length), bytes.length);
  return crc32Final(c);
}

/**
 * Recomputes and stores the checksum in place (the writer's last step; tests
 * use it to re-seal a deliberately corrupted blob so that the structural
 * checks, not the checksum, are what rejects it). No-op on a blob too short
 * to hold the field.
 */
export function sealChecksum(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= HEADER.checksum + 4) {
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(HEADER.checksum, blobChecksum(bytes), true);
  }
  return bytes;
}

/** Whether this host stores typed-array elements little-endian (every current engine does). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
