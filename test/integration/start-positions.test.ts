/**
 * Start positions end to end: group-less Subscribe from EARLIEST, LATEST, OFFSET
 * and TIMESTAMP; a new group starting from a timestamp; ResetGroupOffsets to a
 * timestamp or an offset; DescribeGroup's oldest_unacked_age_ms; bad positions.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { errorReason } from "../../src/cli/rpc-client.js";
import { AckOutcome, type SubscribeRequestSchema } from "../../src/gen/ferry/v1/broker_pb.js";
import { StartFrom, type ConsumedRecord, type StartPositionSchema } from "../../src/gen/ferry/v1/common_pb.js";
import { waitFor, type TestBroker } from "../helpers/broker.js";
import { brokerWithSubscribers, TestSubscriber, valueOf } from "../helpers/subscriber.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
let n = 0;
const unique = (p: string): string => `${p}-${process.pid}-${n++}`;

/** [partition, offset, value] in arrival order. */
const triples = (records: readonly ConsumedRecord[]): [number, bigint, string][] => records.map((r) => [r.partition, r.offset, valueOf(r)]);
/** The same, sorted by partition then offset (arrival order across partitions is not specified). */
const sortedTriples = (records: readonly ConsumedRecord[]): [number, bigint, string][] =>
  triples(records).sort((a, b) => a[0] - b[0] || Number(a[1] - b[1]));

