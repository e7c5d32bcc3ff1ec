import { afterEach, describe, expect, it, vi } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { RecordSchema } from "../../../src/gen/ferry/v1/common_pb.js";
import type { SubscriptionEvent } from "../../../src/groups/group-coordinator.js";
import { IN_FLIGHT } from "../../../src/delivery/partition-delivery.js";
import { BEHIND_MIN_RECORDS, PULL_MAX_BYTES, PULL_MAX_RECORDS, PULL_MAX_RECORDS_BEHIND, SETTLE_EXTEND, SETTLE_NACK } from "../../../src/groups/group.js";
import { subscription, testEngine } from "../../helpers/engine.js";

const controllers: AbortController[] = [];
afterEach(() => controllers.splice(0).forEach((c) => c.abort()));

/** Pulls events until `pred` matches, with a bound on the number of steps. */
async function nextMatching(it: AsyncGenerator<SubscriptionEvent>, pred: (e: SubscriptionEvent) => boolean): Promise<SubscriptionEvent> {
  for (let i = 0; i < 20; i++) {
    const r = await it.next();
    if (r.done) throw new Error("stream ended");
    if (pred(r.value)) return r.value;
  }
  throw new Error("no matching event");
}

const isRecords = (e: SubscriptionEvent): e is Extract<SubscriptionEvent, { kind: "records" }> => e.kind === "records";

function join(engine: ReturnType<typeof testEngine>, topic: string, group: string, over = {}) {
  const controller = new AbortController();
  controllers.push(controller);
  return engine.groups.subscribe(subscription(topic, group, over), controller.signal);
}

