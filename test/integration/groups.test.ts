import { status, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { errorReason } from "../../src/cli/rpc-client.js";
import { AckAction, AckOutcome } from "../../src/gen/ferry/v1/broker_pb.js";
import { StartFrom } from "../../src/gen/ferry/v1/common_pb.js";
import { startTestBroker, waitFor, type TestBroker } from "../helpers/broker.js";
import { brokerWithSubscribers, TestSubscriber, valueOf } from "../helpers/subscriber.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
let n = 0;
const unique = (p: string): string => `${p}-${process.pid}-${n++}`;

describe("consumer groups over loopback", () => {
  let b: TestBroker;
  const subscribe = brokerWithSubscribers((broker) => (b = broker));
  const join = (topic: string, group: string, extra: object = {}): TestSubscriber => subscribe({ topic, group, ...extra });

  async function topicWith(partitions: number, values: string[] = []): Promise<string> {
    const topic = unique("g");
    await b.admin.createTopic({ name: topic, partitions });
    if (values.length > 0) await b.broker.produceBatch({ topic, records: values.map((v) => ({ value: enc(v) })) });
    return topic;
  }

  it("two members split the partitions; a third joins and the group rebalances", async () => {
    const topic = await topicWith(4);
    const a = join(topic, "g");
    await a.joined();
    expect(a.partitions).toEqual([0, 1, 2, 3]);
    const c = join(topic, "g");
    await c.joined();
    await waitFor(() => a.partitions.length === 2, 5000, "a to drop to 2 partitions");
    expect([...a.partitions, ...c.partitions].sort()).toEqual([0, 1, 2, 3]);
    const d = join(topic, "g");
    await d.joined();
    await waitFor(() => a.generation === 3n && c.generation === 3n, 5000, "generation 3 everywhere");
    const sizes = [a, c, d].map((s) => s.partitions.length).sort();
    expect(sizes).toEqual([1, 1, 2]);
    expect(new Set([a, c, d].flatMap((s) => s.partitions)).size).toBe(4);
    const desc = await b.admin.describeGroup({ topic, group: "g" });
    expect(desc.members).toHaveLength(3);
    expect(desc.generation).toBe(3n);
  });

  it("every record reaches exactly one member, and per-key order holds", async () => {
    const topic = await topicWith(3);
    const a = join(topic, "g");
    const c = join(topic, "g");
    await Promise.all([a.joined(), c.joined()]);
    await waitFor(() => a.partitions.length + c.partitions.length === 3 && a.generation === c.generation);
    const records = Array.from({ length: 60 }, (_, i) => ({ key: enc(`k${i % 6}`), value: enc(`${i % 6}:${i}`) }));
    await b.broker.produceBatch({ topic, records });
    await waitFor(() => a.records.length + c.records.length >= 60);
    const all = [...a.records, ...c.records];
    expect(all).toHaveLength(60);
    for (const s of [a, c]) {
      const byKey = new Map<string, number[]>();
      for (const r of s.records) {
        const [k, i] = valueOf(r).split(":");
        byKey.set(k!, [...(byKey.get(k!) ?? []), Number(i)]);
      }
      for (const seq of byKey.values()) expect(seq).toEqual([...seq].sort((x, y) => x - y));
    }
  });

  it("a member that disconnects hands its partitions and its unacked records to the others", async () => {
    const topic = await topicWith(2);
    const a = join(topic, "g", { options: { ackDeadlineMs: 60_000n } });
    const c = join(topic, "g");
    await Promise.all([a.joined(), c.joined()]);
    await waitFor(() => a.partitions.length === 1 && c.partitions.length === 1);
    await b.broker.produceBatch({ topic, partition: a.partitions[0]!, records: [{ value: enc("unacked") }] });
    await a.received(1);
    await a.leave();
    const moved = await c.received(1);
    expect(valueOf(moved[0]!)).toBe("unacked");
    expect(moved[0]!.attempt).toBe(1);
    await waitFor(() => c.partitions.length === 2);
  });

  it("redelivers after the ack deadline, and extend prevents it", async () => {
    const topic = await topicWith(1, ["slow", "late"]);
    const s = join(topic, "g", { options: { ackDeadlineMs: 300n, backoffMinMs: 10n, backoffMaxMs: 10n } });
    const [slow, late] = await s.received(2);
    // keep extending "slow"; let "late" time out
    const extended = await s.settle([slow!], AckAction.EXTEND, { extendMs: 2000n });
    expect(extended.outcomes).toEqual([AckOutcome.OK]);
    const again = await s.received(3, 5000);
    expect(valueOf(again[2]!)).toBe("late");
    expect(again[2]!.attempt).toBe(2);
    expect(late!.attempt).toBe(1);
    expect(s.records.filter((r) => valueOf(r) === "slow")).toHaveLength(1);
    expect((await s.settle([slow!, again[2]!])).outcomes).toEqual([AckOutcome.OK, AckOutcome.OK]);
  });

  it("nack redelivers after the group's backoff or the nack's own delay", async () => {
    const topic = await topicWith(1, ["a"]);
    const s = join(topic, "g", { options: { backoffMinMs: 50n, backoffMaxMs: 50n } });
    const [first] = await s.received(1);
    const t0 = Date.now();
    await s.settle([first!], AckAction.NACK, { delayMs: 300n, reason: "not yet" });
    const [, second] = await s.received(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(second!.attempt).toBe(2);
    await s.settle([second!], AckAction.NACK);
    const [, , third] = await s.received(3);
    expect(third!.attempt).toBe(3);
    await s.settle([third!]);
    const desc = await b.admin.describeGroup({ topic, group: "g" });
    expect(desc.partitions[0]).toMatchObject({ committedOffset: 1n, lag: 0n, inFlight: 0 });
  });

  it("dead-letters after max attempts with the original payload and origin headers", async () => {
    const topic = await topicWith(1);
    await b.broker.produce({ topic, record: { key: enc("poison"), value: enc("bad order"), headers: { trace: enc("abc") } } });
    await b.broker.produce({ topic, record: { value: enc("good order") } });
    const s = join(topic, "dl", { options: { maxAttempts: 2, backoffMinMs: 20n, backoffMaxMs: 20n } });
    const [poison, good] = await s.received(2);
    await s.settle([good!]);
    await s.settle([poison!], AckAction.NACK, { reason: "boom" });
    const [, , again] = await s.received(3);
    expect(again!.attempt).toBe(2);
    await s.settle([again!], AckAction.NACK, { reason: "boom" });
    const dlq = await waitFor(async () => {
      const res = await b.broker.fetch({ topic: `${topic}.dl.dlq`, partition: 0, offset: 0n });
      return res.records.length > 0 ? res.records : undefined;
    });
    const rec = dlq[0]!.record!;
    const h = Object.fromEntries(Object.entries(rec.headers).map(([k, v]) => [k, new TextDecoder().decode(v)]));
    expect([new TextDecoder().decode(rec.key), new TextDecoder().decode(rec.value)]).toEqual(["poison", "bad order"]);
    expect(h).toMatchObject({ trace: "abc", "ferry-origin-topic": topic, "ferry-origin-partition": "0", "ferry-origin-offset": "0", "ferry-attempts": "2", "ferry-last-error": "boom" });
    await waitFor(async () => (await b.admin.describeGroup({ topic, group: "dl" })).partitions[0]!.committedOffset === 2n);
    expect(s.records).toHaveLength(3);
  });

  it("respects max_in_flight exactly", async () => {
    const topic = await topicWith(1, Array.from({ length: 10 }, (_, i) => `r${i}`));
    const s = join(topic, "g", { maxInFlight: 3 });
    const first = await s.received(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.records).toHaveLength(3);
    await s.settle(first.slice(0, 2));
    await s.received(5);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.records).toHaveLength(5);
  });

  it("acks a run of offsets in one item; a run with offsets not pending answers NOT_IN_FLIGHT and acks the rest", async () => {
    const topic = await topicWith(1, Array.from({ length: 10 }, (_, i) => `r${i}`));
    const s = join(topic, "runs", { maxInFlight: 6 });
    await s.received(6);
    const ack = (offset: bigint, count: bigint) => b.broker.ack({ topic, group: "runs", memberId: s.memberId, items: [{ partition: 0, offset, count }] });
    expect((await ack(0n, 4n)).outcomes).toEqual([AckOutcome.OK]); // 0-3 at once
    await s.received(10); // four slots freed by one item: 6-9 are delivered
    let described = await b.admin.describeGroup({ topic, group: "runs" });
    expect([described.partitions[0]!.committedOffset, described.partitions[0]!.inFlight]).toEqual([4n, 6]);
    // 2-5: 2 and 3 are done already, 4 and 5 are in flight and get acked
    expect((await ack(2n, 4n)).outcomes).toEqual([AckOutcome.NOT_IN_FLIGHT]);
    described = await b.admin.describeGroup({ topic, group: "runs" });
    expect([described.partitions[0]!.committedOffset, described.partitions[0]!.inFlight]).toEqual([6n, 4]);
    // 6-11: 10 and 11 were never delivered
    expect((await ack(6n, 6n)).outcomes).toEqual([AckOutcome.NOT_IN_FLIGHT]);
    described = await b.admin.describeGroup({ topic, group: "runs" });
    expect([described.partitions[0]!.committedOffset, described.partitions[0]!.inFlight]).toEqual([10n, 0]);
    expect((await ack(10n, 0n)).outcomes).toEqual([AckOutcome.NOT_IN_FLIGHT]);
  });

  it("rejects a negative offset or count, a count above 1 on a nack or an extend, and runs covering more than max_batch_records", async () => {
    const topic = await topicWith(1, ["a", "b"]);
    const s = join(topic, "runs-bad");
    await s.received(2);
    for (const item of [
      { partition: 0, offset: 0n, count: -1n },
      { partition: 0, offset: -1n, count: 3n }, // would reach 0 and 1
      { partition: 0, offset: -1n },
      { partition: 0, offset: 0n, count: 2n, action: AckAction.NACK },
      { partition: 0, offset: 0n, count: 2n, action: AckAction.EXTEND },
    ]) {
      const err = (await b.broker.ack({ topic, group: "runs-bad", memberId: s.memberId, items: [item] }).catch((e: unknown) => e)) as ServiceError;
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/count|offset/);
    }
    // runs count by the offsets they cover: more than max_batch_records (10,000) in one request is refused
    for (const items of [[{ partition: 0, offset: 0n, count: 10_001n }], [{ partition: 0, offset: 0n, count: 6000n }, { partition: 0, offset: 0n, count: 6000n }]]) {
      const err = (await b.broker.ack({ topic, group: "runs-bad", memberId: s.memberId, items }).catch((e: unknown) => e)) as ServiceError;
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(errorReason(err)).toBe("BATCH_TOO_LARGE");
    }
    // nothing was settled by the rejected requests
    expect((await b.admin.describeGroup({ topic, group: "runs-bad" })).partitions[0]!.inFlight).toBe(2);
  });

  it("a stalled member does not slow another group", async () => {
    const topic = await topicWith(1, Array.from({ length: 50 }, (_, i) => `r${i}`));
    const stalled = join(topic, "stalled", { maxInFlight: 5 });
    await stalled.received(5);
    const busy = join(topic, "busy");
    const got = await busy.received(50);
    expect(got.map(valueOf)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    expect(stalled.records).toHaveLength(5);
    const desc = await b.admin.describeGroup({ topic, group: "stalled" });
    expect(desc.partitions[0]!.inFlight).toBe(5);
    expect(Number(desc.partitions[0]!.oldestUnackedAgeMs)).toBeGreaterThanOrEqual(0);
    expect(desc.partitions[0]!.lag).toBe(50n);
  });

  it("different groups each receive every record", async () => {
    const topic = await topicWith(2, ["o1", "o2", "o3"]);
    const groups = ["inventory", "billing", "shipping"].map((g) => join(topic, g));
    for (const g of groups) expect((await g.received(3)).map(valueOf).sort()).toEqual(["o1", "o2", "o3"]);
  });

  it("a new group starts where its first subscriber asks; latest skips the backlog", async () => {
    const topic = await topicWith(1, ["old"]);
    const s = join(topic, "late", { start: { from: StartFrom.LATEST } });
    await s.joined();
    await b.broker.produce({ topic, record: { value: enc("new") } });
    expect((await s.received(1)).map(valueOf)).toEqual(["new"]);
  });

  it("reads without a group from a start position, with attempt 0", async () => {
    const topic = await topicWith(2);
    await b.broker.produceBatch({ topic, partition: 0, records: ["a", "b", "c"].map((v) => ({ value: enc(v) })) });
    const r = join(topic, "", { start: { from: StartFrom.OFFSET, offset: 1n }, partition: 0 });
    const got = await r.received(2);
    expect(got.map((x) => [valueOf(x), x.attempt])).toEqual([["b", 0], ["c", 0]]);
    await b.broker.produce({ topic, partition: 0, record: { value: enc("d") } });
    expect(valueOf((await r.received(3))[2]!)).toBe("d");
  });

  it("resets offsets only while the group has no members", async () => {
    const topic = await topicWith(1, ["a", "b"]);
    const s = join(topic, "g");
    const got = await s.received(2);
    await s.settle(got);
    const busy = (await b.admin.resetGroupOffsets({ topic, group: "g", position: { from: StartFrom.EARLIEST } }).catch((e: unknown) => e)) as ServiceError;
    expect(busy.code).toBe(status.FAILED_PRECONDITION);
    expect(errorReason(busy)).toBe("GROUP_HAS_MEMBERS");
    await s.leave();
    await waitFor(async () => (await b.admin.describeGroup({ topic, group: "g" })).members.length === 0);
    const reset = await b.admin.resetGroupOffsets({ topic, group: "g", position: { from: StartFrom.OFFSET, offset: 1n } });
    expect(reset.offsets.map((o) => [o.partition, o.offset])).toEqual([[0, 1n]]);
    const again = join(topic, "g");
    expect((await again.received(1)).map(valueOf)).toEqual(["b"]);
  });

  it("answers bad subscribe and ack requests with clear errors", async () => {
    const topic = await topicWith(1);
    const bad = join(topic, "bad name!");
    await waitFor(() => bad.ended);
    expect((bad.error as ServiceError).code).toBe(status.INVALID_ARGUMENT);
    const mismatch0 = join(topic, "opts", { options: { ackDeadlineMs: 1000n } });
    await mismatch0.joined();
    const mismatch = join(topic, "opts", { options: { ackDeadlineMs: 2000n } });
    await waitFor(() => mismatch.ended);
    expect(errorReason(mismatch.error)).toBe("GROUP_OPTIONS_MISMATCH");
    const noGroup = (await b.broker.ack({ topic, group: "nobody", items: [] }).catch((e: unknown) => e)) as ServiceError;
    expect(noGroup.code).toBe(status.NOT_FOUND);
    const badPartition = (await b.broker.ack({ topic, group: "opts", items: [{ partition: 7, offset: 0n }] }).catch((e: unknown) => e)) as ServiceError;
    expect(errorReason(badPartition)).toBe("INVALID_PARTITION");
    const unknown = await b.broker.ack({ topic, group: "opts", items: [{ partition: 0, offset: 99n }] });
    expect(unknown.outcomes).toEqual([AckOutcome.NOT_IN_FLIGHT]);
    const shared = join(topic, "shared", { options: { deliveryMode: 2 } });
    await waitFor(() => shared.ended);
    expect((shared.error as ServiceError).code).toBe(status.UNIMPLEMENTED);
  });
});

describe("committed offsets across a restart", () => {
  it("resumes after the last acked record when the broker restarts", async () => {
    const first = await startTestBroker();
    await first.admin.createTopic({ name: "resume", partitions: 1 });
    await first.broker.produceBatch({ topic: "resume", records: ["a", "b", "c"].map((v) => ({ value: enc(v) })) });
    const s = new TestSubscriber(first, { topic: "resume", group: "g" });
    const got = await s.received(3);
    await s.settle(got.slice(0, 2));
    await s.leave();
    await first.stop();
    const second = await startTestBroker({}, first.dataDir);
    try {
      const desc = await second.admin.describeGroup({ topic: "resume", group: "g" });
      expect(desc.partitions[0]).toMatchObject({ committedOffset: 2n, lag: 1n });
      const again = new TestSubscriber(second, { topic: "resume", group: "g" });
      expect((await again.received(1)).map(valueOf)).toEqual(["c"]);
      await new Promise((r) => setTimeout(r, 100));
      expect(again.records).toHaveLength(1);
      await again.leave();
    } finally {
      await second.close();
    }
  });

  it("ends open streams with UNAVAILABLE on shutdown", async () => {
    const b = await startTestBroker();
    const s = new TestSubscriber(b, { topic: "bye", group: "g" });
    await s.joined();
    await b.running.close();
    await waitFor(() => s.ended);
    expect((s.error as ServiceError).code).toBe(status.UNAVAILABLE);
    b.close().catch(() => undefined);
  });
});
