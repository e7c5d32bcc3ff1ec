/**
 * Hand-written protobuf encoders and scanners for the few ferry.v1 messages the
 * bench load generator sends and reads. They write and read the same bytes as the
 * generated protobuf-es code (checked by `bench/lib/wire-check.ts`), at a fraction
 * of the client CPU, so that the Node load generator costs less of the 2 cores the
 * broker shares with it. The `producer/100B-send` scenario uses the real TS client.
 */

export function varintLen(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Writes a non-negative safe integer as a varint at pos; returns the next position. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Where the last `readVarint` ended: a module-level out value, so the scan loops allocate no tuples. */
let varintEnd = 0;

/** Reads a varint at pos into a number (exact below 2^53); its end goes to `varintEnd`. */
function readVarint(buf: Buffer, pos: number): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error("truncated varint");
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      varintEnd = pos;
      return result;
    }
    mul *= 128;
  }
}

/** Skips one field value of the given wire type at pos; returns the next position. */
function skip(buf: Buffer, pos: number, wireType: number): number {
  switch (wireType) {
    case 0:
      readVarint(buf, pos);
      return varintEnd;
    case 1:
      return pos + 8;
    case 2: {
      const len = readVarint(buf, pos);
      return varintEnd + len;
    }
    case 5:
      return pos + 4;
    default:
      throw new Error(`unsupported wire type ${wireType}`);
  }
}

/** Writes one length-delimited field header (tag, length) and returns the next position. */
function writeLenHeader(buf: Buffer, pos: number, tag: number, len: number): number {
  buf[pos++] = tag;
  return writeVarint(buf, pos, len);
}

function lenFieldSize(len: number): number {
  return 1 + varintLen(len) + len;
}

/** A Record with only `value` set: its encoded length. */
function recordLen(valueLen: number): number {
  return lenFieldSize(valueLen);
}

/** ProduceRequest { topic, record { value } }. */
export function encodeProduce(topic: string, value: Buffer): Buffer {
  const t = Buffer.from(topic);
  const rlen = recordLen(value.length);
  const buf = Buffer.alloc(lenFieldSize(t.length) + lenFieldSize(rlen));
  let p = writeLenHeader(buf, 0, 0x0a, t.length);
  p += t.copy(buf, p);
  p = writeLenHeader(buf, p, 0x12, rlen);
  p = writeLenHeader(buf, p, 0x12, value.length);
  p += value.copy(buf, p);
  return buf;
}

/**
 * A ProduceBatchRequest { topic, records[count] { value[size] } } laid out once;
 * `stamp(t)` returns a copy with the float64 `t` written into the first 8 bytes
 * of every value (the send time, for produce-to-delivery latency).
 */
export class BatchTemplate {
  readonly bytes: Buffer;
  private readonly valueOffsets: number[] = [];

  constructor(topic: string, count: number, size: number) {
    const t = Buffer.from(topic);
    const rlen = recordLen(size);
    const buf = Buffer.alloc(lenFieldSize(t.length) + count * lenFieldSize(rlen));
    let p = writeLenHeader(buf, 0, 0x0a, t.length);
    p += t.copy(buf, p);
    for (let i = 0; i < count; i++) {
      p = writeLenHeader(buf, p, 0x12, rlen);
      p = writeLenHeader(buf, p, 0x12, size);
      this.valueOffsets.push(p);
      for (let j = 0; j < size; j++) buf[p + j] = 97 + (j % 26);
      p += size;
    }
    this.bytes = buf;
  }

  get count(): number {
    return this.valueOffsets.length;
  }

  stamp(t: number): Buffer {
    const copy = Buffer.allocUnsafe(this.bytes.length);
    this.bytes.copy(copy);
    for (const off of this.valueOffsets) copy.writeDoubleLE(t, off);
    return copy;
  }
}

/** Encodes a ProduceBatchRequest from a list of values (each may differ). */
export function encodeProduceBatch(topic: string, values: readonly Buffer[]): Buffer {
  const t = Buffer.from(topic);
  let total = lenFieldSize(t.length);
  for (const v of values) total += lenFieldSize(recordLen(v.length));
  const buf = Buffer.alloc(total);
  let p = writeLenHeader(buf, 0, 0x0a, t.length);
  p += t.copy(buf, p);
  for (const v of values) {
    p = writeLenHeader(buf, p, 0x12, recordLen(v.length));
    p = writeLenHeader(buf, p, 0x12, v.length);
    p += v.copy(buf, p);
  }
  return buf;
}

