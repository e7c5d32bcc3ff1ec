/**
 * Producer batching, ordering and retries against a fake broker: which batches are
 * sent, with which sequences, and that a retry resends the same bytes.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { ProduceBatchRequestSchema, ProduceBatchResponseSchema, type ProduceBatchRequest, type ProduceBatchResponse } from "../src/gen/ferry/v1/broker_pb.js";
import { create } from "@bufbuild/protobuf";
import { Client, GrpcStatus, Producer, partitionForKey, toFerryError, UnavailableError, InvalidPartitionError, ClientClosedError } from "../src/index.js";

interface Call {
  bytes: Uint8Array;
  request: ProduceBatchRequest;
}

/** A broker that appends batches to in-memory partitions; `fail` decides per call. */
class FakeBroker {
  readonly calls: Call[] = [];
  readonly logs = new Map<number, string[]>();
  inFlight = 0;
  maxInFlightPerPartition = 0;
  private readonly inFlightByPartition = new Map<number, number>();
  /** Return an error to fail the call; `appended` says whether it was appended first. */
  fail: (call: Call, index: number) => { code: GrpcStatus; reason?: string; appended: boolean } | undefined = () => undefined;

  constructor(readonly partitions: number) {}

  client(): Client {
    const client = new Client("127.0.0.1:9");
    clients.push(client);
    Object.defineProperty(client, "broker", { value: { produceBatch: (bytes: Uint8Array) => this.produceBatch(bytes) } });
    Object.defineProperty(client, "adminRpc", {
      value: { describeTopic: (req: { name: string }) => Promise.resolve({ topic: { name: req.name, partitions: this.partitions } }) },
    });
    return client;
  }

  private async produceBatch(bytes: Uint8Array): Promise<ProduceBatchResponse> {
    const request = fromBinary(ProduceBatchRequestSchema, bytes);
    const call = { bytes: Uint8Array.from(bytes), request };
    const index = this.calls.push(call) - 1;
    const p = request.partition!;
    this.inFlightByPartition.set(p, (this.inFlightByPartition.get(p) ?? 0) + 1);
    this.maxInFlightPerPartition = Math.max(this.maxInFlightPerPartition, this.inFlightByPartition.get(p)!);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlightByPartition.set(p, this.inFlightByPartition.get(p)! - 1);
    const failure = this.fail(call, index);
    const log = this.logs.get(p) ?? [];
    this.logs.set(p, log);
    const first = log.length;
    if (!failure || failure.appended) log.push(...request.records.map((r) => Buffer.from(r.value).toString()));
    if (failure) {
      const metadata = new Metadata();
      if (failure.reason) metadata.set("ferry-error-reason", failure.reason);
      throw toFerryError(Object.assign(new Error("fake"), { code: failure.code, details: "fake failure", metadata }));
    }
    return create(ProduceBatchResponseSchema, { partitions: request.records.map(() => p), offsets: request.records.map((_, i) => BigInt(first + i)) });
  }
}

const producers: Producer[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.close()));
  for (const c of clients.splice(0)) c.close();
});

function producerFor(fake: FakeBroker, options: ConstructorParameters<typeof Producer>[1] = {}): Producer {
  const producer = new Producer(fake.client(), { topic: "t", retryBackoffMinMs: 1, retryBackoffMaxMs: 5, ...options });
  producers.push(producer);
  return producer;
}

