/** Reader (group-less replay) and Admin against an in-process broker. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, waitFor, type TestBroker } from "../../../test/helpers/broker.js";
import { Client, Consumer, GroupHasMembersError, GroupNotFoundError, Producer, TopicAlreadyExistsError, TopicNotFoundError, type Message } from "../src/index.js";
import { unique } from "./helpers.js";

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

describe("Reader", () => {
  it("replays every record from offset 0 and stops at the end it saw (untilEnd)", async () => {
    const topic = unique("r");
    await client.admin.createTopic(topic, { partitions: 3 });
    const producer = new Producer(client, { topic });
    await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send({ key: `k${i % 7}`, value: `v${i}` })));
    const seen: Message[] = [];
    for await (const msg of client.reader({ topic, untilEnd: true })) seen.push(msg);
    expect(seen.map((m) => m.text()).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    expect(seen.every((m) => m.attempt === 0)).toBe(true);
    // Replays are repeatable, and one partition can be read alone from an offset.
    const again: string[] = [];
    for await (const msg of client.reader({ topic, partition: 1, start: { offset: 1 }, untilEnd: true })) again.push(msg.text());
    expect(again).toEqual(seen.filter((m) => m.partition === 1).slice(1).map((m) => m.text()));
    await producer.close();
  });

  it("tails new records until aborted", async () => {
    const topic = unique("r");
    await client.admin.createTopic(topic, { partitions: 1 });
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const msg of client.reader({ topic, start: "latest", signal: controller.signal })) seen.push(msg.text());
    })();
    const producer = new Producer(client, { topic });
    // The reader may open after the first send: keep sending until it sees one.
    await waitFor(async () => {
      await producer.send({ value: "live" });
      return seen.length > 0;
    }, 5_000, "a live record");
    controller.abort();
    await reading;
    expect(seen.every((v) => v === "live")).toBe(true);
    await producer.close();
  });
});

describe("Admin", () => {
  it("creates, lists, describes and deletes topics", async () => {
    const topic = unique("a");
    const created = await client.admin.createTopic(topic, { partitions: 3, retentionMs: 60_000 });
    expect(created).toMatchObject({ name: topic, partitions: 3, retentionMs: 60_000 });
    await expect(client.admin.createTopic(topic)).rejects.toBeInstanceOf(TopicAlreadyExistsError);
    expect((await client.admin.listTopics()).map((t) => t.name)).toContain(topic);
    const described = await client.admin.describeTopic(topic);
    expect(described.partitions).toEqual([0, 1, 2].map((partition) => ({ partition, startOffset: 0, endOffset: 0 })));
    await client.admin.deleteTopic(topic);
    await expect(client.admin.describeTopic(topic)).rejects.toBeInstanceOf(TopicNotFoundError);
    const auto = unique("auto");
    expect((await client.admin.describeTopic(auto, { createIfMissing: true })).topic.name).toBe(auto);
  });

  it("lists, describes, resets and deletes groups", async () => {
    const topic = unique("a");
    const group = unique("g");
    await client.admin.createTopic(topic, { partitions: 1 });
    const producer = new Producer(client, { topic });
    await Promise.all(["a", "b", "c"].map((value) => producer.send({ value })));
    await producer.close();
    const consumer = new Consumer(client, { topic, group, clientId: "admin-test", groupOptions: { maxAttempts: 7 } });
    let count = 0;
    for await (const msg of consumer) {
      msg.ack();
      if (++count === 3) {
        await consumer.flushAcks();
        break;
      }
    }
    const groups = await client.admin.listGroups(topic);
    expect(groups).toEqual([expect.objectContaining({ group, topic })]);
    const described = await waitFor(async () => {
      const g = await client.admin.describeGroup(group, topic);
      return g.partitions[0]?.committedOffset === 3 && g.members.length === 0 ? g : undefined;
    }, 5_000, "committed 3, no members");
    expect(described.options.maxAttempts).toBe(7);

    expect(await client.admin.resetGroupOffsets(group, topic, "earliest")).toEqual([{ partition: 0, offset: 0 }]);
    expect((await client.admin.describeGroup(group, topic)).partitions[0]?.lag).toBe(3);

    const member = new Consumer(client, { topic, group });
    await waitFor(() => member.assignment, 5_000, "a member");
    await expect(client.admin.deleteGroup(group, topic)).rejects.toBeInstanceOf(GroupHasMembersError);
    await member.close();
    await waitFor(async () => (await client.admin.describeGroup(group, topic)).members.length === 0, 5_000, "no members");
    await client.admin.deleteGroup(group, topic);
    await expect(client.admin.describeGroup(group, topic)).rejects.toBeInstanceOf(GroupNotFoundError);
  });
});