export const START_EARLIEST = 1;
export const START_LATEST = 2;

export interface SubscribeOptions {
  readonly topic: string;
  /** Empty: group-less read. */
  readonly group: string;
  readonly from: number;
  readonly maxInFlight: number;
  readonly clientId?: string;
  /** The group's ack deadline (GroupOptions.ack_deadline_ms); absent: the broker's default. */
  readonly ackDeadlineMs?: number;
}

/** SubscribeRequest { topic, group, start { from }, max_in_flight, client_id, options { ack_deadline_ms } }. */
export function encodeSubscribe(o: SubscribeOptions): Buffer {
  const t = Buffer.from(o.topic);
  const g = Buffer.from(o.group);
  const c = Buffer.from(o.clientId ?? "");
  const buf = Buffer.alloc(64 + t.length + g.length + c.length);
  let p = writeLenHeader(buf, 0, 0x0a, t.length);
  p += t.copy(buf, p);
  if (g.length > 0) {
    p = writeLenHeader(buf, p, 0x12, g.length);
    p += g.copy(buf, p);
  }
  // start = 3 { from = 1 }
  p = writeLenHeader(buf, p, 0x1a, 1 + varintLen(o.from));
  buf[p++] = 0x08;
  p = writeVarint(buf, p, o.from);
  if (o.maxInFlight > 0) {
    buf[p++] = 0x28;
    p = writeVarint(buf, p, o.maxInFlight);
  }
  if (c.length > 0) {
    p = writeLenHeader(buf, p, 0x32, c.length);
    p += c.copy(buf, p);
  }
  if (o.ackDeadlineMs !== undefined) {
    // options = 7 { ack_deadline_ms = 1 }
    p = writeLenHeader(buf, p, 0x3a, 1 + varintLen(o.ackDeadlineMs));
    buf[p++] = 0x08;
    p = writeVarint(buf, p, o.ackDeadlineMs);
  }
  return buf.subarray(0, p);
}

/** Called per delivered record: the value is buf[valueStart, valueEnd). */
export type OnRecord = (partition: number, offset: number, attempt: number, buf: Buffer, valueStart: number, valueEnd: number) => void;

export interface AssignmentEvent {
  readonly memberId: string;
  readonly generation: number;
  readonly partitions: number[];
}

function scanAssignment(buf: Buffer, pos: number, end: number): AssignmentEvent {
  let memberId = "";
  let generation = 0;
  const partitions: number[] = [];
  while (pos < end) {
    const tag = readVarint(buf, pos);
    pos = varintEnd;
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const len = readVarint(buf, pos);
      const q = varintEnd;
      memberId = buf.toString("utf8", q, q + len);
      pos = q + len;
    } else if (field === 2 && wt === 0) {
      generation = readVarint(buf, pos);
      pos = varintEnd;
    } else if (field === 3 && wt === 2) {
      const len = readVarint(buf, pos);
      const q = varintEnd;
      let r = q;
      while (r < q + len) {
        partitions.push(readVarint(buf, r));
        r = varintEnd;
      }
      pos = q + len;
    } else if (field === 3 && wt === 0) {
      partitions.push(readVarint(buf, pos));
      pos = varintEnd;
    } else pos = skip(buf, pos, wt);
  }
  return { memberId, generation, partitions };
}

function scanConsumedRecord(buf: Buffer, pos: number, end: number, onRecord: OnRecord): void {
  let partition = 0;
  let offset = 0;
  let attempt = 0;
  let valueStart = 0;
  let valueEnd = 0;
  while (pos < end) {
    const tag = buf[pos++]!;
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 0) {
      partition = readVarint(buf, pos);
      pos = varintEnd;
    } else if (field === 2 && wt === 0) {
      offset = readVarint(buf, pos);
      pos = varintEnd;
    } else if (field === 5 && wt === 0) {
      attempt = readVarint(buf, pos);
      pos = varintEnd;
    } else if (field === 3 && wt === 2) {
      const len = readVarint(buf, pos);
      const q = varintEnd;
      const rend = q + len;
      let r = q;
      while (r < rend) {
        const rtag = buf[r++]!;
        if (rtag === 0x12) {
          const vlen = readVarint(buf, r);
          valueStart = varintEnd;
          valueEnd = valueStart + vlen;
          r = valueEnd;
        } else r = skip(buf, r, rtag & 7);
      }
      pos = rend;
    } else pos = skip(buf, pos, wt);
  }
  onRecord(partition, offset, attempt, buf, valueStart, valueEnd);
}

