/**
 * The shared client scenarios (test/client-scenarios.json) against an in-process
 * broker; reconnect-after-restart lives in reconnect.test.ts (it needs a child broker).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, waitFor, type TestBroker } from "../../../test/helpers/broker.js";
import { Client, Consumer, FerryError, GrpcStatus, Producer, TopicNotFoundError, type Message } from "../src/index.js";
import { drain, unique } from "./helpers.js";

interface Scenario {
  name: string;
  topic_partitions?: number;
  records?: number;
  keys?: number;
  nack_delay_ms?: number;
  max_attempts?: number;
}
const scenarios = (JSON.parse(readFileSync(join(import.meta.dirname, "../../../test/client-scenarios.json"), "utf8")) as { scenarios: Scenario[] }).scenarios;
const scenario = (name: string): Scenario => {
  const found = scenarios.find((s) => s.name === name);
  if (!found) throw new Error(`scenario ${name} is not in test/client-scenarios.json`);
  return found;
};

let broker: TestBroker;
let client: Client;

beforeAll(async () => {
  broker = await startTestBroker();
  client = new Client(broker.address);
});

afterAll(async () => {
  client?.close();
  await broker?.close();
});

describe("client scenarios", () => {
  it("lists six scenarios, all covered here or in reconnect.test.ts", () => {
    expect(scenarios.map((s) => s.name).sort()).toEqual(
      ["dead-letter", "group-consume-acks", "nack-redelivery", "produce-keyed-read-back", "reconnect-after-restart", "unknown-topic-not-found"].sort(),
    );
  });

  it("produce-keyed-read-back", async () => {
    const s = scenario("produce-keyed-read-back");
    const topic = unique("keyed");
    await client.admin.createTopic(topic, { partitions: s.topic_partitions! });
    const producer = new Producer(client, { topic });
    const n = s.records!;
    const positions = await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ key: `k${i % s.keys!}`, value: `v${i}` })));
    await producer.close();

    const fetched = new Map<string, { partition: number; offset: number; key: string }>();
    for (let partition = 0; partition < s.topic_partitions!; partition++) {
      const res = await client.broker.fetch({ topic, partition, offset: 0n, maxRecords: 1000 });
      const values = res.records.map((r) => Buffer.from(r.record!.value).toString());
      // Per partition, values ascend by i: send order is kept.
      const indexes = values.map((v) => Number(v.slice(1)));
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      for (const r of res.records) {
        fetched.set(Buffer.from(r.record!.value).toString(), { partition, offset: Number(r.offset), key: Buffer.from(r.record!.key).toString() });
      }
    }
    expect(fetched.size).toBe(n);
    const partitionOfKey = new Map<string, number>();
    positions.forEach((pos, i) => {
      const got = fetched.get(`v${i}`)!;
      expect(got.key).toBe(`k${i % s.keys!}`);
      expect({ partition: pos.partition, offset: pos.offset }).toEqual({ partition: got.partition, offset: got.offset });
      const seen = partitionOfKey.get(got.key);
      if (seen !== undefined) expect(got.partition).toBe(seen);
      partitionOfKey.set(got.key, got.partition);
    });
  });

  it("group-consume-acks", async () => {
    const s = scenario("group-consume-acks");
    const topic = unique("acks");
    const group = unique("g");
    await client.admin.createTopic(topic, { partitions: s.topic_partitions! });
    const producer = new Producer(client, { topic });
    await Promise.all(Array.from({ length: s.records! }, (_, i) => producer.send({ value: `r${i}` })));
    await producer.close();

    const consumer = new Consumer(client, { topic, group });
    const seen = new Map<string, Message>();
    for await (const msg of consumer) {
      seen.set(`${msg.partition}/${msg.offset}`, msg);
      msg.ack();
      if (seen.size === s.records) break; // break closes the consumer (acks are flushed first)
    }
    expect(seen.size).toBe(s.records);
    expect([...seen.values()].every((m) => m.attempt === 1)).toBe(true);
    expect(new Set([...seen.values()].map((m) => m.text()))).toEqual(new Set(Array.from({ length: s.records! }, (_, i) => `r${i}`)));
    const described = await waitFor(
      async () => {
        const g = await client.admin.describeGroup(group, topic);
        return g.partitions.length === s.topic_partitions && g.partitions.every((p) => p.committedOffset === p.logEndOffset && p.lag === 0) ? g : undefined;
      },
      5_000,
      "lag 0 on every partition",
    );
    expect(described.partitions.reduce((sum, p) => sum + p.logEndOffset, 0)).toBe(s.records);
    // break left the group (the broker sees the cancelled stream a moment later)
    await waitFor(async () => (await client.admin.describeGroup(group, topic)).members.length === 0, 5_000, "the member to leave");
  });

  it("nack-redelivery", async () => {
    const s = scenario("nack-redelivery");
    const topic = unique("nack");
    await client.admin.createTopic(topic, { partitions: 1 });
    const producer = new Producer(client, { topic });
    await producer.send({ value: "once more" });
    await producer.close();

    const consumer = new Consumer(client, { topic, group: unique("g") });
    const deliveries: { attempt: number; at: number }[] = [];
    let nackedAt = 0;
    for await (const msg of consumer) {
      deliveries.push({ attempt: msg.attempt, at: performance.now() });
      if (deliveries.length === 1) {
        nackedAt = performance.now();
        msg.nack({ delayMs: s.nack_delay_ms! });
      } else {
        msg.ack();
        break;
      }
    }
    expect(deliveries.map((d) => d.attempt)).toEqual([1, 2]);
    expect(deliveries[1]!.at - nackedAt).toBeGreaterThanOrEqual(s.nack_delay_ms!);
  });

  it("dead-letter", async () => {
    const s = scenario("dead-letter");
    const topic = unique("dl");
    const group = unique("dl");
    await client.admin.createTopic(topic, { partitions: 1 });
    const producer = new Producer(client, { topic });
    await producer.send({ key: "poison", value: "bad order", headers: { trace: "abc" } });
    await producer.close();

    const attempts: number[] = [];
    const consumer = new Consumer(client, { topic, group, groupOptions: { maxAttempts: s.max_attempts!, backoffMinMs: 50, backoffMaxMs: 100 } });
    const done = drain(consumer, (msg) => {
      attempts.push(msg.attempt);
      msg.nack({ reason: "boom" });
    });
    const dlq = `${topic}.${group}.dlq`;
    const letters = await waitFor(async () => {
      const res = await client.broker.fetch({ topic: dlq, partition: 0, offset: 0n });
      return res.records.length > 0 ? res : undefined;
    }, 10_000, "the dead letter");
    // Done means committed past it: nothing is left to deliver.
    await waitFor(async () => (await client.admin.describeGroup(group, topic)).partitions[0]?.committedOffset === 1, 5_000, "offset 1 committed");
    // A third delivery would come within the 100 ms max backoff; watch a little longer.
    await new Promise((r) => setTimeout(r, 300));
    await consumer.close();
    await done;

    expect(attempts).toEqual([1, 2]);
    expect(letters.logEndOffset).toBe(1n);
    const letter = letters.records[0]!.record!;
    const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString());
    expect(text(letter.key)).toBe("poison");
    expect(text(letter.value)).toBe("bad order");
    expect(text(letter.headers["trace"])).toBe("abc");
    expect(text(letter.headers["ferry-origin-topic"])).toBe(topic);
    expect(text(letter.headers["ferry-origin-partition"])).toBe("0");
    expect(text(letter.headers["ferry-origin-offset"])).toBe("0");
    expect(text(letter.headers["ferry-attempts"])).toBe(String(s.max_attempts));
    expect(text(letter.headers["ferry-last-error"])).toBe("boom");
  });

  it("unknown-topic-not-found", async () => {
    const topic = unique("missing");
    const err: unknown = await client.broker.fetch({ topic, partition: 0, offset: 0n }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TopicNotFoundError);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).reason).toBe("TOPIC_NOT_FOUND");
    expect((err as FerryError).code).toBe(GrpcStatus.NOT_FOUND);
    await expect(client.admin.describeTopic(topic)).rejects.toBeInstanceOf(TopicNotFoundError);
  });
});
