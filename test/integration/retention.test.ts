import { status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorReason } from "../../src/cli/rpc-client.js";
import { startTestBroker, waitFor, type TestBroker } from "../helpers/broker.js";
import { TestSubscriber, valueOf } from "../helpers/subscriber.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("time retention", () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ retentionCheckMs: "100" });
  });
  afterAll(() => b.close());

  it("removes old appends, keeps the newest, moves the log start, and groups skip ahead", async () => {
    await b.admin.createTopic({ name: "ret", partitions: 1, retentionMs: 300n });
    await b.broker.produceBatch({ topic: "ret", records: ["a", "b"].map((v) => ({ value: enc(v) })) });
    await b.broker.produceBatch({ topic: "ret", records: ["c"].map((v) => ({ value: enc(v) })) });
    // a group that read nothing yet
    const idle = new TestSubscriber(b, { topic: "ret", group: "idle", maxInFlight: 1 });
    await idle.received(1);
    await idle.leave();
    await new Promise((r) => setTimeout(r, 350));
    await b.broker.produce({ topic: "ret", record: { value: enc("fresh") } });
    const d = await waitFor(async () => {
      const desc = await b.admin.describeTopic({ name: "ret" });
      return desc.partitions[0]!.startOffset === 3n ? desc : undefined;
    }, 5000, "the log start to move to 3");
    expect(d.partitions[0]!.endOffset).toBe(4n);
    const err = (await b.broker.fetch({ topic: "ret", partition: 0, offset: 0n }).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.OUT_OF_RANGE);
    expect(errorReason(err)).toBe("OFFSET_OUT_OF_RANGE");
    expect((await b.broker.fetch({ topic: "ret", partition: 0, offset: 3n })).records.map((r) => new TextDecoder().decode(r.record?.value))).toEqual(["fresh"]);
    const g = await b.admin.describeGroup({ topic: "ret", group: "idle" });
    expect(g.partitions[0]).toMatchObject({ committedOffset: 3n, lag: 1n });
    const again = new TestSubscriber(b, { topic: "ret", group: "idle" });
    expect((await again.received(1)).map(valueOf)).toEqual(["fresh"]);
    await again.leave();
  });

  it("keeps a partition's newest append however old, so its offsets never restart", async () => {
    await b.admin.createTopic({ name: "ret-old", partitions: 1, retentionMs: 100n });
    await b.broker.produceBatch({ topic: "ret-old", records: ["x", "y"].map((v) => ({ value: enc(v) })) });
    await new Promise((r) => setTimeout(r, 400));
    const d = await b.admin.describeTopic({ name: "ret-old" });
    expect([d.partitions[0]!.startOffset, d.partitions[0]!.endOffset]).toEqual([0n, 2n]);
    expect((await b.broker.produce({ topic: "ret-old", record: { value: enc("z") } })).offset).toBe(2n);
  });

  it("refuses retention_bytes until it is supported", async () => {
    const err = (await b.admin.createTopic({ name: "ret-bytes", retentionBytes: 1000n }).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/retention_bytes is not supported yet/);
  });
});
