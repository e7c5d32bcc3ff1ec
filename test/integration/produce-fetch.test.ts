import { status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorReason } from "../../src/cli/rpc-client.js";
import { partitionForKey } from "../../src/engine/partitioner.js";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
let n = 0;
const uniqueTopic = (): string => `t-${process.pid}-${n++}`;

async function expectError(promise: Promise<unknown>, code: status, reason: string, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  expect(err, "expected the call to fail").toBeDefined();
  expect(err!.code).toBe(code);
  expect(errorReason(err)).toBe(reason);
  if (message) expect(err!.details).toMatch(message);
}

describe("produce and fetch over loopback", () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ maxRecordBytes: "1024", maxBatchRecords: "100" });
  });
  afterAll(() => b.close());

  it("appends with gap-free offsets and reads back byte for byte", async () => {
    const topic = uniqueTopic();
    await b.admin.createTopic({ name: topic, partitions: 1 });
    const first = await b.broker.produce({ topic, record: { key: enc("k"), value: enc("v0"), headers: { h: enc("1") }, timestampMs: 42n } });
    expect(first).toMatchObject({ partition: 0, offset: 0n, duplicate: false });
    expect(Number(first.appendTimeMs)).toBeGreaterThan(Date.now() - 60_000);
    const batch = await b.broker.produceBatch({ topic, records: [1, 2, 3].map((i) => ({ value: enc(`v${i}`) })) });
    expect(batch.offsets).toEqual([1n, 2n, 3n]);
    const res = await b.broker.fetch({ topic, partition: 0, offset: 0n });
    expect(res.records.map((r) => [Number(r.offset), dec(r.record?.value)])).toEqual([[0, "v0"], [1, "v1"], [2, "v2"], [3, "v3"]]);
    const r0 = res.records[0]!.record!;
    expect([dec(r0.key), r0.timestampMs, Object.keys(r0.headers), dec(r0.headers["h"])]).toEqual(["k", 42n, ["h"], "1"]);
    expect(res.records[0]!.appendTimeMs).toBe(first.appendTimeMs);
    expect(res).toMatchObject({ nextOffset: 4n, logStartOffset: 0n, logEndOffset: 4n });
  });

  it("routes keys with Kafka's murmur2, spreads keyless records, and honours explicit partitions", async () => {
    const topic = uniqueTopic();
    await b.admin.createTopic({ name: topic, partitions: 4 });
    const keys = ["alpha", "beta", "gamma", "delta", "epsilon"];
    const res = await b.broker.produceBatch({ topic, records: keys.map((k) => ({ key: enc(k), value: enc(k) })) });
    expect(res.partitions).toEqual(keys.map((k) => partitionForKey(enc(k), 4)));
    const keyless = await b.broker.produceBatch({ topic, records: [1, 2, 3, 4].map(() => ({ value: enc("x") })) });
    expect(new Set(keyless.partitions).size).toBe(4);
    const pinned = await b.broker.produce({ topic, partition: 3, record: { key: enc("alpha"), value: enc("p") } });
    expect(pinned.partition).toBe(3);
  });

  it("answers fetch at the end with an empty result and out of range with OUT_OF_RANGE", async () => {
    const topic = uniqueTopic();
    await b.admin.createTopic({ name: topic, partitions: 1 });
    await b.broker.produce({ topic, record: { value: enc("a") } });
    const atEnd = await b.broker.fetch({ topic, partition: 0, offset: 1n });
    expect(atEnd).toMatchObject({ records: [], nextOffset: 1n, logEndOffset: 1n });
    await expectError(b.broker.fetch({ topic, partition: 0, offset: 2n }), status.OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE", /log_end_offset 1/);
    await expectError(b.broker.fetch({ topic, partition: 0, offset: -1n }), status.OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE");
    await expectError(b.broker.fetch({ topic, partition: 5, offset: 0n }), status.INVALID_ARGUMENT, "INVALID_PARTITION", /partitions 0 to 0/);
  });

  it("limits fetches by record count and bytes, always returning at least one record", async () => {
    const topic = uniqueTopic();
    await b.admin.createTopic({ name: topic, partitions: 1 });
    await b.broker.produceBatch({ topic, records: Array.from({ length: 20 }, () => ({ value: new Uint8Array(100) })) });
    expect((await b.broker.fetch({ topic, partition: 0, offset: 0n, maxRecords: 5 })).records).toHaveLength(5);
    const small = await b.broker.fetch({ topic, partition: 0, offset: 3n, maxBytes: 1n });
    expect(small.records.map((r) => r.offset)).toEqual([3n]);
    expect(small.nextOffset).toBe(4n);
  });

  it("rejects bad input with the right code and a message a person can act on, and keeps serving", async () => {
    const topic = uniqueTopic();
    await expectError(b.broker.produce({ topic, record: { value: new Uint8Array(2000) } }), status.INVALID_ARGUMENT, "RECORD_TOO_LARGE", /exceeds max_record_bytes 1024/);
    await expectError(b.broker.produceBatch({ topic, records: Array.from({ length: 101 }, () => ({})) }), status.INVALID_ARGUMENT, "BATCH_TOO_LARGE", /max_batch_records 100/);
    await expectError(b.broker.produceBatch({ topic, records: [] }), status.INVALID_ARGUMENT, "INVALID_ARGUMENT", /at least one/);
    await expectError(b.broker.produce({ topic: "bad name!", record: {} }), status.INVALID_ARGUMENT, "INVALID_TOPIC_NAME", /may only use/);
    await expectError(b.broker.produce({ topic: "", record: {} }), status.INVALID_ARGUMENT, "INVALID_TOPIC_NAME", /empty/);
    await expectError(b.broker.produce({ topic: "x".repeat(201), record: {} }), status.INVALID_ARGUMENT, "INVALID_TOPIC_NAME");
    await expectError(b.broker.produce({ topic, partition: 99, record: {} }), status.INVALID_ARGUMENT, "INVALID_PARTITION");
    await expectError(b.broker.produce({ topic, record: {}, producerId: "p".repeat(65), sequence: 0n }), status.INVALID_ARGUMENT, "INVALID_ARGUMENT", /producer_id/);
    await expectError(b.broker.produce({ topic, record: {}, producerId: "p", sequence: 0n }), status.INVALID_ARGUMENT, "INVALID_ARGUMENT", /explicit partition/);
    await expectError(b.admin.createTopic({ name: uniqueTopic(), partitions: 100_000 }), status.INVALID_ARGUMENT, "INVALID_ARGUMENT", /max_partitions/);
    // a half-bad batch writes nothing
    const half = uniqueTopic();
    await b.admin.createTopic({ name: half, partitions: 1 });
    await expectError(b.broker.produceBatch({ topic: half, records: [{ value: enc("ok") }, { value: new Uint8Array(5000) }] }), status.INVALID_ARGUMENT, "RECORD_TOO_LARGE");
    expect((await b.admin.describeTopic({ name: half })).partitions[0]!.endOffset).toBe(0n);
    expect((await b.broker.produce({ topic, record: { value: enc("still up") } })).offset).toBe(0n);
  });

  it("answers malformed request bytes with INVALID_ARGUMENT", async () => {
    const raw = b.broker.channel as unknown as {
      makeUnaryRequest(path: string, ser: (x: Buffer) => Buffer, de: (x: Buffer) => Buffer, arg: Buffer, cb: (err: ServiceError | null) => void): void;
    };
    for (const path of ["/ferry.v1.BrokerService/ProduceBatch", "/ferry.v1.BrokerService/Fetch", "/ferry.v1.AdminService/CreateTopic"]) {
      const err = await new Promise<ServiceError | null>((resolve) => raw.makeUnaryRequest(path, (x) => x, (x) => x, Buffer.from([0x12, 0x7f, 0x01]), resolve));
      expect(err?.code, path).toBe(status.INVALID_ARGUMENT);
      expect(err?.details).toMatch(/not a valid ferry\.v1\./);
    }
  });

  it("dedupes idempotent retries with their original positions", async () => {
    const topic = uniqueTopic();
    await b.admin.createTopic({ name: topic, partitions: 2 });
    const req = { topic, partition: 1, producerId: "prod-1", firstSequence: 0n, records: [{ value: enc("a") }, { value: enc("b") }] };
    const first = await b.broker.produceBatch(req);
    const retry = await b.broker.produceBatch(req);
    expect(retry.offsets).toEqual(first.offsets);
    expect(retry.duplicates).toBe(2);
    const next = await b.broker.produceBatch({ ...req, firstSequence: 2n, records: [{ value: enc("c") }] });
    expect(next.offsets).toEqual([2n]);
    await expectError(b.broker.produceBatch({ ...req, firstSequence: 9n }), status.FAILED_PRECONDITION, "OUT_OF_ORDER_SEQUENCE", /expected 3/);
    const unary = await b.broker.produce({ topic, partition: 1, producerId: "prod-1", sequence: 1n, record: { value: enc("b") } });
    expect(unary).toMatchObject({ offset: 1n, duplicate: true });
    expect((await b.broker.fetch({ topic, partition: 1, offset: 0n })).records).toHaveLength(3);
  });

  it("auto-creates topics on produce with the default partition count", async () => {
    const topic = uniqueTopic();
    await b.broker.produce({ topic, record: { value: enc("x") } });
    const d = await b.admin.describeTopic({ name: topic });
    expect(d.topic?.partitions).toBe(4);
  });
});

