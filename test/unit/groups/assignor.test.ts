import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignPartitions } from "../../../src/groups/assignor.js";

function counts(a: Map<string, number[]>): number[] {
  return [...a.values()].map((p) => p.length);
}

function allAssigned(a: Map<string, number[]>, partitions: number): boolean {
  const seen = [...a.values()].flat().sort((x, y) => x - y);
  return seen.length === partitions && seen.every((p, i) => p === i);
}

const memberNames = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 });

describe("sticky assignor", () => {
  it("splits evenly and deterministically", () => {
    const a = assignPartitions(4, ["a", "b"], new Map());
    expect(a).toEqual(new Map([["a", [0, 1]], ["b", [2, 3]]]));
    expect(assignPartitions(4, ["a", "b"], new Map())).toEqual(a);
  });

  it("leaves extra members idle when there are more members than partitions", () => {
    const a = assignPartitions(2, ["a", "b", "c"], new Map());
    expect(counts(a).sort()).toEqual([0, 1, 1]);
  });

  it("property: every partition exactly once, counts differ by at most one, same input same output", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), memberNames, (partitions, members) => {
        const a = assignPartitions(partitions, members, new Map());
        const c = counts(a);
        expect(allAssigned(a, partitions)).toBe(true);
        expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
        expect(assignPartitions(partitions, members, new Map())).toEqual(a);
      }),
    );
  });

  it("property: on join and leave, only partitions that must move do", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), memberNames, fc.string({ minLength: 5, maxLength: 6 }), (partitions, members, joiner) => {
        const before = assignPartitions(partitions, members, new Map());
        // join: the newcomer takes its share; nobody else gains, and no partition moves between old members
        const afterJoin = assignPartitions(partitions, [...members, joiner], before);
        expect(allAssigned(afterJoin, partitions)).toBe(true);
        let moved = 0;
        for (const m of members) {
          const kept = afterJoin.get(m)!.filter((p) => before.get(m)!.includes(p));
          expect(kept).toEqual(afterJoin.get(m)); // old members only lose
          moved += before.get(m)!.length - kept.length;
        }
        expect(moved).toBe(afterJoin.get(joiner)!.length);
        expect(afterJoin.get(joiner)!.length).toBeLessThanOrEqual(Math.ceil(partitions / (members.length + 1)));
        // leave: the leaver's partitions move, and at most one more per remaining member to rebalance
        if (members.length > 1) {
          const leaver = members[0]!;
          const rest = members.slice(1);
          const afterLeave = assignPartitions(partitions, rest, before);
          expect(allAssigned(afterLeave, partitions)).toBe(true);
          for (const m of rest) {
            const lost = before.get(m)!.filter((p) => !afterLeave.get(m)!.includes(p));
            expect(lost).toEqual([]); // survivors keep everything they had
          }
          expect(before.get(leaver)!.every((p) => rest.some((m) => afterLeave.get(m)!.includes(p)))).toBe(true);
        }
      }),
    );
  });
});
