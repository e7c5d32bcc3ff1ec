import { describe, expect, it } from "vitest";
import { BusyPoll } from "../../../src/util/busy-poll.js";

/** Lets the poll chain run a few event-loop turns. */
async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

describe("BusyPoll", () => {
  it("keeps polling for the window after a touch, then stops by itself", async () => {
    let now = 0;
    const poll = new BusyPoll(1000, () => now);
    expect(poll.polling).toBe(false);
    poll.touch();
    expect(poll.polling).toBe(true);
    now = 0.9;
    await turns();
    expect(poll.polling).toBe(true);
    now = 1.1;
    await turns();
    expect(poll.polling).toBe(false);
  });

  it("extends the window on every touch", async () => {
    let now = 0;
    const poll = new BusyPoll(1000, () => now);
    poll.touch();
    now = 0.8;
    poll.touch();
    now = 1.5;
    await turns();
    expect(poll.polling).toBe(true);
    now = 1.9;
    await turns();
    expect(poll.polling).toBe(false);
  });

  it("does nothing with a window of 0 or after close", async () => {
    const off = new BusyPoll(0, () => 0);
    off.touch();
    expect(off.polling).toBe(false);
    const closed = new BusyPoll(1000, () => 0);
    closed.touch();
    closed.close();
    await turns();
    expect(closed.polling).toBe(false);
    closed.touch();
    expect(closed.polling).toBe(false);
  });
});
