/** Runs examples/quickstart.ts (the README's snippet) as a program against a test broker. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestBroker, waitFor, type TestBroker } from "../../../test/helpers/broker.js";

const run = promisify(execFile);
let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});

afterAll(async () => {
  await broker?.close();
});

async function quickstart(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, "node_modules/vite-node/vite-node.mjs"), join(REPO_ROOT, "clients/ts/examples/quickstart.ts"), ...args], {
    cwd: REPO_ROOT,
    env,
    timeout: 30_000,
  });
  return stdout;
}

describe("clients/ts/examples/quickstart.ts", () => {
  it("produces, consumes and acks one record", async () => {
    const out = await quickstart([broker.address]);
    expect(out).toMatch(/^sent to partition \d+ at offset 0$/m);
    expect(out).toContain("received 'hello, ferry' (key user-1, attempt 1)");
    await waitFor(async () => {
      const g = await broker.admin.describeGroup({ group: "greeters", topic: "greetings" });
      return g.partitions.every((p) => p.lag === 0n) && g.members.length === 0;
    }, 5_000, "the ack and the leave");
  });

  it("takes the address from FERRY_BROKER, and a second run reads the next record", async () => {
    const out = await quickstart([], { ...process.env, FERRY_BROKER: broker.address });
    expect(out).toMatch(/^sent to partition \d+ at offset 1$/m);
    expect(out).toContain("received 'hello, ferry' (key user-1, attempt 1)");
  });
});
