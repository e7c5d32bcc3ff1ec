/**
 * The stored form of a record: the broker's append time (u64 ms, big-endian)
 * followed by the record's protobuf bytes exactly as the producer sent them.
 */
export const STORED_HEADER_BYTES = 8;

export function encodeStored(appendTimeMs: number, recordBytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(STORED_HEADER_BYTES + recordBytes.length);
  out.writeUInt32BE(Math.floor(appendTimeMs / 0x1_0000_0000), 0);
  out.writeUInt32BE(appendTimeMs >>> 0, 4);
  out.set(recordBytes, STORED_HEADER_BYTES);
  return out;
}

export function storedAppendTimeMs(stored: Uint8Array): number {
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  return view.getUint32(0) * 0x1_0000_0000 + view.getUint32(4);
}

export function storedRecordBytes(stored: Uint8Array): Uint8Array {
  return stored.subarray(STORED_HEADER_BYTES);
}
