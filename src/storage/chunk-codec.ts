/**
 * The stored form of records: a chunk holds consecutive records of one partition
 * appended together (one produce request), under the key of its first offset.
 *
 *   u32 record count | u64 append time ms | per record: u32 length, the record's
 *   protobuf bytes exactly as the producer sent them
 *
 * One LMDB entry per chunk instead of per record keeps the write path's cost per
 * request, not per record.
 */
import { byteView } from "../util/byte-view.js";
import type { StoredRecord } from "./store.js";

const HEADER_BYTES = 12;
/** A large append is split so that no chunk outgrows this (readers load whole chunks). */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** The encoded size of a chunk of `records`. */
export function chunkBytes(records: readonly Uint8Array[]): number {
  let size = HEADER_BYTES;
  for (const r of records) size += 4 + r.length;
  return size;
}

/** Encodes the chunk into `out`, which is exactly chunkBytes(records) long. */
export function writeChunk(out: Uint8Array, appendTimeMs: number, records: readonly Uint8Array[]): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, records.length);
  view.setUint32(4, Math.floor(appendTimeMs / 0x1_0000_0000));
  view.setUint32(8, appendTimeMs >>> 0);
  let pos = HEADER_BYTES;
  for (const r of records) {
    view.setUint32(pos, r.length);
    out.set(r, pos + 4);
    pos += 4 + r.length;
  }
}

/** The chunk in a Buffer of its own (never a pooled slab, so it can be transferred to another thread). */
export function encodeChunk(appendTimeMs: number, records: readonly Uint8Array[]): Buffer {
  const out = Buffer.allocUnsafeSlow(chunkBytes(records));
  writeChunk(out, appendTimeMs, records);
  return out;
}

/** Splits `records` into runs that each encode to at most MAX_CHUNK_BYTES (at least one record each). */
export function splitIntoChunks(records: readonly Uint8Array[]): Uint8Array[][] {
  const chunks: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let size = HEADER_BYTES;
  for (const r of records) {
    if (current.length > 0 && size + 4 + r.length > MAX_CHUNK_BYTES) {
      chunks.push(current);
      current = [];
      size = HEADER_BYTES;
    }
    current.push(r);
    size += 4 + r.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function chunkRecordCount(chunk: Uint8Array): number {
  return new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(0);
}

export function chunkAppendTimeMs(chunk: Uint8Array): number {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return view.getUint32(4) * 0x1_0000_0000 + view.getUint32(8);
}

/**
 * Appends the chunk's records with offset >= fromOffset to `out`, stopping at
 * `maxRecords` in `out` or once `maxBytes` (counted in `budget.bytes`) is reached;
 * the first record overall is always taken. Returns false once a limit stopped it.
 */
export function readChunk(
  firstOffset: number,
  chunk: Uint8Array,
  fromOffset: number,
  maxRecords: number,
  budget: { bytes: number; readonly maxBytes: number },
  out: StoredRecord[],
): boolean {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const count = view.getUint32(0);
  const appendTimeMs = view.getUint32(4) * 0x1_0000_0000 + view.getUint32(8);
  let pos = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(pos);
    const offset = firstOffset + i;
    if (offset >= fromOffset) {
      if (out.length >= maxRecords) return false;
      if (out.length > 0 && budget.bytes + length > budget.maxBytes) return false;
      budget.bytes += length;
      out.push({ offset, appendTimeMs, bytes: byteView(chunk, pos + 4, pos + 4 + length) });
    }
    pos += 4 + length;
  }
  return true;
}
