/**
 * Encodes a ProduceBatchRequest by hand, in one buffer, without building a
 * protobuf-es message per record: the producer's hot path. The unit test checks the
 * bytes against the generated ProduceBatchRequestSchema.
 */

/** A record in the form the producer keeps it: bytes only, ready to encode. */
export interface OutgoingRecord {
  readonly key: Uint8Array | undefined;
  readonly value: Uint8Array;
  /** Header names (UTF-8) and values. */
  readonly headers: ReadonlyArray<readonly [Uint8Array, Uint8Array]> | undefined;
  readonly timestampMs: number;
}

export interface BatchToEncode {
  readonly topic: Uint8Array;
  readonly records: readonly OutgoingRecord[];
  readonly partition: number;
  readonly producerId: Uint8Array;
  readonly firstSequence: number;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Size of a length-delimited field (tag + length + bytes), or 0 when empty. */
function bytesFieldSize(length: number): number {
  return length === 0 ? 0 : 1 + varintSize(length) + length;
}

function headerEntrySize(name: Uint8Array, value: Uint8Array): number {
  return bytesFieldSize(name.length) + bytesFieldSize(value.length);
}

/** The encoded size of a Record message body. */
export function recordSize(record: OutgoingRecord): number {
  let size = bytesFieldSize(record.key?.length ?? 0) + bytesFieldSize(record.value.length);
  if (record.headers) {
    for (const [name, value] of record.headers) {
      const entry = headerEntrySize(name, value);
      size += 1 + varintSize(entry) + entry;
    }
  }
  if (record.timestampMs > 0) size += 1 + varintSize(record.timestampMs);
  return size;
}

class Writer {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(n: number): void {
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  bytesField(tag: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.buf[this.pos++] = tag;
    this.varint(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}

// Tags: (field number << 3) | wire type (0 varint, 2 length-delimited).
const TAG_TOPIC = (1 << 3) | 2;
const TAG_RECORDS = (2 << 3) | 2;
const TAG_PARTITION = (3 << 3) | 0;
const TAG_PRODUCER_ID = (4 << 3) | 2;
const TAG_FIRST_SEQUENCE = (5 << 3) | 0;
const TAG_KEY = (1 << 3) | 2;
const TAG_VALUE = (2 << 3) | 2;
const TAG_HEADERS = (3 << 3) | 2;
const TAG_TIMESTAMP = (4 << 3) | 0;
const TAG_ENTRY_KEY = (1 << 3) | 2;
const TAG_ENTRY_VALUE = (2 << 3) | 2;

/** The wire bytes of a ProduceBatchRequest. */
export function encodeProduceBatch(batch: BatchToEncode): Uint8Array {
  const sizes = new Array<number>(batch.records.length);
  let total = bytesFieldSize(batch.topic.length) + 1 + varintSize(batch.partition) + bytesFieldSize(batch.producerId.length);
  if (batch.firstSequence > 0) total += 1 + varintSize(batch.firstSequence);
  for (let i = 0; i < batch.records.length; i++) {
    const size = recordSize(batch.records[i]!);
    sizes[i] = size;
    total += 1 + varintSize(size) + size;
  }
  const w = new Writer(Buffer.allocUnsafe(total));
  w.bytesField(TAG_TOPIC, batch.topic);
  for (let i = 0; i < batch.records.length; i++) {
    const record = batch.records[i]!;
    w.buf[w.pos++] = TAG_RECORDS;
    w.varint(sizes[i]!);
    if (record.key) w.bytesField(TAG_KEY, record.key);
    w.bytesField(TAG_VALUE, record.value);
    if (record.headers) {
      for (const [name, value] of record.headers) {
        w.buf[w.pos++] = TAG_HEADERS;
        w.varint(headerEntrySize(name, value));
        w.bytesField(TAG_ENTRY_KEY, name);
        w.bytesField(TAG_ENTRY_VALUE, value);
      }
    }
    if (record.timestampMs > 0) {
      w.buf[w.pos++] = TAG_TIMESTAMP;
      w.varint(record.timestampMs);
    }
  }
  w.buf[w.pos++] = TAG_PARTITION;
  w.varint(batch.partition);
  w.bytesField(TAG_PRODUCER_ID, batch.producerId);
  if (batch.firstSequence > 0) {
    w.buf[w.pos++] = TAG_FIRST_SEQUENCE;
    w.varint(batch.firstSequence);
  }
  if (w.pos !== total) throw new Error(`internal error: encoded ${w.pos} bytes, expected ${total}`);
  return w.buf;
}
