/**
 * A member whose peer goes silent (no FIN, no RST: a frozen network path) is found by
 * the broker's HTTP/2 keepalive, leaves the group, and its partitions and unacked
 * records move to the live member.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/cli/common.js";
import { startTestBroker, waitFor, type TestBroker } from "../helpers/broker.js";
import { startFreezableProxy, type FreezableProxy } from "../helpers/freezable-proxy.js";
import { TestSubscriber, valueOf } from "../helpers/subscriber.js";

describe("dead peers", () => {
  let b: TestBroker;
  let proxy: FreezableProxy;
  beforeAll(async () => {
    b = await startTestBroker({ keepaliveTimeMs: "200", keepaliveTimeoutMs: "300" });
    proxy = await startFreezableProxy(b.address);
  });
  afterAll(async () => {
    await proxy.close();
    await b.close();
  });

  it("are found by keepalive and their partitions and unacked records move on", async () => {
    await b.admin.createTopic({ name: "dp", partitions: 2 });
    const viaProxy = connect(proxy.address);
    const doomed = new TestSubscriber(viaProxy, { topic: "dp", group: "g", options: { ackDeadlineMs: 600_000n } });
    await doomed.joined();
    const live = new TestSubscriber(b, { topic: "dp", group: "g" });
    await live.joined();
    await waitFor(() => doomed.partitions.length === 1 && live.partitions.length === 1 && doomed.generation === live.generation);
    await b.broker.produce({ topic: "dp", partition: doomed.partitions[0]!, record: { value: new TextEncoder().encode("held") } });
    await doomed.received(1);
    proxy.freeze();
    // The ack deadline is 10 minutes: only the keepalive can hand "held" over this fast.
    const got = await live.received(1, 10_000);
    expect(valueOf(got[0]!)).toBe("held");
    await waitFor(() => live.partitions.length === 2, 5000, "the live member to own both partitions");
    const desc = await b.admin.describeGroup({ topic: "dp", group: "g" });
    expect(desc.members.map((m) => m.memberId)).toEqual([live.memberId]);
    await live.leave();
    viaProxy.close();
  });
});
