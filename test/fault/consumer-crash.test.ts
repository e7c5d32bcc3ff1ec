/**
 * Committed offsets survive SIGKILL of the broker, and a consumer process killed
 * mid-batch loses nothing: what it did not ack comes to the next member.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/cli/common.js";
import { REPO_ROOT, spawnBroker, tempDir, waitFor } from "../helpers/broker.js";
import { TestSubscriber, valueOf } from "../helpers/subscriber.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("consumers and crashes", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("resumes from the committed offset after the broker is SIGKILLed", async () => {
    const dir = tempDir("ferry-ckill-");
    dirs.push(dir);
    const first = await spawnBroker(dir);
    const c1 = connect(first.address);
    await c1.broker.produceBatch({ topic: "orders", partition: 0, records: Array.from({ length: 10 }, (_, i) => ({ value: enc(`o${i}`) })) });
    const s = new TestSubscriber(c1, { topic: "orders", group: "billing" });
    const got = await s.received(10);
    const acked = got.filter((r) => r.partition === 0).slice(0, 6);
    await s.settle(acked); // the Ack reply means the committed offset is durable
    first.process.kill("SIGKILL");
    await first.exited;
    await s.leave();
    c1.close();
    const second = await spawnBroker(dir);
    const c2 = connect(second.address);
    try {
      const desc = await c2.admin.describeGroup({ topic: "orders", group: "billing" });
      expect(desc.partitions[0]!.committedOffset).toBe(6n);
      const again = new TestSubscriber(c2, { topic: "orders", group: "billing" });
      expect((await again.received(4)).map(valueOf)).toEqual(["o6", "o7", "o8", "o9"]);
      await again.leave();
    } finally {
      c2.close();
      second.process.kill("SIGTERM");
      await second.exited;
    }
  });

  it("a consumer process killed mid-stream loses nothing", async () => {
    const dir = tempDir("ferry-cmid-");
    dirs.push(dir);
    const broker = await spawnBroker(dir);
    const clients = connect(broker.address);
    const total = 3000;
    try {
      await clients.admin.createTopic({ name: "work", partitions: 2 });
      for (let i = 0; i < total; i += 500) {
        await clients.broker.produceBatch({ topic: "work", records: Array.from({ length: 500 }, (_, j) => ({ value: enc(`w${i + j}`) })) });
      }
      // A CLI consumer prints and acks each batch; kill it while it works.
      const child = spawn(process.execPath, [join(REPO_ROOT, "bin/ferry.js"), "consume", "work", "--group", "workers", "--broker", broker.address], { stdio: ["ignore", "pipe", "ignore"] });
      let printed = "";
      child.stdout.on("data", (d: Buffer) => (printed += d.toString()));
      await waitFor(() => printed.split("\n").length > 200, 15_000, "the consumer to print records");
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const seenByKilled = new Set(printed.split("\n").filter(Boolean).map((l) => l.split("\t")[1]!));
      expect(seenByKilled.size).toBeLessThan(total);
      const next = new TestSubscriber(clients, { topic: "work", group: "workers" });
      const desc = await waitFor(async () => {
        const d = await clients.admin.describeGroup({ topic: "work", group: "workers" });
        return d.members.length === 1 ? d : undefined;
      });
      const committed = desc.partitions.reduce((sum, p) => sum + Number(p.committedOffset), 0);
      // Ack as records come, so max_in_flight never caps the catch-up.
      let acked = 0;
      await waitFor(async () => {
        const fresh = next.records.slice(acked);
        acked += fresh.length;
        if (fresh.length > 0) await next.settle(fresh);
        return next.records.length >= total - committed;
      }, 20_000, "the rest of the records");
      const union = new Set([...seenByKilled, ...next.records.map(valueOf)]);
      expect(union.size).toBe(total);
      await next.leave();
    } finally {
      clients.close();
      broker.process.kill("SIGTERM");
      await broker.exited;
    }
  });

  it("shuts down gracefully on SIGTERM with exit code 0", async () => {
    const dir = tempDir("ferry-term-");
    dirs.push(dir);
    const broker = await spawnBroker(dir);
    const clients = connect(broker.address);
    await clients.broker.produce({ topic: "t", record: { value: enc("x") } });
    clients.close();
    broker.process.kill("SIGTERM");
    expect(await broker.exited).toBe(0);
  });
});
