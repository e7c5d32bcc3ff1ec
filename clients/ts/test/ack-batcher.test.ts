/** AckBatcher on its own: which AckItems each call carries (the send function records them). */
import { describe, expect, it } from "vitest";
import { AckBatcher, type AckItemInit } from "../src/ack-batcher.js";
import { AckAction } from "../src/gen/ferry/v1/broker_pb.js";

function batcher(maxRecords: number): { batcher: AckBatcher; calls: AckItemInit[][] } {
  const calls: AckItemInit[][] = [];
  const b = new AckBatcher(
    async (items) => {
      calls.push(items);
    },
    60_000,
    maxRecords,
    (err) => {
      throw err;
    },
  );
  return { batcher: b, calls };
}

const ack = (partition: number, offset: number): AckItemInit => ({ partition, offset: BigInt(offset), action: AckAction.ACK });

describe("AckBatcher", () => {
  it("folds consecutive acks per partition into runs, with partitions interleaved", async () => {
    const { batcher: b, calls } = batcher(1000);
    for (let i = 0; i < 5; i++) {
      b.add(ack(0, 10 + i));
      b.add(ack(1, 20 + i));
    }
    b.add(ack(0, 30)); // a gap: a new run
    await b.flush();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((i) => [i.partition, i.offset, i.count ?? 0n])).toEqual([
      [0, 10n, 5n],
      [1, 20n, 5n],
      [0, 30n, 0n],
    ]);
  });

  it("keeps nacks and extends as their own items, in order, and a run never crosses a batch", async () => {
    const { batcher: b, calls } = batcher(5);
    b.add(ack(0, 1));
    b.add({ partition: 0, offset: 2n, action: AckAction.EXTEND });
    b.add(ack(0, 2)); // after its extend, not folded into the run before it
    b.add(ack(0, 3));
    b.add({ partition: 0, offset: 4n, action: AckAction.NACK, reason: "boom" }); // the fifth record sends the batch
    b.add(ack(0, 5));
    await b.flush();
    expect(calls.map((c) => c.map((i) => [i.offset, i.action, i.count ?? 0n]))).toEqual([
      [
        [1n, AckAction.ACK, 0n],
        [2n, AckAction.EXTEND, 0n],
        [2n, AckAction.ACK, 2n],
        [4n, AckAction.NACK, 0n],
      ],
      [[5n, AckAction.ACK, 0n]],
    ]);
  });
});
