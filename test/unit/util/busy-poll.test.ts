import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { BusyPoll } from "../../../src/util/busy-poll.js";

describe("BusyPoll", () => {
  it("keeps polling for the window after a touch, then stops by itself", async () => {
    const poll = new BusyPoll(30_000);
    expect(poll.polling).toBe(false);
    poll.touch();
    expect(poll.polling).toBe(true);
    await sleep(5);
    expect(poll.polling).toBe(true);
    await sleep(60);
    expect(poll.polling).toBe(false);
  });

  it("extends the window on every touch", async () => {
    const poll = new BusyPoll(40_000);
    poll.touch();
    await sleep(25);
    poll.touch();
    await sleep(25);
    expect(poll.polling).toBe(true);
    await sleep(60);
    expect(poll.polling).toBe(false);
  });

  it("does nothing with a window of 0 or after close", async () => {
    const off = new BusyPoll(0);
    off.touch();
    expect(off.polling).toBe(false);
    const closed = new BusyPoll(50_000);
    closed.touch();
    closed.close();
    await sleep(5);
    expect(closed.polling).toBe(false);
    closed.touch();
    expect(closed.polling).toBe(false);
  });
});
