import { connect, type ClientHttp2Session } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECEIVE_WINDOW_BYTES } from "../../src/server/receive-window.js";
import { startTestBroker, type TestBroker } from "../helpers/broker.js";

/** Waits until `ok()` holds, polling every 10 ms, for at most 5 s. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("HTTP/2 receive window", () => {
  let b: TestBroker;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    b = await startTestBroker();
    session = connect(`http://${b.address}`);
    await new Promise<void>((resolve, reject) => {
      session.once("remoteSettings", () => resolve());
      session.once("error", reject);
    });
  });
  afterAll(async () => {
    session.close();
    await b.close();
  });

  it("advertises a stream window beyond HTTP/2's 64 KiB default, so a big ProduceBatch need not wait for WINDOW_UPDATEs", () => {
    expect(RECEIVE_WINDOW_BYTES).toBeGreaterThan(65_535);
    expect(session.remoteSettings.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
  });

  it("opens the connection window as wide, for the batches in flight on one connection", async () => {
    await until(() => (session.state.remoteWindowSize ?? 0) >= RECEIVE_WINDOW_BYTES);
    expect(session.state.remoteWindowSize).toBe(RECEIVE_WINDOW_BYTES);
  });

  it("still serves calls on the connection", async () => {
    const topic = `rw-${process.pid}`;
    const records = Array.from({ length: 1000 }, () => ({ value: new Uint8Array(1000).fill(7) }));
    const res = await b.broker.produceBatch({ topic, records });
    expect(res.offsets).toHaveLength(1000);
  });
});
