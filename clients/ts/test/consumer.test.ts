/** Consumer behaviour beyond the shared scenarios, against an in-process broker. */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestBroker, waitFor, type TestBroker } from "../../../test/helpers/broker.js";
import { Client, Consumer, GroupOptionsMismatchError, Producer, TopicNotFoundError, type Assignment, type Message } from "../src/index.js";
import { drain, unique } from "./helpers.js";

let broker: TestBroker;
let client: Client;

beforeAll(async () => {
  broker = await startTestBroker({ autoCreateTopics: false });
  client = new Client(broker.address);
});

afterAll(async () => {
  client?.close();
  await broker?.close();
});

async function topicWith(partitions: number, values: string[]): Promise<string> {
  const topic = unique("c");
  await client.admin.createTopic(topic, { partitions });
  const producer = new Producer(client, { topic });
  await Promise.all(values.map((value) => producer.send({ value })));
  await producer.close();
  return topic;
}

describe("Producer and Consumer on their own connections", () => {
  it("take an address, own their connection, and close it", async () => {
    const topic = await topicWith(1, []);
    const producer = new Producer(broker.address, { topic });
    expect(await producer.send({ value: "own" })).toMatchObject({ topic, partition: 0, offset: 0 });
    await producer.close();
    const consumer = new Consumer(broker.address, { topic, group: unique("g") });
    for await (const msg of consumer) {
      expect(msg.text()).toBe("own");
      msg.ack();
      break;
    }
  });

  it("a send to a missing topic rejects with TopicNotFoundError when the broker does not auto-create", async () => {
    const producer = new Producer(client);
    await expect(producer.send({ topic: unique("missing"), value: "x" })).rejects.toBeInstanceOf(TopicNotFoundError);
    await producer.close();
  });
});

