/**
 * Hand-written encoders for the hot responses, each into one pre-sized buffer.
 * Delivered records are encoded straight from their stored bytes: each record's
 * protobuf bytes are spliced into its ConsumedRecord unchanged, never decoded and
 * re-encoded. Field numbers follow proto/ferry/v1/common.proto (ConsumedRecord)
 * and broker.proto (FetchResponse, SubscribeResponse, RecordBatch,
 * ProduceBatchResponse); unit tests decode the output with protobuf-es.
 */
import type { ProduceResult } from "../engine/broker.js";
import type { Delivery } from "../groups/group.js";
import type { StoredRecord } from "../storage/store.js";

const LEN = 2; // wire type: length-delimited
const VARINT = 0;
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/** Bytes of a non-negative integer up to 2^53 as a varint. */
function varintSize(n: number): number {
  if (n < 128) return 1;
  if (n < 16384) return 2;
  if (n < 2097152) return 3;
  let size = 4;
  for (n = Math.floor(n / 268435456); n > 0; n = Math.floor(n / 128)) size++;
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  // above 2^31 bit operations would truncate: peel 7-bit groups off by division first
  while (n > 0x7fffffff) {
    buf[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  while (n >= 128) {
    buf[pos++] = (n & 127) | 128;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** The size of a ConsumedRecord's body (partition, offset, record, append time, attempt). */
function consumedRecordSize(d: Delivery): number {
  const { partition, record, attempt } = d;
  let size = 0;
  if (partition !== 0) size += 1 + varintSize(partition);
  if (record.offset !== 0) size += 1 + varintSize(record.offset);
  size += 1 + varintSize(record.bytes.length) + record.bytes.length;
  if (record.appendTimeMs !== 0) size += 1 + varintSize(record.appendTimeMs);
  if (attempt !== 0) size += 1 + varintSize(attempt);
  return size;
}

function writeConsumedRecord(buf: Buffer, pos: number, d: Delivery, bodySize: number): number {
  const { partition, record, attempt } = d;
  buf[pos++] = tag(1, LEN);
  pos = writeVarint(buf, pos, bodySize);
  if (partition !== 0) {
    buf[pos++] = tag(1, VARINT);
    pos = writeVarint(buf, pos, partition);
  }
  if (record.offset !== 0) {
    buf[pos++] = tag(2, VARINT);
    pos = writeVarint(buf, pos, record.offset);
  }
  buf[pos++] = tag(3, LEN);
  pos = writeVarint(buf, pos, record.bytes.length);
  buf.set(record.bytes, pos);
  pos += record.bytes.length;
  if (record.appendTimeMs !== 0) {
    buf[pos++] = tag(4, VARINT);
    pos = writeVarint(buf, pos, record.appendTimeMs);
  }
  if (attempt !== 0) {
    buf[pos++] = tag(5, VARINT);
    pos = writeVarint(buf, pos, attempt);
  }
  return pos;
}

/** `repeated ConsumedRecord` as field 1, with the body sizes it needs. */
function recordsSize(deliveries: readonly Delivery[], bodies: number[]): number {
  let size = 0;
  for (const d of deliveries) {
    const body = consumedRecordSize(d);
    bodies.push(body);
    size += 1 + varintSize(body) + body;
  }
  return size;
}

function writeRecords(buf: Buffer, pos: number, deliveries: readonly Delivery[], bodies: readonly number[]): number {
  for (let i = 0; i < deliveries.length; i++) pos = writeConsumedRecord(buf, pos, deliveries[i]!, bodies[i]!);
  return pos;
}

/** A ferry.v1.SubscribeResponse carrying a RecordBatch (field 2). */
export function encodeRecordBatchEvent(deliveries: readonly Delivery[]): Uint8Array {
  const bodies: number[] = [];
  const batchSize = recordsSize(deliveries, bodies);
  const buf = Buffer.allocUnsafe(1 + varintSize(batchSize) + batchSize);
  let pos = 0;
  buf[pos++] = tag(2, LEN);
  pos = writeVarint(buf, pos, batchSize);
  pos = writeRecords(buf, pos, deliveries, bodies);
  return buf.subarray(0, pos);
}

/** A ferry.v1.FetchResponse. */
export function encodeFetchResponse(partition: number, records: readonly StoredRecord[], nextOffset: number, logStart: number, logEnd: number): Uint8Array {
  const deliveries = records.map((record) => ({ partition, record, attempt: 0 }));
  const bodies: number[] = [];
  const size = recordsSize(deliveries, bodies) + 3 * 11;
  const buf = Buffer.allocUnsafe(size);
  let pos = writeRecords(buf, 0, deliveries, bodies);
  for (const [field, value] of [
    [2, nextOffset],
    [3, logStart],
    [4, logEnd],
  ] as const) {
    if (value === 0) continue;
    buf[pos++] = tag(field, VARINT);
    pos = writeVarint(buf, pos, value);
  }
  return buf.subarray(0, pos);
}

/** A ferry.v1.ProduceBatchResponse: packed partitions and offsets in request order. */
export function encodeProduceBatchResponse(result: ProduceResult): Uint8Array {
  let partitionsSize = 0;
  for (const p of result.partitions) partitionsSize += varintSize(p);
  let offsetsSize = 0;
  for (const o of result.offsets) offsetsSize += varintSize(o);
  const buf = Buffer.allocUnsafe(partitionsSize + offsetsSize + 2 * 11 + 2 * 11);
  let pos = 0;
  if (partitionsSize > 0) {
    buf[pos++] = tag(1, LEN);
    pos = writeVarint(buf, pos, partitionsSize);
    for (const p of result.partitions) pos = writeVarint(buf, pos, p);
  }
  if (offsetsSize > 0) {
    buf[pos++] = tag(2, LEN);
    pos = writeVarint(buf, pos, offsetsSize);
    for (const o of result.offsets) pos = writeVarint(buf, pos, o);
  }
  if (result.appendTimeMs !== 0) {
    buf[pos++] = tag(3, VARINT);
    pos = writeVarint(buf, pos, result.appendTimeMs);
  }
  if (result.duplicates !== 0) {
    buf[pos++] = tag(4, VARINT);
    pos = writeVarint(buf, pos, result.duplicates);
  }
  return buf.subarray(0, pos);
}

/** A ferry.v1.AckResponse: packed outcomes, 1 (OK) or 2 (NOT_IN_FLIGHT), in request order. */
export function encodeAckResponse(outcomes: readonly boolean[]): Uint8Array {
  if (outcomes.length === 0) return new Uint8Array(0);
  const buf = Buffer.allocUnsafe(1 + 5 + outcomes.length);
  let pos = 0;
  buf[pos++] = tag(1, LEN);
  pos = writeVarint(buf, pos, outcomes.length);
  for (const ok of outcomes) buf[pos++] = ok ? 1 : 2;
  return buf.subarray(0, pos);
}
