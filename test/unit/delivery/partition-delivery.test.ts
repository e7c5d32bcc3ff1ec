import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEAD_LETTERING, DONE, IN_FLIGHT, MAX_UNSETTLED_WINDOW, PartitionDelivery, WAITING_RETRY } from "../../../src/delivery/partition-delivery.js";

type Op =
  | { kind: "deliver"; holder: number }
  | { kind: "ack"; pick: number }
  | { kind: "nack"; pick: number }
  | { kind: "timeout"; pick: number }
  | { kind: "release"; holder: number }
  | { kind: "redeliver" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("deliver" as const), holder: fc.nat(2) }),
  fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("nack" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("timeout" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("release" as const), holder: fc.nat(2) }),
  fc.constant({ kind: "redeliver" as const }),
);

function inFlightOffsets(d: PartitionDelivery): number[] {
  const offsets: number[] = [];
  d.forEachInFlight((offset) => offsets.push(offset));
  return offsets;
}

describe("PartitionDelivery", () => {
  it("commits only up to the lowest offset not done", () => {
    const d = new PartitionDelivery(0, 10);
    for (let i = 0; i < 3; i++) d.deliverNew(10 + i, 0, 0, 1000);
    expect(d.markDone(11)).toBe(false);
    expect(d.committed).toBe(10);
    expect(d.markDone(10)).toBe(true);
    expect(d.committed).toBe(12);
    expect(d.markDone(12)).toBe(true);
    expect(d.committed).toBe(13);
    expect(d.inFlightCount).toBe(0);
  });

  it("keeps each offset's holder, attempt count and deadline", () => {
    const d = new PartitionDelivery(0, 0);
    d.deliverNew(0, 7, 100, 1000);
    d.deliverNew(1, 3, 200, 1000);
    expect([d.holderOf(0), d.holderOf(1)]).toEqual([7, 3]);
    d.fail(1, 500, "nacked");
    expect(d.stateOf(1)).toBe(WAITING_RETRY);
    const [retry] = d.dueRetries(500);
    expect(retry).toEqual({ offset: 1, failures: 1, dueMs: 500, lastError: "nacked" });
    d.deliverRetry(retry!, 4, 600, 1000);
    expect([d.stateOf(1), d.holderOf(1), d.failuresOf(1)]).toEqual([IN_FLIGHT, 4, 1]);
    d.extend(0, 9000);
    expect(d.nextWakeMs()).toBe(1600);
    expect(d.oldestDeliveredAtMs()).toBe(100);
    d.beginDeadLetter(1);
    expect([d.stateOf(1), d.inFlightCount]).toEqual([DEAD_LETTERING, 1]);
    expect(d.nextWakeMs()).toBe(9000);
  });

  it("reads offsets outside [committed, cursor) as done", () => {
    const d = new PartitionDelivery(0, 5);
    d.deliverNew(5, 0, 0, 10);
    expect([d.stateOf(4), d.stateOf(5), d.stateOf(6)]).toEqual([DONE, IN_FLIGHT, DONE]);
    expect(d.markDone(6)).toBe(false);
    expect(d.committed).toBe(5);
  });

  it("grows its ring and wraps around without losing an offset's state", () => {
    const d = new PartitionDelivery(0, 2 ** 40 - 3); // offsets beyond 32 bits
    const first = d.committed;
    const n = 5000; // several doublings of the ring
    for (let i = 0; i < n; i++) d.deliverNew(first + i, i % 5, i, 1000);
    for (let i = 1; i < n; i += 2) d.markDone(first + i); // every odd one done
    expect(d.committed).toBe(first);
    expect(d.inFlightCount).toBe(n / 2);
    for (let i = 0; i < n; i += 2) expect([d.stateOf(first + i), d.holderOf(first + i)]).toEqual([IN_FLIGHT, i % 5]);
    for (let i = 0; i < n; i += 2) d.markDone(first + i);
    expect(d.committed).toBe(first + n);
    // the ring is reused from a new base: deliver and settle across the wrap point
    for (let round = 0; round < 3; round++) {
      const base = d.cursor;
      for (let i = 0; i < 3000; i++) d.deliverNew(base + i, 1, 0, 1000);
      for (let i = 2999; i >= 0; i--) d.markDone(base + i);
      expect(d.committed).toBe(base + 3000);
    }
  });

  it("skipTo drops what retention removed and returns the dropped holders", () => {
    const d = new PartitionDelivery(0, 0);
    for (let i = 0; i < 6; i++) d.deliverNew(i, i, 0, 100);
    d.fail(1, 50, "nacked");
    d.markDone(4);
    expect(d.skipTo(3).sort()).toEqual([0, 2]);
    expect([d.committed, d.cursor, d.inFlightCount, d.retries.size]).toEqual([3, 6, 2, 0]);
    expect(d.skipTo(10)).toEqual([3, 5]);
    expect([d.committed, d.cursor, d.inFlightCount]).toEqual([10, 10, 0]);
  });

  it("property: committed is always the lowest not-done offset under random ack / nack / timeout / release", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const d = new PartitionDelivery(0, 0);
        const done = new Set<number>();
        const holders = new Map<number, number>(); // the model: in-flight offset → holder
        let now = 0;
        for (const o of ops) {
          now += 10;
          const pending = inFlightOffsets(d);
          switch (o.kind) {
            case "deliver":
              holders.set(d.cursor, o.holder);
              d.deliverNew(d.cursor, o.holder, now, 100);
              break;
            case "redeliver":
              for (const r of d.dueRetries(now)) {
                holders.set(r.offset, 0);
                d.deliverRetry(r, 0, now, 100);
              }
              break;
            case "ack": {
              const all = [...pending, ...d.retries.keys()];
              if (all.length === 0) break;
              const offset = all[o.pick % all.length]!;
              d.markDone(offset);
              holders.delete(offset);
              done.add(offset);
              break;
            }
            case "nack":
            case "timeout": {
              if (pending.length === 0) break;
              const offset = pending[o.pick % pending.length]!;
              d.fail(offset, now + (o.kind === "nack" ? 0 : 50), o.kind);
              holders.delete(offset);
              break;
            }
            case "release":
              d.forEachInFlight((offset, holder) => {
                if (holder !== o.holder) return;
                d.release(offset, now);
                holders.delete(offset);
              });
              break;
          }
          let lowest = 0;
          while (done.has(lowest)) lowest++;
          expect(d.committed).toBe(Math.min(lowest, d.cursor));
          expect(d.inFlightCount).toBe(holders.size);
          expect(new Map(inFlightOffsets(d).map((offset) => [offset, d.holderOf(offset)]))).toEqual(holders);
          // nothing is lost: every delivered offset is done, in flight or waiting for a retry
          for (let off = d.committed; off < d.cursor; off++) {
            const state = d.stateOf(off);
            expect(done.has(off) ? state === DONE : state === IN_FLIGHT || (state === WAITING_RETRY && d.retries.has(off))).toBe(true);
          }
        }
      }),
    );
  });

  it("bounds the unsettled window", () => {
    const d = new PartitionDelivery(0, 0);
    expect(d.windowRoom()).toBe(MAX_UNSETTLED_WINDOW);
    for (let i = 0; i < MAX_UNSETTLED_WINDOW; i++) d.deliverNew(i, 0, 0, 1000);
    expect(d.windowRoom()).toBe(0);
    d.markDone(0);
    expect(d.windowRoom()).toBe(1);
  });
});
