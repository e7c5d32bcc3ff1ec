/**
 * Encodes delivered records straight from their stored bytes: each record's
 * protobuf bytes are spliced into the ConsumedRecord unchanged, never decoded
 * and re-encoded. Field numbers follow proto/ferry/v1/common.proto and broker.proto.
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { StoredRecord } from "../storage/store.js";

/** Writes one ConsumedRecord (as a length-delimited field `fieldNo`) into `writer`. */
export function writeConsumedRecord(writer: BinaryWriter, fieldNo: number, partition: number, stored: StoredRecord, attempt: number): void {
  writer.tag(fieldNo, WireType.LengthDelimited).fork();
  if (partition !== 0) writer.tag(1, WireType.Varint).int32(partition);
  if (stored.offset !== 0) writer.tag(2, WireType.Varint).int64(stored.offset);
  writer.tag(3, WireType.LengthDelimited).bytes(stored.bytes);
  writer.tag(4, WireType.Varint).int64(stored.appendTimeMs);
  if (attempt !== 0) writer.tag(5, WireType.Varint).int32(attempt);
  writer.join();
}

/** A ferry.v1.FetchResponse. */
export function encodeFetchResponse(partition: number, records: readonly StoredRecord[], nextOffset: number, logStart: number, logEnd: number): Uint8Array {
  const writer = new BinaryWriter();
  for (const record of records) writeConsumedRecord(writer, 1, partition, record, 0);
  if (nextOffset !== 0) writer.tag(2, WireType.Varint).int64(nextOffset);
  if (logStart !== 0) writer.tag(3, WireType.Varint).int64(logStart);
  if (logEnd !== 0) writer.tag(4, WireType.Varint).int64(logEnd);
  return writer.finish();
}

/** One delivered record of a SubscribeResponse batch. */
export interface Delivery {
  readonly partition: number;
  readonly record: StoredRecord;
  readonly attempt: number;
}

/** A ferry.v1.SubscribeResponse carrying a RecordBatch (field 2). */
export function encodeRecordBatchEvent(deliveries: readonly Delivery[]): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(2, WireType.LengthDelimited).fork();
  for (const d of deliveries) writeConsumedRecord(writer, 1, d.partition, d.record, d.attempt);
  writer.join();
  return writer.finish();
}