/**
 * Scans one SubscribeResponse. Records go to onRecord; an assignment is returned.
 * Returns the number of records seen.
 */
export function scanSubscribeResponse(buf: Buffer, onRecord: OnRecord, onAssignment: (a: AssignmentEvent) => void): number {
  let pos = 0;
  let n = 0;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    pos = varintEnd;
    const field = tag >>> 3;
    const wt = tag & 7;
    if (wt !== 2) {
      pos = skip(buf, pos, wt);
      continue;
    }
    const len = readVarint(buf, pos);
    const q = varintEnd;
    const end = q + len;
    if (field === 1) onAssignment(scanAssignment(buf, q, end));
    else if (field === 2) {
      let r = q;
      while (r < end) {
        const rtag = buf[r++]!;
        const rlen = readVarint(buf, r);
        const s = varintEnd;
        if (rtag === 0x0a) {
          scanConsumedRecord(buf, s, s + rlen, onRecord);
          n++;
        }
        r = s + rlen;
      }
    }
    pos = end;
  }
  return n;
}

/**
 * Builds AckRequest { topic, group, member_id, items[] { partition, offset, action ACK, count } }:
 * an ack that continues its partition's last run extends the run (as the TS client does).
 */
export class AckEncoder {
  private readonly head: Buffer;
  private partitions: number[] = [];
  private offsets: number[] = [];
  private counts: number[] = [];
  /** Per partition, the index of its last run. */
  private lastRun = new Map<number, number>();
  private records = 0;

  constructor(topic: string, group: string, memberId: string) {
    const t = Buffer.from(topic);
    const g = Buffer.from(group);
    const m = Buffer.from(memberId);
    const head = Buffer.alloc(lenFieldSize(t.length) + lenFieldSize(g.length) + lenFieldSize(m.length));
    let p = writeLenHeader(head, 0, 0x0a, t.length);
    p += t.copy(head, p);
    p = writeLenHeader(head, p, 0x12, g.length);
    p += g.copy(head, p);
    p = writeLenHeader(head, p, 0x1a, m.length);
    p += m.copy(head, p);
    this.head = head;
  }

  /** Records queued. */
  get count(): number {
    return this.records;
  }

  add(partition: number, offset: number): void {
    this.records++;
    const i = this.lastRun.get(partition);
    if (i !== undefined && this.offsets[i]! + this.counts[i]! === offset) {
      this.counts[i]!++;
      return;
    }
    this.lastRun.set(partition, this.partitions.length);
    this.partitions.push(partition);
    this.offsets.push(offset);
    this.counts.push(1);
  }

  /**
   * A request with the first runs covering at most `maxRecords` records (default all; the
   * broker's max_batch_records bounds them), the last one split if it must be; what it takes
   * leaves the encoder.
   */
  take(maxRecords = Infinity): { request: Buffer; records: number } {
    let n = 0;
    let records = 0;
    while (n < this.partitions.length && records < maxRecords) {
      const room = maxRecords - records;
      if (this.counts[n]! > room) {
        // split the run: its head goes now, its tail stays first in line
        this.partitions.splice(n + 1, 0, this.partitions[n]!);
        this.offsets.splice(n + 1, 0, this.offsets[n]! + room);
        this.counts.splice(n + 1, 0, this.counts[n]! - room);
        this.counts[n] = room;
      }
      records += this.counts[n++]!;
    }
    const body = Buffer.allocUnsafe(n * 40);
    let p = 0;
    for (let i = 0; i < n; i++) {
      const partition = this.partitions[i]!;
      const offset = this.offsets[i]!;
      const count = this.counts[i]!;
      const inner = 1 + varintLen(partition) + 1 + varintLen(offset) + 2 + (count > 1 ? 1 + varintLen(count) : 0);
      body[p++] = 0x22;
      p = writeVarint(body, p, inner);
      body[p++] = 0x08;
      p = writeVarint(body, p, partition);
      body[p++] = 0x10;
      p = writeVarint(body, p, offset);
      body[p++] = 0x18;
      body[p++] = 1; // ACK_ACTION_ACK
      if (count > 1) {
        body[p++] = 0x38; // count
        p = writeVarint(body, p, count);
      }
    }
    this.partitions = this.partitions.slice(n);
    this.offsets = this.offsets.slice(n);
    this.counts = this.counts.slice(n);
    this.lastRun = new Map(this.partitions.map((partition, i) => [partition, i] as const));
    this.records -= records;
    return { request: Buffer.concat([this.head, body.subarray(0, p)]), records };
  }
}