describe("with auto-create off", () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ autoCreateTopics: "false" });
  });
  afterAll(() => b.close());

  it("answers NOT_FOUND for unknown topics", async () => {
    await expectError(b.broker.produce({ topic: "missing", record: {} }), status.NOT_FOUND, "TOPIC_NOT_FOUND", /ferry topics create missing/);
    await expectError(b.broker.fetch({ topic: "missing", partition: 0, offset: 0n }), status.NOT_FOUND, "TOPIC_NOT_FOUND");
    await expectError(b.admin.describeTopic({ name: "missing", createIfMissing: true }), status.NOT_FOUND, "TOPIC_NOT_FOUND");
  });
});

describe("idempotence across a restart", () => {
  it("answers a retried sequence with its original offset after the broker restarts", async () => {
    const first = await startTestBroker();
    const req = { topic: "idem", partition: 0, producerId: "p-restart", firstSequence: 0n, records: [{ value: enc("once") }] };
    await first.admin.createTopic({ name: "idem", partitions: 1 });
    await first.broker.produceBatch(req);
    await first.stop();
    const second = await startTestBroker({}, first.dataDir);
    try {
      const retry = await second.broker.produceBatch(req);
      expect(retry).toMatchObject({ offsets: [0n], duplicates: 1 });
      expect((await second.admin.describeTopic({ name: "idem" })).partitions[0]!.endOffset).toBe(1n);
    } finally {
      await second.close();
    }
  });
});
