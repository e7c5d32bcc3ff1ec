/**
 * Zero-copy views of produce requests. The broker stores each record's bytes as
 * the producer sent them, so it reads the wire format directly instead of
 * decoding and re-encoding messages (toolchain.md: re-encoding halves throughput).
 * Field numbers follow proto/ferry/v1/broker.proto and common.proto.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { InvalidArgumentError } from "../errors.js";

/** What the broker needs from one Record without decoding it. */
export interface RecordView {
  /** The whole encoded Record. */
  readonly bytes: Uint8Array;
  /** The key; empty = no key. */
  readonly key: Uint8Array;
}

export interface ProduceBatchView {
  readonly topic: string;
  readonly records: RecordView[];
  readonly partition: number | undefined;
  readonly producerId: string;
  readonly firstSequence: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new InvalidArgumentError(`${what} is not valid UTF-8`);
  }
}

function int64(reader: BinaryReader, what: string): number {
  const v = reader.int64();
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} ${String(v)} is out of range`);
  return n;
}

/** Validates a Record's fields (header names must be UTF-8) and finds its key. */
export function viewRecord(bytes: Uint8Array): RecordView {
  let key: Uint8Array = EMPTY;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === 1 && wireType === WireType.LengthDelimited) key = reader.bytes();
      else if (field === 3 && wireType === WireType.LengthDelimited) checkHeaderEntry(reader.bytes());
      else reader.skip(wireType, field);
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`record is not a valid ferry.v1.Record: ${(err as Error).message}`);
  }
  return { bytes, key };
}

function checkHeaderEntry(entry: Uint8Array): void {
  const reader = new BinaryReader(entry);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) {
      const name = utf8(reader.bytes(), "a header name");
      if (name === "") throw new InvalidArgumentError("a header name is empty");
    } else reader.skip(wireType, field);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * ProduceRequest and ProduceBatchRequest share their field numbers: 1 topic,
 * 2 record(s), 3 partition, 4 producer_id, 5 sequence / first_sequence.
 */
function viewProduceRequest(bytes: Uint8Array, typeName: string): ProduceBatchView {
  let topic = "";
  const records: RecordView[] = [];
  let partition: number | undefined;
  let producerId = "";
  let firstSequence = 0;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === 1 && wireType === WireType.LengthDelimited) topic = utf8(reader.bytes(), "topic");
      else if (field === 2 && wireType === WireType.LengthDelimited) records.push(viewRecord(reader.bytes()));
      else if (field === 3 && wireType === WireType.Varint) partition = reader.int32();
      else if (field === 4 && wireType === WireType.LengthDelimited) producerId = utf8(reader.bytes(), "producer_id");
      else if (field === 5 && wireType === WireType.Varint) firstSequence = int64(reader, "sequence");
      else reader.skip(wireType, field);
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`request is not a valid ${typeName}: ${(err as Error).message}`);
  }
  return { topic, records, partition, producerId, firstSequence };
}

/** Parses a ferry.v1.ProduceBatchRequest, keeping each record's bytes. */
export function viewProduceBatch(bytes: Uint8Array): ProduceBatchView {
  return viewProduceRequest(bytes, "ferry.v1.ProduceBatchRequest");
}

/** Parses a ferry.v1.ProduceRequest into the same shape as a one-record batch (a
 * repeated `record` field keeps the last, and a missing one is an empty record). */
export function viewProduce(bytes: Uint8Array): ProduceBatchView {
  const view = viewProduceRequest(bytes, "ferry.v1.ProduceRequest");
  const record = view.records.at(-1) ?? { bytes: EMPTY, key: EMPTY };
  return { ...view, records: [record] };
}

/** What the broker needs from a ferry.v1.AckRequest, read without building messages. */
export interface AckView {
  readonly topic: string;
  readonly group: string;
  readonly memberId: string;
  readonly items: AckItemView[];
}

/** One AckItem; `action` is the AckAction number: 0 (unspecified) and 1 ack, 2 nack, 3 extend. */
export interface AckItemView {
  readonly partition: number;
  readonly offset: number;
  readonly action: number;
  readonly delayMs: number;
  readonly reason: string;
  readonly extendMs: number;
}

/**
 * A varint at `at.pos` (advanced past it) as a number, without BinaryReader's BigInt:
 * up to 7 bytes (< 2^49) it is read exactly as a float; a longer one, such as a
 * negative int64, is read again as a signed 64-bit BigInt.
 */
function varint(buf: Uint8Array, at: { pos: number }, end: number): number {
  const start = at.pos;
  let pos = start;
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= end) throw new Error("a varint overruns its message");
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) break;
    if (pos - start === 10) throw new Error("a varint is longer than 10 bytes");
    scale *= 128;
  }
  at.pos = pos;
  if (pos - start < 8) return value;
  let big = 0n;
  for (let i = pos - 1; i >= start; i--) big = (big << 7n) | BigInt(buf[i]! & 0x7f);
  return Number(BigInt.asIntN(64, big));
}

function safeInt64(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`${what} ${value} is out of range`);
  return value;
}

/** Reads one AckItem in `buf` from `pos` to `end`: the hot loop of Ack, on plain varints. */
function readAckItem(buf: Uint8Array, pos: number, end: number): AckItemView {
  if (end > buf.length) throw new Error("an AckItem overruns its message");
  const at = { pos };
  let partition = 0;
  let offset = 0;
  let action = 0;
  let delayMs = 0;
  let reason = "";
  let extendMs = 0;
  while (at.pos < end) {
    const tag = varint(buf, at, end);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === WireType.Varint && field >= 1 && field <= 4) {
      const value = varint(buf, at, end);
      if (field === 1) partition = value | 0;
      else if (field === 2) offset = safeInt64(value, "offset");
      else if (field === 3) action = value | 0;
      else delayMs = safeInt64(value, "delay_ms");
    } else if (field === 6 && wireType === WireType.Varint) extendMs = safeInt64(varint(buf, at, end), "extend_ms");
    else if (field === 5 && wireType === WireType.LengthDelimited) {
      const length = varint(buf, at, end);
      if (at.pos + length > end) throw new Error("a reason overruns its AckItem");
      reason = utf8(buf.subarray(at.pos, at.pos + length), "reason");
      at.pos += length;
    } else {
      const rest = new BinaryReader(buf.subarray(at.pos, end));
      rest.skip(wireType, field);
      at.pos += rest.pos;
    }
  }
  if (at.pos !== end) throw new Error("an AckItem overruns its length");
  return { partition, offset, action, delayMs, reason, extendMs };
}

/** Parses a ferry.v1.AckRequest (1 topic, 2 group, 3 member_id, 4 items). */
export function viewAck(bytes: Uint8Array): AckView {
  let topic = "";
  let group = "";
  let memberId = "";
  const items: AckItemView[] = [];
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === 1 && wireType === WireType.LengthDelimited) topic = utf8(reader.bytes(), "topic");
      else if (field === 2 && wireType === WireType.LengthDelimited) group = utf8(reader.bytes(), "group");
      else if (field === 3 && wireType === WireType.LengthDelimited) memberId = utf8(reader.bytes(), "member_id");
      else if (field === 4 && wireType === WireType.LengthDelimited) {
        const length = reader.uint32();
        items.push(readAckItem(bytes, reader.pos, reader.pos + length));
        reader.pos += length;
      }
      else reader.skip(wireType, field);
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`request is not a valid ferry.v1.AckRequest: ${(err as Error).message}`);
  }
  return { topic, group, memberId, items };
}
