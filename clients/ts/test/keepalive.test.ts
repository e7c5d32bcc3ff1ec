/** Client keepalive: an idle connection is pinged too, so a frozen broker is noticed before the next call. */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, waitFor, type TestBroker } from "../../../test/helpers/broker.js";
import { startFreezableProxy, type FreezableProxy } from "../../../test/helpers/freezable-proxy.js";
import { Client } from "../src/index.js";

let broker: TestBroker;
let proxy: FreezableProxy;
beforeAll(async () => {
  broker = await startTestBroker();
  proxy = await startFreezableProxy(broker.address);
});
afterAll(async () => {
  await proxy.close();
  await broker.close();
});

describe("Client keepalive", () => {
  it("drops an idle connection whose broker stopped answering", async () => {
    const client = new Client(proxy.address, { keepaliveTimeMs: 200, keepaliveTimeoutMs: 300 });
    try {
      await client.admin.listTopics(); // connected; no call is open from here on
      const channel = (client as unknown as { channel: grpc.Channel }).channel;
      const state = (): grpc.connectivityState => channel.getConnectivityState(false);
      // pings flow and are answered: the connection stays up (the broker does not refuse them)
      await new Promise((r) => setTimeout(r, 1000));
      expect(state()).toBe(grpc.connectivityState.READY);
      proxy.freeze();
      await waitFor(() => state() !== grpc.connectivityState.READY, 5000, "the frozen connection to be dropped");
    } finally {
      client.close();
    }
  });
});
