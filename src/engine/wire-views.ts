/**
 * Zero-copy views of produce and ack requests. The broker stores each record's bytes
 * as the producer sent them, so it reads the wire format directly instead of
 * decoding and re-encoding messages (toolchain.md: re-encoding halves throughput).
 * The hot loops run on `WireCursor` (plain-number varints, no tag tuples, no BigInt,
 * no DataView per message); protobuf-es's BinaryReader only skips unknown fields.
 * Field numbers follow proto/ferry/v1/broker.proto and common.proto.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { InvalidArgumentError } from "../errors.js";
import { byteView } from "../util/byte-view.js";

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

/** A read position in `buf` up to `end`, for one message. */
class WireCursor {
  /** The field number and wire type of the tag `nextField` read last. */
  field = 0;
  wireType = 0;

  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  get more(): boolean {
    return this.pos < this.end;
  }

  /**
   * A varint as a number: up to 7 bytes (< 2^49) it is read exactly as a float; a
   * longer one, such as a negative int64, is read again as a signed 64-bit BigInt.
   */
  varint(): number {
    const { buf, end } = this;
    const start = this.pos;
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
    this.pos = pos;
    if (pos - start < 8) return value;
    let big = 0n;
    for (let i = pos - 1; i >= start; i--) big = (big << 7n) | BigInt(buf[i]! & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** An int64 field that must fit a JavaScript number exactly. */
  int64(what: string): number {
    const value = this.varint();
    if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`${what} ${value} is out of range`);
    return value;
  }

  /** The next length-delimited field's bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const from = this.skipLength();
    return byteView(this.buf, from, this.pos);
  }

  /** A cursor over the next length-delimited field (an embedded message). */
  message(): WireCursor {
    const from = this.skipLength();
    return new WireCursor(this.buf, from, this.pos);
  }

  /** Reads a length prefix and moves past the bytes it counts; returns where they start. */
  private skipLength(): number {
    const length = this.varint();
    const from = this.pos;
    if (from + length > this.end) throw new Error("a length-delimited field overruns its message");
    this.pos = from + length;
    return from;
  }

  /** Reads the next field's tag; `skipField` then moves past its value. */
  nextField(): this {
    const tag = this.varint();
    this.field = Math.floor(tag / 8);
    this.wireType = tag & 7;
    return this;
  }

  /** Moves past the value of the field `nextField` read; groups (deprecated) go through protobuf-es. */
  skipField(): void {
    const { field, wireType } = this;
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.LengthDelimited:
        this.skipLength();
        return;
      case WireType.Bit64:
      case WireType.Bit32: {
        const to = this.pos + (wireType === WireType.Bit64 ? 8 : 4);
        if (to > this.end) throw new Error("a fixed-width field overruns its message");
        this.pos = to;
        return;
      }
      default: {
        const rest = new BinaryReader(this.buf.subarray(this.pos, this.end));
        rest.skip(wireType, field);
        this.pos += rest.pos;
      }
    }
  }
}

function cursorOver(bytes: Uint8Array): WireCursor {
  return new WireCursor(bytes, 0, bytes.length);
}

/** Validates a Record's fields (header names must be UTF-8) and finds its key. */
export function viewRecord(bytes: Uint8Array): RecordView {
  let key: Uint8Array = EMPTY;
  try {
    const c = cursorOver(bytes);
    while (c.more) {
      const { field, wireType } = c.nextField();
      if (field === 1 && wireType === WireType.LengthDelimited) key = c.bytes();
      else if (field === 3 && wireType === WireType.LengthDelimited) checkHeaderEntry(c.bytes());
      else c.skipField(); // the value, the timestamp, unknown fields
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`record is not a valid ferry.v1.Record: ${(err as Error).message}`);
  }
  return { bytes, key };
}

function checkHeaderEntry(entry: Uint8Array): void {
  const c = cursorOver(entry);
  while (c.more) {
    const { field, wireType } = c.nextField();
    if (field === 1 && wireType === WireType.LengthDelimited) {
      const name = utf8(c.bytes(), "a header name");
      if (name === "") throw new InvalidArgumentError("a header name is empty");
    } else c.skipField();
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
    const c = cursorOver(bytes);
    while (c.more) {
      const { field, wireType } = c.nextField();
      if (field === 1 && wireType === WireType.LengthDelimited) topic = utf8(c.bytes(), "topic");
      else if (field === 2 && wireType === WireType.LengthDelimited) records.push(viewRecord(c.bytes()));
      else if (field === 3 && wireType === WireType.Varint) partition = c.varint() | 0;
      else if (field === 4 && wireType === WireType.LengthDelimited) producerId = utf8(c.bytes(), "producer_id");
      else if (field === 5 && wireType === WireType.Varint) firstSequence = c.int64("sequence");
      else c.skipField();
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
  /** Consecutive offsets from `offset` (0 = 1). */
  readonly count: number;
}

/** Reads one AckItem, the hot loop of Ack. */
function readAckItem(c: WireCursor): AckItemView {
  let partition = 0;
  let offset = 0;
  let action = 0;
  let delayMs = 0;
  let reason = "";
  let extendMs = 0;
  let count = 0;
  while (c.more) {
    const { field, wireType } = c.nextField();
    if (field === 1 && wireType === WireType.Varint) partition = c.varint() | 0;
    else if (field === 2 && wireType === WireType.Varint) offset = c.int64("offset");
    else if (field === 3 && wireType === WireType.Varint) action = c.varint() | 0;
    else if (field === 4 && wireType === WireType.Varint) delayMs = c.int64("delay_ms");
    else if (field === 5 && wireType === WireType.LengthDelimited) reason = utf8(c.bytes(), "reason");
    else if (field === 6 && wireType === WireType.Varint) extendMs = c.int64("extend_ms");
    else if (field === 7 && wireType === WireType.Varint) count = c.int64("count");
    else c.skipField();
  }
  return { partition, offset, action, delayMs, reason, extendMs, count };
}

/** Parses a ferry.v1.AckRequest (1 topic, 2 group, 3 member_id, 4 items). */
export function viewAck(bytes: Uint8Array): AckView {
  let topic = "";
  let group = "";
  let memberId = "";
  const items: AckItemView[] = [];
  try {
    const c = cursorOver(bytes);
    while (c.more) {
      const { field, wireType } = c.nextField();
      if (field === 1 && wireType === WireType.LengthDelimited) topic = utf8(c.bytes(), "topic");
      else if (field === 2 && wireType === WireType.LengthDelimited) group = utf8(c.bytes(), "group");
      else if (field === 3 && wireType === WireType.LengthDelimited) memberId = utf8(c.bytes(), "member_id");
      else if (field === 4 && wireType === WireType.LengthDelimited) items.push(readAckItem(c.message()));
      else c.skipField();
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`request is not a valid ferry.v1.AckRequest: ${(err as Error).message}`);
  }
  return { topic, group, memberId, items };
}