describe("group delivery with a fake clock", () => {
  it("redelivers after the ack deadline with the next attempt number", async () => {
    const e = testEngine();
    await e.broker.createTopic("t", { partitions: 1 });
    await e.produce("t", ["a"]);
    const s = join(e, "t", "g");
    const first = await nextMatching(s, isRecords);
    expect(isRecords(first) && first.deliveries.map((d) => [d.record.offset, d.attempt])).toEqual([[0, 1]]);
    const g = e.groups.find("t", "g");
    e.clock.advance(999);
    expect(g.deliveries[0]!.inFlightCount).toBe(1);
    e.clock.advance(1 + 100); // deadline, then the first backoff (100 ms)
    const again = await nextMatching(s, isRecords);
    expect(isRecords(again) && again.deliveries.map((d) => [d.record.offset, d.attempt])).toEqual([[0, 2]]);
  });

  it("redelivers a timed-out run with one read of the store, not one per record", async () => {
    const e = testEngine();
    await e.broker.createTopic("t", { partitions: 1 });
    await e.produce("t", Array.from({ length: 300 }, (_, i) => `v${i}`));
    const s = join(e, "t", "g");
    const first = await nextMatching(s, isRecords);
    expect(isRecords(first) && first.deliveries.length).toBe(300);
    e.clock.advance(1000 + 100); // deadline, then the first backoff
    const reads = vi.spyOn(e.store, "readRecords");
    const again = await nextMatching(s, isRecords);
    expect(isRecords(again) && again.deliveries.map((d) => [d.record.offset, d.attempt])).toEqual(Array.from({ length: 300 }, (_, i) => [i, 2]));
    expect(isRecords(again) && again.deliveries.map((d) => new TextDecoder().decode(fromBinary(RecordSchema, d.record.bytes).value))).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`));
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it("redelivers within the event byte limit, the rest in the next events", async () => {
    const e = testEngine();
    await e.broker.createTopic("t", { partitions: 1 });
    const value = "x".repeat(10_000);
    await e.produce("t", Array.from({ length: 300 }, () => value));
    const s = join(e, "t", "g");
    const sizes = (ev: SubscriptionEvent): number => (isRecords(ev) ? ev.deliveries.reduce((n, d) => n + d.record.bytes.length, 0) : 0);
    let delivered = 0;
    while (delivered < 300) {
      const ev = await nextMatching(s, isRecords);
      if (isRecords(ev)) delivered += ev.deliveries.length;
    }
    expect(delivered).toBe(300);
    e.clock.advance(1000 + 100); // every delivery times out; the first backoff passes
    const again = await nextMatching(s, isRecords);
    expect(isRecords(again) && again.deliveries[0]!.attempt).toBe(2);
    expect(sizes(again)).toBeLessThanOrEqual(PULL_MAX_BYTES);
    const redelivered = isRecords(again) ? again.deliveries.map((d) => d.record.offset) : [];
    expect(redelivered.length).toBeLessThan(300);
    while (redelivered.length < 300) {
      const ev = await nextMatching(s, isRecords);
      if (isRecords(ev)) redelivered.push(...ev.deliveries.filter((d) => d.attempt === 2).map((d) => d.record.offset));
    }
    expect(redelivered).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it("extend pushes the deadline out", async () => {
    const e = testEngine();
    await e.broker.createTopic("t", { partitions: 1 });
    await e.produce("t", ["a"]);
    const s = join(e, "t", "g");
    const ev = await nextMatching(s, isRecords);
    const memberId = e.groups.find("t", "g").owner(0)!.id;
    e.clock.advance(900);
    expect(await e.groups.settle("t", "g", memberId, [{ partition: 0, offset: 0, action: SETTLE_EXTEND, delayMs: 0, reason: "", extendMs: 5000, count: 0 }])).toEqual([true]);
    e.clock.advance(4000);
    const d = e.groups.find("t", "g").deliveries[0]!;
    expect(d.stateOf(0)).toBe(IN_FLIGHT);
    expect(d.failuresOf(0)).toBe(0);
    expect(isRecords(ev)).toBe(true);
  });

  it("nack uses the group's exponential backoff, or the nack's own delay", async () => {
    const e = testEngine();
    await e.broker.createTopic("t", { partitions: 1 });
    await e.produce("t", ["a", "b"]);
    const s = join(e, "t", "g");
    await nextMatching(s, isRecords);
    const g = e.groups.find("t", "g");
    const m = g.owner(0)!.id;
    await e.groups.settle("t", "g", m, [
      { partition: 0, offset: 0, action: SETTLE_NACK, delayMs: 0, reason: "x", extendMs: 0, count: 0 },
      { partition: 0, offset: 1, action: SETTLE_NACK, delayMs: 250, reason: "y", extendMs: 0, count: 0 },
    ]);
    const now = e.clock.nowMs();
    expect(g.deliveries[0]!.retries.get(0)!.dueMs - now).toBe(100);
    expect(g.deliveries[0]!.retries.get(1)!.dueMs - now).toBe(250);
  });

  it("dead-letters after max attempts, keeping payload and naming the origin", async () => {
    const e = testEngine();
    await e.broker.createTopic("t", { partitions: 1 });
    await e.produce("t", ["poison"], "k");
    const s = join(e, "t", "g", { options: { ackDeadlineMs: 0, maxAttempts: 2, backoffMinMs: 10, backoffMaxMs: 10, deadLetterTopic: "" } });
    const g = await (async () => {
      await nextMatching(s, isRecords);
      return e.groups.find("t", "g");
    })();
    const m = g.owner(0)!.id;
    await e.groups.settle("t", "g", m, [{ partition: 0, offset: 0, action: SETTLE_NACK, delayMs: 0, reason: "boom", extendMs: 0, count: 0 }]);
    e.clock.advance(10);
    const second = await nextMatching(s, isRecords);
    expect(isRecords(second) && second.deliveries[0]!.attempt).toBe(2);
    await e.groups.settle("t", "g", m, [{ partition: 0, offset: 0, action: SETTLE_NACK, delayMs: 0, reason: "boom again", extendMs: 0, count: 0 }]);
    await g.drain();
    expect(g.deliveries[0]!.committed).toBe(1);
    const dlq = e.broker.fetch("t.g.dlq", 0, 0, 10, 0);
    expect(dlq.records).toHaveLength(1);
    const record = fromBinary(RecordSchema, dlq.records[0]!.bytes);
    const headers = Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v).toString()]));
    expect(Buffer.from(record.value).toString()).toBe("poison");
    expect(Buffer.from(record.key).toString()).toBe("k");
    expect(headers).toMatchObject({ "ferry-origin-topic": "t", "ferry-origin-partition": "0", "ferry-origin-offset": "0", "ferry-attempts": "2", "ferry-last-error": "boom again" });
  });

  it("a leaving member's unacked records go to the remaining member, not counted as failures", async () => {
    const e = testEngine();
    await e.broker.createTopic("t", { partitions: 2 });
    const a = join(e, "t", "g");
    await nextMatching(a, (ev) => ev.kind === "assignment");
    const b = join(e, "t", "g");
    await nextMatching(b, (ev) => ev.kind === "assignment");
    await e.broker.produce({ topic: "t", records: [{ bytes: new Uint8Array([18, 1, 120]), key: new Uint8Array() }], partition: 0, producerId: "", firstSequence: 0 });
    await e.broker.produce({ topic: "t", records: [{ bytes: new Uint8Array([18, 1, 121]), key: new Uint8Array() }], partition: 1, producerId: "", firstSequence: 0 });
    const g = e.groups.find("t", "g");
    const ownerOf0 = g.owner(0)!.id;
    const [holder, other] = ownerOf0 === [...g.members.keys()][0] ? [a, b] : [b, a];
    await nextMatching(holder, isRecords);
    expect(g.deliveries[0]!.inFlightCount).toBe(1);
    await holder.return(undefined); // leaves
    const moved = await nextMatching(other, (ev) => isRecords(ev) && ev.deliveries.some((d) => d.partition === 0));
    expect(isRecords(moved) && moved.deliveries.find((d) => d.partition === 0)!.attempt).toBe(1);
    expect(g.members.size).toBe(1);
    expect(g.generation).toBe(3);
  });

  it("hands a member far behind bigger events than a member at the head", async () => {
    const e = testEngine({ maxInFlight: "100000" });
    await e.broker.createTopic("t", { partitions: 1 });
    const backlog = BEHIND_MIN_RECORDS + PULL_MAX_RECORDS_BEHIND;
    for (let i = 0; i < backlog; i += 5000) await e.produce("t", Array.from({ length: 5000 }, () => "x"));
    const s = join(e, "t", "g", { maxInFlight: 100_000 });
    const sizes: number[] = [];
    for (let delivered = 0; delivered < backlog; ) {
      const ev = await nextMatching(s, isRecords);
      if (!isRecords(ev)) continue;
      sizes.push(ev.deliveries.length);
      delivered += ev.deliveries.length;
    }
    expect(sizes[0]).toBe(PULL_MAX_RECORDS_BEHIND); // 55k behind
    expect(sizes.at(-1)).toBeLessThanOrEqual(PULL_MAX_RECORDS); // under 50k behind: head-sized events
    expect(Math.max(...sizes.slice(sizes.findIndex((n) => n <= PULL_MAX_RECORDS)))).toBeLessThanOrEqual(PULL_MAX_RECORDS);
  });
});
