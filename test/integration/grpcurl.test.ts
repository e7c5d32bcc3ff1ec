/**
 * grpcurl against the real server through reflection alone (no proto files):
 * list, describe, Produce with JSON, Fetch, Subscribe, DescribeGroup, health.
 * grpcurl is installed by scripts/setup-go-tools.sh (npm test runs it first).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestBroker, type TestBroker } from "../helpers/broker.js";

const run = promisify(execFile);
const GRPCURL = join(REPO_ROOT, ".tools/bin/grpcurl");

describe("grpcurl through server reflection", () => {
  let b: TestBroker;
  const grpcurl = async (...args: string[]): Promise<string> => (await run(GRPCURL, ["-plaintext", ...args], { timeout: 20_000 })).stdout;
  beforeAll(async () => {
    expect(existsSync(GRPCURL), `grpcurl missing at ${GRPCURL}: run scripts/setup-go-tools.sh`).toBe(true);
    b = await startTestBroker();
  });
  afterAll(() => b?.close());

  it("lists the services and describes messages without proto files", async () => {
    expect((await grpcurl(b.address, "list")).split("\n")).toEqual(expect.arrayContaining(["ferry.v1.AdminService", "ferry.v1.BrokerService", "grpc.health.v1.Health"]));
    const methods = await grpcurl(b.address, "list", "ferry.v1.BrokerService");
    expect(methods).toContain("ferry.v1.BrokerService.Subscribe");
    const produceRequest = await grpcurl(b.address, "describe", "ferry.v1.ProduceRequest");
    expect(produceRequest).toContain("optional int32 partition = 3;");
    expect(await grpcurl(b.address, "describe", "ferry.v1.Record")).toContain("map<string, bytes> headers = 3;");
  });

  it("produces with JSON and fetches it back", async () => {
    const value = Buffer.from('{"order_id":1001}').toString("base64");
    const produced = JSON.parse(await grpcurl("-d", JSON.stringify({ topic: "grpcurl", partition: 0, record: { key: Buffer.from("1001").toString("base64"), value } }), b.address, "ferry.v1.BrokerService/Produce")) as { appendTimeMs: string };
    expect(Number(produced.appendTimeMs)).toBeGreaterThan(0);
    const fetched = JSON.parse(await grpcurl("-d", '{"topic":"grpcurl","partition":0,"offset":0}', b.address, "ferry.v1.BrokerService/Fetch")) as { records: { record: { value: string } }[]; logEndOffset: string };
    expect(fetched.records[0]!.record.value).toBe(value);
    expect(fetched.logEndOffset).toBe("1");
  });

  it("subscribes in a group, describes the group and checks health", async () => {
    await b.broker.produce({ topic: "grpcurl-sub", partition: 0, record: { value: new TextEncoder().encode("hello") } });
    const { stdout } = await run(GRPCURL, ["-plaintext", "-max-time", "2", "-d", '{"topic":"grpcurl-sub","group":"cli"}', b.address, "ferry.v1.BrokerService/Subscribe"], { timeout: 20_000 }).catch(
      (e: { stdout: string }) => e,
    );
    expect(stdout).toContain('"assignment"');
    expect(stdout).toContain(Buffer.from("hello").toString("base64"));
    const group = JSON.parse(await grpcurl("-d", '{"topic":"grpcurl-sub","group":"cli"}', b.address, "ferry.v1.AdminService/DescribeGroup")) as { group: string };
    expect(group.group).toBe("cli");
    expect(await grpcurl(b.address, "grpc.health.v1.Health/Check")).toContain("SERVING");
  });

  it("shows errors with their code and message", async () => {
    const err = await run(GRPCURL, ["-plaintext", "-d", '{"topic":"missing","partition":0}', b.address, "ferry.v1.BrokerService/Fetch"]).catch((e: { stderr: string }) => e);
    expect((err as { stderr: string }).stderr).toMatch(/NotFound[\s\S]*topic 'missing' does not exist/);
  });
});