describe("start positions", () => {
  let b: TestBroker;
  const subscribe = brokerWithSubscribers((broker) => (b = broker));

  async function newTopic(partitions: number): Promise<string> {
    const topic = unique("sp");
    await b.admin.createTopic({ name: topic, partitions });
    return topic;
  }

  /** Appends `values` to one partition; returns the batch's offsets and append time. */
  async function produceTo(topic: string, partition: number, values: string[]): Promise<{ offsets: bigint[]; appendTimeMs: number }> {
    const res = await b.broker.produceBatch({ topic, partition, records: values.map((v) => ({ value: enc(v) })) });
    expect(res.partitions).toEqual(values.map(() => partition));
    return { offsets: res.offsets, appendTimeMs: Number(res.appendTimeMs) };
  }

  /** Waits until the wall clock is past `ms`, so the next append gets a later append time. */
  async function clockPast(ms: number): Promise<void> {
    await waitFor(() => Date.now() > ms, 5000, `Date.now() past ${ms}`);
  }

  /**
   * A group-less Subscribe gives no signal that the server has picked its start
   * offsets, so to test "only records from now on" keep appending `${prefix}-k`
   * to `partition` until the subscriber sees one of them.
   */
  async function produceUntilSeen(s: TestSubscriber, topic: string, partition: number, prefix: string): Promise<void> {
    let k = 0;
    await waitFor(
      async () => {
        if (s.error) throw s.error;
        if (s.records.some((r) => r.partition === partition)) return true;
        await produceTo(topic, partition, [`${prefix}-${k++}`]);
        return s.records.some((r) => r.partition === partition);
      },
      10_000,
      `a record of partition ${partition} after subscribing`,
    );
  }

  /** Waits for a record with this value (failing fast if the stream errored). */
  async function seen(s: TestSubscriber, value: string): Promise<void> {
    await waitFor(() => s.error || s.records.some((r) => valueOf(r) === value), 10_000, `record '${value}' (have ${triples(s.records).join(" ")})`);
    if (s.error) throw s.error;
  }

  async function noMembers(topic: string, group: string): Promise<void> {
    await waitFor(async () => (await b.admin.describeGroup({ topic, group })).members.length === 0, 5000, "the group to have no members");
  }

  // ---- group-less Subscribe ----------------------------------------------

  describe("without a group", () => {
    it("EARLIEST reads one partition from its first record, and nothing of the other partitions", async () => {
      const topic = await newTopic(2);
      await produceTo(topic, 0, ["a0", "a1", "a2"]);
      await produceTo(topic, 1, ["b0", "b1"]);
      const s = subscribe({ topic, partition: 0, start: { from: StartFrom.EARLIEST } });
      await s.received(3);
      // A later record on the other partition must not show up; one on ours must.
      await produceTo(topic, 1, ["b2"]);
      await produceTo(topic, 0, ["a3"]);
      await seen(s, "a3");
      expect(triples(s.records)).toEqual([
        [0, 0n, "a0"],
        [0, 1n, "a1"],
        [0, 2n, "a2"],
        [0, 3n, "a3"],
      ]);
      expect(s.records.map((r) => r.attempt)).toEqual([0, 0, 0, 0]);
    });

    it("EARLIEST (and an unset start) without a partition reads every partition from its first record", async () => {
      const topic = await newTopic(3);
      await produceTo(topic, 0, ["a0", "a1", "a2"]);
      await produceTo(topic, 2, ["c0", "c1"]);
      const expected: [number, bigint, string][] = [
        [0, 0n, "a0"],
        [0, 1n, "a1"],
        [0, 2n, "a2"],
        [2, 0n, "c0"],
        [2, 1n, "c1"],
      ];
      const explicit = subscribe({ topic, start: { from: StartFrom.EARLIEST } });
      const unset = subscribe({ topic });
      await Promise.all([explicit.received(5), unset.received(5)]);
      await produceTo(topic, 1, ["b0"]);
      await Promise.all([seen(explicit, "b0"), seen(unset, "b0")]);
      for (const s of [explicit, unset]) {
        expect(sortedTriples(s.records)).toEqual([...expected.slice(0, 3), [1, 0n, "b0"], ...expected.slice(3)]);
        // within each partition, offset order
        for (const p of [0, 1, 2]) {
          const offsets = s.records.filter((r) => r.partition === p).map((r) => r.offset);
          expect(offsets).toEqual([...offsets].sort((x, y) => Number(x - y)));
        }
      }
    });

    it("LATEST receives only records appended after subscribing, on every partition", async () => {
      const topic = await newTopic(2);
      await produceTo(topic, 0, ["old-0-0", "old-0-1", "old-0-2"]);
      await produceTo(topic, 1, ["old-1-0"]);
      const s = subscribe({ topic, start: { from: StartFrom.LATEST } });
      await produceUntilSeen(s, topic, 0, "new-0");
      await produceUntilSeen(s, topic, 1, "new-1");
      await produceTo(topic, 0, ["last-0"]);
      await produceTo(topic, 1, ["last-1"]);
      await Promise.all([seen(s, "last-0"), seen(s, "last-1")]);
      const backlog = [3, 1];
      for (const p of [0, 1]) {
        const got = s.records.filter((r) => r.partition === p);
        const first = Number(got[0]!.offset);
        expect(first).toBeGreaterThanOrEqual(backlog[p]!);
        // gap-free from the first one seen to the last appended, and never an old record
        expect(got.map((r) => r.offset)).toEqual(got.map((_, i) => BigInt(first + i)));
        expect(got.slice(0, -1).map(valueOf)).toEqual(got.slice(0, -1).map((r) => `new-${p}-${Number(r.offset) - backlog[p]!}`));
        expect(valueOf(got[got.length - 1]!)).toBe(`last-${p}`);
      }
    });

    it("OFFSET starts one partition at exactly that offset", async () => {
      const topic = await newTopic(1);
      await produceTo(topic, 0, ["v0", "v1", "v2", "v3", "v4"]);
      const s = subscribe({ topic, partition: 0, start: { from: StartFrom.OFFSET, offset: 2n } });
      await s.received(3);
      await produceTo(topic, 0, ["v5"]);
      await seen(s, "v5");
      expect(triples(s.records)).toEqual([
        [0, 2n, "v2"],
        [0, 3n, "v3"],
        [0, 4n, "v4"],
        [0, 5n, "v5"],
      ]);
    });

    it("OFFSET without a partition applies to every partition, clamped to a partition's end", async () => {
      const topic = await newTopic(2);
      await produceTo(topic, 0, ["a0", "a1", "a2", "a3", "a4", "a5"]);
      await produceTo(topic, 1, ["b0", "b1", "b2"]);
      // offset 4: partition 0 from 4; partition 1 (end 3) from its end
      const s = subscribe({ topic, start: { from: StartFrom.OFFSET, offset: 4n } });
      await s.received(2);
      await produceTo(topic, 1, ["b3", "b4", "b5"]);
      await seen(s, "b5");
      expect(sortedTriples(s.records)).toEqual([
        [0, 4n, "a4"],
        [0, 5n, "a5"],
        [1, 3n, "b3"],
        [1, 4n, "b4"],
        [1, 5n, "b5"],
      ]);
    });

    it("TIMESTAMP starts at the first record appended at or after it, per partition", async () => {
      const topic = await newTopic(2);
      const first0 = await produceTo(topic, 0, ["x0", "x1", "x2"]);
      const first1 = await produceTo(topic, 1, ["y0"]);
      const firstMs = Math.max(first0.appendTimeMs, first1.appendTimeMs);
      await clockPast(firstMs);
      const ts = firstMs + 1;
      const second0 = await produceTo(topic, 0, ["x3", "x4"]);
      const second1 = await produceTo(topic, 1, ["y1", "y2"]);
      expect(second0.appendTimeMs).toBeGreaterThanOrEqual(ts);
      expect(second1.appendTimeMs).toBeGreaterThanOrEqual(ts);

      const all = subscribe({ topic, start: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(ts) } });
      const one = subscribe({ topic, partition: 0, start: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(ts) } });
      await Promise.all([all.received(4), one.received(2)]);
      await produceTo(topic, 0, ["x5"]);
      await produceTo(topic, 1, ["y3"]);
      await Promise.all([seen(all, "x5"), seen(all, "y3"), seen(one, "x5")]);
      expect(sortedTriples(all.records)).toEqual([
        [0, 3n, "x3"],
        [0, 4n, "x4"],
        [0, 5n, "x5"],
        [1, 1n, "y1"],
        [1, 2n, "y2"],
        [1, 3n, "y3"],
      ]);
      expect(triples(one.records)).toEqual([
        [0, 3n, "x3"],
        [0, 4n, "x4"],
        [0, 5n, "x5"],
      ]);
      for (const r of all.records) expect(Number(r.appendTimeMs)).toBeGreaterThanOrEqual(ts);
    });

    it("TIMESTAMP equal to an append time includes that record; before the first record reads everything", async () => {
      const topic = await newTopic(1);
      const first = await produceTo(topic, 0, ["x0", "x1"]);
      await clockPast(first.appendTimeMs);
      const second = await produceTo(topic, 0, ["x2", "x3"]);
      expect(second.appendTimeMs).toBeGreaterThan(first.appendTimeMs);

      const atSecond = subscribe({ topic, partition: 0, start: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(second.appendTimeMs) } });
      const atFirst = subscribe({ topic, partition: 0, start: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(first.appendTimeMs) } });
      const before = subscribe({ topic, partition: 0, start: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(first.appendTimeMs - 60_000) } });
      await Promise.all([atSecond.received(2), atFirst.received(4), before.received(4)]);
      await produceTo(topic, 0, ["x4"]);
      await Promise.all([atSecond, atFirst, before].map((s) => seen(s, "x4")));
      expect(triples(atSecond.records)).toEqual([
        [0, 2n, "x2"],
        [0, 3n, "x3"],
        [0, 4n, "x4"],
      ]);
      const everything: [number, bigint, string][] = ["x0", "x1", "x2", "x3", "x4"].map((v, i) => [0, BigInt(i), v]);
      expect(triples(atFirst.records)).toEqual(everything);
      expect(triples(before.records)).toEqual(everything);
    });

    it("TIMESTAMP after the last record behaves like LATEST", async () => {
      const topic = await newTopic(1);
      const last = await produceTo(topic, 0, ["old0", "old1", "old2"]);
      // Later than anything stored (and than anything appended during this test).
      const s = subscribe({ topic, start: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(last.appendTimeMs + 3_600_000) } });
      await produceUntilSeen(s, topic, 0, "new");
      await produceTo(topic, 0, ["final"]);
      await seen(s, "final");
      const first = Number(s.records[0]!.offset);
      expect(first).toBeGreaterThanOrEqual(3);
      expect(s.records.map((r) => r.offset)).toEqual(s.records.map((_, i) => BigInt(first + i)));
      expect(s.records.slice(0, -1).map(valueOf)).toEqual(s.records.slice(0, -1).map((r) => `new-${Number(r.offset) - 3}`));
      expect(valueOf(s.records[s.records.length - 1]!)).toBe("final");
    });
  });

  // ---- groups --------------------------------------------------------------

  describe("in a group", () => {
    /** Two batches on partition 0 (and one record on partition 1 before them); returns a timestamp between the batches. */
    async function twoBatches(topic: string): Promise<number> {
      const first0 = await produceTo(topic, 0, ["a0", "a1", "a2"]);
      const first1 = await produceTo(topic, 1, ["b0"]);
      const firstMs = Math.max(first0.appendTimeMs, first1.appendTimeMs);
      await clockPast(firstMs);
      const second = await produceTo(topic, 0, ["a3", "a4"]);
      expect(second.appendTimeMs).toBeGreaterThan(firstMs);
      return firstMs + 1;
    }

    const committed = async (topic: string, group: string): Promise<[number, bigint][]> =>
      (await b.admin.describeGroup({ topic, group })).partitions.map((p) => [p.partition, p.committedOffset]);

    it("a new group subscribing from TIMESTAMP starts each partition at the first record at or after it", async () => {
      const topic = await newTopic(2);
      const ts = await twoBatches(topic);
      const s = subscribe({ topic, group: "from-ts", start: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(ts) } });
      await s.joined();
      // partition 0 from offset 3; partition 1 has nothing that late, so its end (1)
      expect(await committed(topic, "from-ts")).toEqual([
        [0, 3n],
        [1, 1n],
      ]);
      await s.received(2);
      await produceTo(topic, 1, ["b1"]);
      await seen(s, "b1");
      expect(sortedTriples(s.records)).toEqual([
        [0, 3n, "a3"],
        [0, 4n, "a4"],
        [1, 1n, "b1"],
      ]);
      expect(s.records.map((r) => r.attempt)).toEqual([1, 1, 1]);
      await s.settle(s.records);
      expect(await committed(topic, "from-ts")).toEqual([
        [0, 5n],
        [1, 2n],
      ]);
    });

    it("ResetGroupOffsets to TIMESTAMP moves every partition there, and a subscriber resumes from it", async () => {
      const topic = await newTopic(2);
      const ts = await twoBatches(topic);
      const first = subscribe({ topic, group: "g" });
      await first.settle(await first.received(6));
      await first.leave();
      await noMembers(topic, "g");
      expect(await committed(topic, "g")).toEqual([
        [0, 5n],
        [1, 1n],
      ]);

      const reset = await b.admin.resetGroupOffsets({ topic, group: "g", position: { from: StartFrom.TIMESTAMP, timestampMs: BigInt(ts) } });
      expect(reset.offsets.map((o) => [o.partition, o.offset])).toEqual([
        [0, 3n],
        [1, 1n],
      ]);
      expect(await committed(topic, "g")).toEqual([
        [0, 3n],
        [1, 1n],
      ]);
      const desc = await b.admin.describeGroup({ topic, group: "g" });
      expect(desc.partitions.map((p) => p.lag)).toEqual([2n, 0n]);

      const again = subscribe({ topic, group: "g" });
      await again.received(2);
      await produceTo(topic, 1, ["b1"]);
      await seen(again, "b1");
      expect(sortedTriples(again.records)).toEqual([
        [0, 3n, "a3"],
        [0, 4n, "a4"],
        [1, 1n, "b1"],
      ]);
    });

    it("ResetGroupOffsets to OFFSET moves only the partitions named, clamped to their ends", async () => {
      const topic = await newTopic(2);
      await produceTo(topic, 0, ["a0", "a1", "a2", "a3", "a4"]);
      await produceTo(topic, 1, ["b0", "b1"]);
      const first = subscribe({ topic, group: "g" });
      await first.settle(await first.received(7));
      await first.leave();
      await noMembers(topic, "g");

      const one = await b.admin.resetGroupOffsets({ topic, group: "g", position: { from: StartFrom.OFFSET, offset: 1n }, partitions: [0] });
      expect(one.offsets.map((o) => [o.partition, o.offset])).toEqual([[0, 1n]]);
      expect(await committed(topic, "g")).toEqual([
        [0, 1n],
        [1, 2n],
      ]);

      // offset 3 on every partition: partition 1 ends at 2, so it stays at its end
      const all = await b.admin.resetGroupOffsets({ topic, group: "g", position: { from: StartFrom.OFFSET, offset: 3n } });
      expect(all.offsets.map((o) => [o.partition, o.offset])).toEqual([
        [0, 3n],
        [1, 2n],
      ]);
      expect(await committed(topic, "g")).toEqual([
        [0, 3n],
        [1, 2n],
      ]);

      const again = subscribe({ topic, group: "g" });
      await again.received(2);
      await produceTo(topic, 1, ["b2"]);
      await seen(again, "b2");
      expect(sortedTriples(again.records)).toEqual([
        [0, 3n, "a3"],
        [0, 4n, "a4"],
        [1, 2n, "b2"],
      ]);
    });

    it("DescribeGroup's oldest_unacked_age_ms tracks the oldest unacked delivery, and is 0 once all are acked", async () => {
      const topic = await newTopic(1);
      await produceTo(topic, 0, ["r0"]);
      const tSubscribe = Date.now();
      const s = subscribe({ topic, group: "age", options: { ackDeadlineMs: 60_000n } });
      const [r0] = await s.received(1);
      const tReceived0 = Date.now(); // r0 was delivered in [tSubscribe, tReceived0]

      await waitFor(() => Date.now() - tReceived0 >= 300, 5000, "300 ms to pass");
      const tProduce1 = Date.now();
      await produceTo(topic, 0, ["r1"]);
      const [, r1] = await s.received(2); // r1 was delivered at or after tProduce1

      const t0 = Date.now();
      const d1 = await b.admin.describeGroup({ topic, group: "age" });
      const t1 = Date.now();
      const age1 = Number(d1.partitions[0]!.oldestUnackedAgeMs);
      expect(d1.partitions[0]!.inFlight).toBe(2);
      expect(d1.members[0]!.inFlight).toBe(2);
      // r0's age: at least the time since we saw it (>= the 300 ms waited), at most the time since we subscribed
      expect(age1).toBeGreaterThanOrEqual(t0 - tReceived0);
      expect(age1).toBeLessThanOrEqual(t1 - tSubscribe);

      // ack only r0: the oldest is now r1, delivered after tProduce1
      expect((await s.settle([r0!])).outcomes).toEqual([AckOutcome.OK]);
      const d2 = await b.admin.describeGroup({ topic, group: "age" });
      const t3 = Date.now();
      const age2 = Number(d2.partitions[0]!.oldestUnackedAgeMs);
      expect(d2.partitions[0]!.inFlight).toBe(1);
      // r1's age; r0's would exceed this bound by the 300 ms waited (less the describe's own duration)
      expect(age2).toBeLessThanOrEqual(t3 - tProduce1);
      expect(d2.partitions[0]!.committedOffset).toBe(1n);

      await s.settle([r1!]);
      const d3 = await b.admin.describeGroup({ topic, group: "age" });
      expect(d3.partitions[0]).toMatchObject({ inFlight: 0, oldestUnackedAgeMs: 0n, committedOffset: 2n, lag: 0n });
    });
  });

  // ---- bad input -------------------------------------------------------------

  describe("bad start positions", () => {
    async function rejected(request: MessageInitShape<typeof SubscribeRequestSchema>): Promise<ServiceError> {
      const s = subscribe(request);
      await waitFor(() => s.ended, 5000, "the stream to end");
      expect(s.records).toEqual([]);
      return s.error as ServiceError;
    }

    it("Subscribe with a negative OFFSET or an unknown StartFrom is INVALID_ARGUMENT, with or without a group", async () => {
      const topic = await newTopic(1);
      await produceTo(topic, 0, ["a"]);
      const cases: MessageInitShape<typeof SubscribeRequestSchema>[] = [
        { topic, start: { from: StartFrom.OFFSET, offset: -1n } },
        { topic, partition: 0, start: { from: StartFrom.OFFSET, offset: -5n } },
        { topic, start: { from: 99 as StartFrom } },
        { topic, group: "neg", start: { from: StartFrom.OFFSET, offset: -1n } },
        { topic, group: "unknown", start: { from: 99 as StartFrom } },
      ];
      for (const request of cases) {
        const err = await rejected(request);
        expect(err?.code, JSON.stringify(request, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toBe(status.INVALID_ARGUMENT);
        expect(errorReason(err)).toBe("INVALID_ARGUMENT");
      }
      // the rejected group subscriptions created no group
      for (const group of ["neg", "unknown"]) {
        const missing = (await b.admin.describeGroup({ topic, group }).catch((e: unknown) => e)) as ServiceError;
        expect(missing.code).toBe(status.NOT_FOUND);
      }
    });

    it("ResetGroupOffsets with a negative OFFSET or an unknown StartFrom is INVALID_ARGUMENT and moves nothing", async () => {
      const topic = await newTopic(1);
      await produceTo(topic, 0, ["a", "b"]);
      const s = subscribe({ topic, group: "g" });
      await s.settle(await s.received(2));
      await s.leave();
      await noMembers(topic, "g");
      const positions: MessageInitShape<typeof StartPositionSchema>[] = [{ from: StartFrom.OFFSET, offset: -1n }, { from: 99 as StartFrom }];
      for (const position of positions) {
        const err = (await b.admin.resetGroupOffsets({ topic, group: "g", position }).catch((e: unknown) => e)) as ServiceError;
        expect(err.code).toBe(status.INVALID_ARGUMENT);
        expect(errorReason(err)).toBe("INVALID_ARGUMENT");
      }
      const desc = await b.admin.describeGroup({ topic, group: "g" });
      expect(desc.partitions.map((p) => p.committedOffset)).toEqual([2n]);
    });
  });
});
