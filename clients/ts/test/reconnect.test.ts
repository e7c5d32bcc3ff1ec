/**
 * Scenario reconnect-after-restart: the broker is a child process, stopped with
 * SIGTERM and started again on the same port and data dir. The same Consumer
 * rejoins by itself; the Producer retries until the broker is back.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { spawnBroker, tempDir, waitFor, type ChildBroker } from "../../../test/helpers/broker.js";
import { Client, Consumer, Producer, type Assignment } from "../src/index.js";
import { drain, unique } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stop(child: ChildBroker): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGTERM");
  await child.exited;
}

describe("client scenarios against a restarted broker", () => {
  it("reconnect-after-restart", async () => {
    const dataDir = tempDir("ferry-ts-client-");
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await spawnBroker(dataDir);
    let current = first;
    cleanups.push(() => stop(current));

    const client = new Client(first.address);
    cleanups.push(() => client.close());
    const topic = unique("restart");
    const group = unique("g");
    await client.admin.createTopic(topic, { partitions: 1 });

    const received: string[] = [];
    const assignments: Assignment[] = [];
    const consumer = new Consumer(client, { topic, group, onAssignment: (a) => assignments.push(a) });
    const consuming = drain(consumer, (msg) => {
      received.push(msg.text());
      msg.ack();
    });
    cleanups.push(async () => {
      await consumer.close();
      await consuming;
    });
    const producer = new Producer(client, { topic, deliveryTimeoutMs: 10_000 });
    cleanups.push(() => producer.close());

    await producer.send({ value: "before" });
    await waitFor(() => received.includes("before"), 5_000, "'before'");
    await consumer.flushAcks();
    await waitFor(async () => (await client.admin.describeGroup(group, topic)).partitions[0]?.committedOffset === 1, 5_000, "the ack of 'before'");
    expect(assignments).toHaveLength(1);

    await stop(first);
    // Sent while the broker is down: the producer retries until it is back.
    const after = producer.send({ value: "after" });
    current = await spawnBroker(dataDir, first.port);
    expect(current.address).toBe(first.address);

    const position = await after;
    expect(position).toMatchObject({ partition: 0, offset: 1 });
    await waitFor(() => received.includes("after"), 15_000, "'after' on the same consumer");
    expect(received).toEqual(["before", "after"]);
    expect(assignments.length).toBeGreaterThanOrEqual(2);
    expect(assignments.at(-1)!.memberId).not.toBe(assignments[0]!.memberId);
    expect(assignments.at(-1)!.partitions).toEqual([0]);
  });

  it("notices a frozen broker through keepalive, and rejoins once it answers again", async () => {
    const dataDir = tempDir("ferry-ts-client-");
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const child = await spawnBroker(dataDir);
    cleanups.push(() => stop(child));
    cleanups.push(() => {
      child.process.kill("SIGCONT"); // never leave it stopped
    });
    const client = new Client(child.address, { keepaliveTimeMs: 300, keepaliveTimeoutMs: 700 });
    cleanups.push(() => client.close());
    const topic = unique("frozen");
    await client.admin.createTopic(topic, { partitions: 1 });

    const assignments: Assignment[] = [];
    const errors: string[] = [];
    const received: string[] = [];
    const consumer = new Consumer(client, { topic, group: unique("g"), onAssignment: (a) => assignments.push(a), onError: (e) => errors.push(e.reason) });
    const consuming = drain(consumer, (msg) => {
      received.push(msg.text());
      msg.ack();
    });
    cleanups.push(async () => {
      await consumer.close();
      await consuming;
    });
    await waitFor(() => assignments.length === 1, 5_000, "the first assignment");

    child.process.kill("SIGSTOP");
    await waitFor(() => errors.includes("UNAVAILABLE"), 10_000, "the consumer to notice");
    child.process.kill("SIGCONT");
    const producer = new Producer(client, { topic });
    cleanups.push(() => producer.close());
    await producer.send({ value: "thawed" });
    await waitFor(() => received.includes("thawed"), 15_000, "'thawed'");
    expect(assignments.length).toBeGreaterThanOrEqual(2);
  });
});
