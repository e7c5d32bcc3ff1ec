import { status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorReason } from "../../src/cli/rpc-client.js";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";

describe("topic admin", () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker();
  });
  afterAll(() => b.close());

  it("creates, lists, describes and deletes topics", async () => {
    const created = await b.admin.createTopic({ name: "admin-a", partitions: 3, retentionMs: 60_000n });
    expect(created.topic).toMatchObject({ name: "admin-a", partitions: 3, retentionMs: 60_000n });
    await b.admin.createTopic({ name: "admin-b" });
    expect((await b.admin.listTopics({})).topics.map((t) => t.name)).toEqual(["admin-a", "admin-b"]);
    await b.broker.produce({ topic: "admin-a", partition: 2, record: { value: new Uint8Array([1]) } });
    const d = await b.admin.describeTopic({ name: "admin-a" });
    expect(d.partitions.map((p) => [p.partition, p.startOffset, p.endOffset])).toEqual([[0, 0n, 0n], [1, 0n, 0n], [2, 0n, 1n]]);
    await b.admin.deleteTopic({ name: "admin-a" });
    expect((await b.admin.listTopics({})).topics.map((t) => t.name)).toEqual(["admin-b"]);
    const err = (await b.admin.describeTopic({ name: "admin-a" }).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.NOT_FOUND);
  });

  it("refuses duplicates and unknown topics with clear reasons", async () => {
    await b.admin.createTopic({ name: "admin-dup" });
    const dup = (await b.admin.createTopic({ name: "admin-dup" }).catch((e: unknown) => e)) as ServiceError;
    expect(dup.code).toBe(status.ALREADY_EXISTS);
    expect(errorReason(dup)).toBe("TOPIC_ALREADY_EXISTS");
    const missing = (await b.admin.deleteTopic({ name: "nope" }).catch((e: unknown) => e)) as ServiceError;
    expect(errorReason(missing)).toBe("TOPIC_NOT_FOUND");
  });

  it("re-creating a deleted topic starts empty", async () => {
    await b.admin.createTopic({ name: "admin-re", partitions: 1 });
    await b.broker.produce({ topic: "admin-re", record: { value: new Uint8Array([1]) } });
    await b.admin.deleteTopic({ name: "admin-re" });
    await b.admin.createTopic({ name: "admin-re", partitions: 1 });
    expect((await b.broker.fetch({ topic: "admin-re", partition: 0, offset: 0n })).records).toEqual([]);
  });

  it("describe with create_if_missing creates the topic like a produce would", async () => {
    const d = await b.admin.describeTopic({ name: "admin-lazy", createIfMissing: true });
    expect(d.topic?.partitions).toBe(4);
  });
});
