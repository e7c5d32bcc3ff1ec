/**
 * The sticky assignor: a pure function from (partition count, members in join
 * order, previous assignment) to the new assignment. Counts differ by at most one;
 * the result depends only on its inputs; a partition moves only when its owner
 * left or holds more than its share.
 */
export type Assignment = ReadonlyMap<string, readonly number[]>;

export function assignPartitions(partitions: number, members: readonly string[], previous: Assignment): Map<string, number[]> {
  const result = new Map<string, number[]>();
  if (members.length === 0) return result;
  const base = Math.floor(partitions / members.length);
  const extra = partitions % members.length;
  const taken = new Set<number>();
  const kept = new Map<string, number[]>();
  for (const member of members) {
    const mine = (previous.get(member) ?? []).filter((p) => p >= 0 && p < partitions && !taken.has(p)).sort((a, b) => a - b);
    for (const p of mine) taken.add(p);
    kept.set(member, mine);
  }
  // The members holding the most keep the larger shares, so fewer partitions move.
  const byHolding = [...members].sort((a, b) => kept.get(b)!.length - kept.get(a)!.length || members.indexOf(a) - members.indexOf(b));
  const capacity = new Map<string, number>(byHolding.map((m, i) => [m, base + (i < extra ? 1 : 0)]));
  const free: number[] = [];
  for (const member of members) {
    const mine = kept.get(member)!;
    const cap = capacity.get(member)!;
    free.push(...mine.slice(cap));
    result.set(member, mine.slice(0, cap));
  }
  for (let p = 0; p < partitions; p++) if (!taken.has(p)) free.push(p);
  free.sort((a, b) => a - b);
  for (const member of members) {
    const mine = result.get(member)!;
    const cap = capacity.get(member)!;
    while (mine.length < cap && free.length > 0) mine.push(free.shift()!);
    mine.sort((a, b) => a - b);
  }
  return result;
}