describe("Consumer", () => {
  it("shares partitions between two members and reports each assignment", async () => {
    const topic = await topicWith(4, []);
    const group = unique("g");
    const a: Assignment[] = [];
    const b: Assignment[] = [];
    const first = new Consumer(client, { topic, group, onAssignment: (x) => a.push(x) });
    await waitFor(() => a.at(-1)?.partitions.length === 4, 5_000, "first member owns all 4");
    const second = new Consumer(client, { topic, group, onAssignment: (x) => b.push(x) });
    await waitFor(() => a.at(-1)?.partitions.length === 2 && b.at(-1)?.partitions.length === 2, 5_000, "2 + 2");
    expect([...a.at(-1)!.partitions, ...b.at(-1)!.partitions].sort()).toEqual([0, 1, 2, 3]);
    expect(first.assignment).toEqual(a.at(-1));
    await second.close();
    await waitFor(() => a.at(-1)?.partitions.length === 4, 5_000, "first member owns all 4 again");
    await first.close();
  });

  it("closes on AbortSignal: a waiting loop ends and the member leaves", async () => {
    const topic = await topicWith(1, ["x"]);
    const group = unique("g");
    const controller = new AbortController();
    const consumer = new Consumer(client, { topic, group, signal: controller.signal });
    const seen: Message[] = [];
    const loop = drain(consumer, (msg) => {
      seen.push(msg);
      msg.ack();
    });
    await waitFor(() => seen.length === 1, 5_000, "the record");
    controller.abort();
    await loop; // ends without error
    await consumer.close(); // idempotent
    await waitFor(async () => (await client.admin.describeGroup(group, topic)).members.length === 0, 5_000, "no members");
    expect((await client.admin.describeGroup(group, topic)).partitions[0]?.committedOffset).toBe(1);
  });

  it("extend keeps a record past its ack deadline without redelivery", async () => {
    const topic = await topicWith(1, ["slow"]);
    const group = unique("g");
    const consumer = new Consumer(client, { topic, group, groupOptions: { ackDeadlineMs: 400, backoffMinMs: 10, backoffMaxMs: 10 } });
    const attempts: number[] = [];
    let worked = 0;
    const work = async (msg: Message): Promise<void> => {
      // Work for 1.5 deadlines, extending as we go; without the extends the record
      // would be redelivered (attempt 2) to this very loop while we work.
      const started = performance.now();
      for (let i = 0; i < 3; i++) {
        msg.extend(1_000);
        await new Promise((r) => setTimeout(r, 200));
      }
      worked = performance.now() - started;
      msg.ack();
    };
    const loop = (async () => {
      for await (const msg of consumer) {
        attempts.push(msg.attempt);
        if (msg.attempt === 1) void work(msg);
        else msg.ack();
      }
    })();
    await waitFor(async () => (await client.admin.describeGroup(group, topic)).partitions[0]?.committedOffset === 1, 5_000, "the ack");
    await consumer.close();
    await loop;
    // the work outlasted the 400 ms deadline (setTimeout may fire up to ~1 ms early on performance.now's clock)
    expect(worked).toBeGreaterThan(550);
    expect(attempts).toEqual([1]);
  });

  it("redelivers a record left unacked past the deadline, with the next attempt", async () => {
    const topic = await topicWith(1, ["forgotten"]);
    const consumer = new Consumer(client, { topic, group: unique("g"), groupOptions: { ackDeadlineMs: 100, backoffMinMs: 10, backoffMaxMs: 10 } });
    const attempts: number[] = [];
    for await (const msg of consumer) {
      attempts.push(msg.attempt);
      if (msg.attempt === 2) {
        msg.ack();
        break;
      }
    }
    expect(attempts).toEqual([1, 2]);
  });

  it("respects maxInFlight: never more unsettled records than allowed", async () => {
    const topic = await topicWith(1, Array.from({ length: 20 }, (_, i) => `m${i}`));
    const group = unique("g");
    const consumer = new Consumer(client, { topic, group, maxInFlight: 5 });
    const held: Message[] = [];
    const loop = drain(consumer, (msg) => held.push(msg));
    await waitFor(() => held.length === 5, 5_000, "5 records");
    const g = await client.admin.describeGroup(group, topic);
    expect(g.members[0]?.inFlight).toBe(5);
    expect(held).toHaveLength(5);
    for (const m of held.splice(0)) m.ack();
    await waitFor(() => held.length === 5, 5_000, "5 more records");
    expect(held[0]!.offset).toBe(5);
    await consumer.close();
    await loop;
  });

  it("fails iteration with a typed error it cannot recover from", async () => {
    const consumer = new Consumer(client, { topic: unique("missing"), group: unique("g") });
    await expect(drain(consumer, () => undefined)).rejects.toBeInstanceOf(TopicNotFoundError);
    const topic = await topicWith(1, []);
    const group = unique("g");
    const one = new Consumer(client, { topic, group, groupOptions: { maxAttempts: 3 } });
    await waitFor(() => one.assignment, 5_000, "first member");
    const other = new Consumer(client, { topic, group, groupOptions: { maxAttempts: 4 } });
    await expect(drain(other, () => undefined)).rejects.toBeInstanceOf(GroupOptionsMismatchError);
    await one.close();
  });
});

describe("Consumer acks", () => {
  it("coalesces one ack per message into few Ack calls of offset runs, each within ackBatchSize records", async () => {
    const topic = await topicWith(1, Array.from({ length: 200 }, (_, i) => `m${i}`));
    const group = unique("g");
    const calls: number[] = [];
    const settle = broker.running.groups.settle.bind(broker.running.groups);
    const spy = vi.spyOn(broker.running.groups, "settle").mockImplementation((t, g, m, items) => {
      if (g === group) {
        expect(items).toHaveLength(1); // one partition read in order: one run per call
        calls.push(Math.max(1, items[0]!.count));
      }
      return settle(t, g, m, items);
    });
    try {
      const consumer = new Consumer(client, { topic, group, ackLingerMs: 20, ackBatchSize: 50 });
      let seen = 0;
      for await (const msg of consumer) {
        msg.ack();
        if (++seen === 200) break;
      }
      await waitFor(async () => (await client.admin.describeGroup(group, topic)).partitions[0]?.committedOffset === 200, 5_000, "all 200 acked");
      expect(calls.reduce((a, b) => a + b, 0)).toBe(200);
      expect(Math.max(...calls)).toBeLessThanOrEqual(50);
      expect(calls.length).toBeLessThanOrEqual(20);
    } finally {
      spy.mockRestore();
    }
  });
});
