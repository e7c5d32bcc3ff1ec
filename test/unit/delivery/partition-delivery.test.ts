import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PartitionDelivery } from "../../../src/delivery/partition-delivery.js";

type Op = { kind: "deliver" } | { kind: "ack"; pick: number } | { kind: "nack"; pick: number } | { kind: "timeout"; pick: number } | { kind: "redeliver" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: "deliver" as const }),
  fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("nack" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("timeout" as const), pick: fc.nat() }),
  fc.constant({ kind: "redeliver" as const }),
);

describe("PartitionDelivery", () => {
  it("commits only up to the lowest offset not done", () => {
    const d = new PartitionDelivery(0, 10);
    for (let i = 0; i < 3; i++) d.deliverNew(10 + i, "m", 0, 1000);
    expect(d.markDone(11)).toBe(false);
    expect(d.committed).toBe(10);
    expect(d.markDone(10)).toBe(true);
    expect(d.committed).toBe(12);
    expect(d.markDone(12)).toBe(true);
    expect(d.committed).toBe(13);
  });

  it("property: committed is always the lowest not-done offset under random ack / nack / timeout", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const d = new PartitionDelivery(0, 0);
        const done = new Set<number>();
        let now = 0;
        for (const o of ops) {
          now += 10;
          const pending = [...d.inFlight.keys()];
          switch (o.kind) {
            case "deliver":
              d.deliverNew(d.cursor, "m", now, 100);
              break;
            case "redeliver":
              for (const r of d.dueRetries(now)) d.deliverRetry(r, "m", now, 100);
              break;
            case "ack": {
              const all = [...pending, ...d.retries.keys()];
              if (all.length === 0) break;
              const offset = all[o.pick % all.length]!;
              d.markDone(offset);
              done.add(offset);
              break;
            }
            case "nack":
            case "timeout": {
              if (pending.length === 0) break;
              const entry = d.inFlight.get(pending[o.pick % pending.length]!)!;
              d.fail(entry, now + (o.kind === "nack" ? 0 : 50), o.kind);
              break;
            }
          }
          let lowest = 0;
          while (done.has(lowest)) lowest++;
          expect(d.committed).toBe(Math.min(lowest, d.cursor));
          // nothing is lost: every delivered offset is done, in flight or waiting for a retry
          for (let off = d.committed; off < d.cursor; off++) {
            expect(done.has(off) || d.inFlight.has(off) || d.retries.has(off)).toBe(true);
          }
        }
      }),
    );
  });

  it("bounds the unsettled window", () => {
    const d = new PartitionDelivery(0, 0);
    expect(d.windowRoom()).toBeGreaterThan(0);
    d.cursor = d.committed + d.windowRoom();
    expect(d.windowRoom()).toBe(0);
  });
});