describe("Producer batching", () => {
  it("batches one-at-a-time sends into maxBatchRecords batches, one in flight per partition, sequences in order", async () => {
    const fake = new FakeBroker(1);
    const producer = producerFor(fake, { maxBatchRecords: 100 });
    const positions = await Promise.all(Array.from({ length: 250 }, (_, i) => producer.send({ value: `v${i}` })));
    expect(fake.calls.map((c) => c.request.records.length)).toEqual([100, 100, 50]);
    expect(fake.calls.map((c) => Number(c.request.firstSequence))).toEqual([0, 100, 200]);
    expect(new Set(fake.calls.map((c) => c.request.producerId))).toEqual(new Set([producer.id]));
    expect(fake.maxInFlightPerPartition).toBe(1);
    expect(positions.map((p) => p.offset)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(fake.logs.get(0)).toEqual(Array.from({ length: 250 }, (_, i) => `v${i}`));
  });

  it("waits lingerMs for more records, then sends what it has", async () => {
    const fake = new FakeBroker(1);
    const producer = producerFor(fake, { lingerMs: 20 });
    const first = producer.send({ value: "a" });
    await new Promise((r) => setTimeout(r, 5));
    const second = producer.send({ value: "b" });
    expect(fake.calls).toHaveLength(0);
    await Promise.all([first, second]);
    expect(fake.calls.map((c) => c.request.records.length)).toEqual([2]);
  });

  it("partitions keys with murmur2 and rotates unkeyed records per batch", async () => {
    const fake = new FakeBroker(4);
    const producer = producerFor(fake, { maxBatchRecords: 10 });
    const keyed = await Promise.all(["a", "b", "c", "order-1001"].map((key) => producer.send({ key, value: key })));
    expect(keyed.map((p) => p.partition)).toEqual(["a", "b", "c", "order-1001"].map((k) => partitionForKey(Buffer.from(k), 4)));
    fake.calls.length = 0;
    await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send({ value: `u${i}` })));
    const partitions = fake.calls.map((c) => c.request.partition!);
    expect(fake.calls.every((c) => c.request.records.length === 10)).toBe(true);
    expect(new Set(partitions).size).toBe(4);
    const explicit = await producer.send({ value: "x", partition: 3, key: "a" });
    expect(explicit.partition).toBe(3);
    await expect(producer.send({ value: "x", partition: 4 })).rejects.toBeInstanceOf(InvalidPartitionError);
  });

  it("flush() sends lingering records at once and close() rejects later sends", async () => {
    const fake = new FakeBroker(2);
    const producer = producerFor(fake, { lingerMs: 60_000 });
    const sent = Promise.all([producer.send({ value: "a", partition: 0 }), producer.send({ value: "b", partition: 1 })]);
    await producer.flush();
    expect(fake.calls).toHaveLength(2);
    await sent;
    const closing = producer.close();
    expect(producer.close()).toBe(closing);
    await closing;
    await expect(producer.send({ value: "late" })).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe("Producer retries", () => {
  it("resends the same bytes (same sequences) after UNAVAILABLE, so a lost reply makes no duplicate", async () => {
    const fake = new FakeBroker(1);
    // The first call is appended but its reply is lost; the broker dedupes the retry.
    fake.fail = (_call, index) => (index === 0 ? { code: GrpcStatus.UNAVAILABLE, appended: true } : undefined);
    const seenSequences = new Set<string>();
    const producer = producerFor(fake, { maxBatchRecords: 5 });
    const positions = await Promise.all(Array.from({ length: 5 }, (_, i) => producer.send({ value: `v${i}` })));
    expect(fake.calls).toHaveLength(2);
    expect(Buffer.from(fake.calls[1]!.bytes).equals(Buffer.from(fake.calls[0]!.bytes))).toBe(true);
    for (const c of fake.calls) seenSequences.add(`${c.request.producerId}/${c.request.firstSequence}`);
    expect(seenSequences.size).toBe(1);
    expect(positions).toHaveLength(5);
  });

  it("gives up after deliveryTimeoutMs and continues under a fresh producer id", async () => {
    const fake = new FakeBroker(1);
    let down = true;
    fake.fail = () => (down ? { code: GrpcStatus.UNAVAILABLE, appended: false } : undefined);
    const producer = producerFor(fake, { deliveryTimeoutMs: 30 });
    await expect(producer.send({ value: "lost" })).rejects.toBeInstanceOf(UnavailableError);
    down = false;
    await producer.send({ value: "next" });
    const last = fake.calls.at(-1)!.request;
    expect(last.producerId).not.toBe(producer.id);
    expect(last.producerId.startsWith(producer.id)).toBe(true);
    expect(last.firstSequence).toBe(0n);
  });

  it("does not retry a refused batch, and reuses its sequences", async () => {
    const fake = new FakeBroker(1);
    fake.fail = (_call, index) => (index === 0 ? { code: GrpcStatus.INVALID_ARGUMENT, reason: "RECORD_TOO_LARGE", appended: false } : undefined);
    const producer = producerFor(fake);
    await expect(producer.send({ value: "huge" })).rejects.toMatchObject({ reason: "RECORD_TOO_LARGE" });
    await producer.send({ value: "fine" });
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1]!.request.producerId).toBe(producer.id);
    expect(fake.calls[1]!.request.firstSequence).toBe(0n);
  });

  it("sends no producer id when idempotence is off", async () => {
    const fake = new FakeBroker(1);
    const producer = producerFor(fake, { idempotent: false });
    await producer.send({ value: "x" });
    expect(fake.calls[0]!.request.producerId).toBe("");
  });
});
