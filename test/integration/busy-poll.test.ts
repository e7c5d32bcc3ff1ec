/** The broker with --busy-poll-us set serves unary and streaming calls as without it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";
import { TestSubscriber, valueOf } from "../helpers/subscriber.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("busy polling", () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ busyPollUs: "2000" });
  });
  afterAll(() => b.close());

  it("answers produce, fetch and a group subscription", async () => {
    expect(b.config.busyPollUs).toBe(2000);
    await b.admin.createTopic({ name: "bp", partitions: 1 });
    for (let i = 0; i < 20; i++) {
      const res = await b.broker.produce({ topic: "bp", record: { value: enc(`v${i}`) } });
      expect(res.offset).toBe(BigInt(i));
    }
    const fetched = await b.broker.fetch({ topic: "bp", partition: 0, offset: 0n, maxRecords: 100 });
    expect(fetched.records.map((r) => new TextDecoder().decode(r.record?.value))).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    const sub = new TestSubscriber(b, { topic: "bp", group: "g" });
    try {
      await sub.received(20);
      expect(sub.records.map(valueOf)).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    } finally {
      await sub.leave();
    }
  });
});
