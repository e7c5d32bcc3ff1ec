import { describe, expect, it, vi } from "vitest";
import { GroupCommit } from "../../../src/engine/group-commit.js";
import { MemoryStore } from "../../../src/storage/memory-store.js";

const rec = (offset: number) =>
  ({ kind: "records", topicId: 1, partition: 0, firstOffset: offset, appendTimeMs: 1, records: [Uint8Array.from([18, 1, offset])] }) as const;

describe("GroupCommit", () => {
  it("batches callers that arrive during a commit into the next one", async () => {
    const store = new MemoryStore();
    const writes = vi.spyOn(store, "write");
    const commits = new GroupCommit(store, () => undefined);
    const first = commits.submit([rec(0)]);
    await Promise.resolve();
    const rest = [1, 2, 3].map((o) => commits.submit([rec(o)]));
    await Promise.all([first, ...rest]);
    expect(writes.mock.calls.map(([ops]) => ops.length)).toEqual([1, 3]);
    expect(store.readRecords(1, 0, 0, 10, 1 << 20).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
  });

  it("with writeDepth 2, hands over the next commit before the current one settles", async () => {
    const store = new MemoryStore({ writeDepth: 2 });
    const writes = vi.spyOn(store, "write");
    const commits = new GroupCommit(store, () => undefined);
    const first = commits.submit([rec(0)]);
    await Promise.resolve();
    const second = commits.submit([rec(1)]);
    await Promise.resolve();
    // Both handed over, neither settled yet.
    expect(writes).toHaveBeenCalledTimes(2);
    await Promise.all([first, second]);
  });

  it("a failed commit fails the one handed over behind it and every queued caller, applying none, then recovers", async () => {
    const store = new MemoryStore({ writeDepth: 2 });
    const writes = vi.spyOn(store, "write");
    const handedOverAtFailure: number[] = [];
    const commits = new GroupCommit(store, () => handedOverAtFailure.push(writes.mock.calls.length));
    store.failNextWrite = new Error("disk full");
    const first = commits.submit([rec(0)]);
    await Promise.resolve();
    const second = commits.submit([rec(1)]);
    await Promise.resolve();
    const third = commits.submit([rec(2)]);
    const outcomes = await Promise.allSettled([first, second, third]);
    expect(outcomes.map((o) => (o.status === "rejected" ? (o.reason as Error).message : "ok"))).toEqual(["disk full", "disk full", "disk full"]);
    // The second commit was with the store when the first failed; the third was queued.
    expect(handedOverAtFailure).toEqual([2]);
    await commits.drained();
    expect(store.readRecords(1, 0, 0, 10, 1 << 20)).toEqual([]);
    await commits.submit([rec(0)]);
    expect(store.readRecords(1, 0, 0, 10, 1 << 20).map((r) => r.offset)).toEqual([0]);
  });
});
