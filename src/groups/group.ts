/**
 * A consumer group on one topic: its members, generations and assignment, and
 * per partition the delivery state (in flight, retries, committed offset). Pulls
 * hand records to members within their max_in_flight; settles apply acks, nacks
 * and extends; one timer handles ack deadlines and due retries.
 */
import type { Broker } from "../engine/broker.js";
import type { Topic } from "../engine/topic-registry.js";
import { viewRecord } from "../engine/wire-views.js";
import { BatchTooLargeError, InvalidArgumentError, InvalidPartitionError } from "../errors.js";
import { backoffMs } from "../delivery/backoff.js";
import { deadLetterRecord } from "../delivery/dead-letter.js";
import { DEAD_LETTERING, IN_FLIGHT, PartitionDelivery, WAITING_RETRY, type Retry } from "../delivery/partition-delivery.js";
import type { Logger } from "../observability/logger.js";
import type { GroupMeta, StoredRecord, WriteOp } from "../storage/store.js";
import type { Clock } from "../util/clock.js";
import { assignPartitions } from "./assignor.js";
import type { Member } from "./member.js";

/** AckAction numbers (broker.proto): 0 (unspecified) and 1 ack, 2 nack, 3 extend. */
export const SETTLE_ACK = 1;
export const SETTLE_NACK = 2;
export const SETTLE_EXTEND = 3;

export interface SettleItem {
  readonly partition: number;
  readonly offset: number;
  /** An AckAction number. */
  readonly action: number;
  readonly delayMs: number;
  readonly reason: string;
  readonly extendMs: number;
  /** With an ack: consecutive offsets from `offset` (0 = 1). */
  readonly count: number;
}

export interface Delivery {
  readonly partition: number;
  readonly record: StoredRecord;
  readonly attempt: number;
}

/** Records and bytes handed to a member in one stream event. 2000 rather than 500: per-event
 * costs (a stream write, a macrotask, the client's message handling) spread over more
 * records; three interleaved pairs of `consume/catchup-1M --no-sync` measured 490k/448k/518k
 * msg/s with 500 and 518k/600k/845k with 2000, `e2e/100B-1group-acks` within noise. */
export const PULL_MAX_RECORDS = 2000;
export const PULL_MAX_BYTES = 1024 * 1024;
/**
 * A member at least BEHIND_MIN_RECORDS behind the end of its partitions gets events of up to
 * PULL_MAX_RECORDS_BEHIND: catching up, the per-event cost matters most. At the head, events
 * stay at PULL_MAX_RECORDS, so one pull holds the event loop (and every other call) less long.
 * Five interleaved pairs of `consume/catchup-1M`: 801k/558k/597k/697k/842k msg/s with 2000,
 * 768k/951k/751k/914k/989k with 5000. `e2e/100B-1group-acks` (at the head) with events of 5000
 * throughout: 164k/193k against 224k/235k; with this rule: 191k/207k against 219k/202k.
 */
export const PULL_MAX_RECORDS_BEHIND = 5000;
export const BEHIND_MIN_RECORDS = 50_000;

export class Group {
  readonly members = new Map<string, Member>();
  generation = 0;
  readonly deliveries: PartitionDelivery[];
  private readonly owners: (Member | undefined)[];
  /** Members by holder slot: the small integer the delivery rings record per in-flight offset. */
  private readonly holders: (Member | undefined)[] = [];
  private timerAtMs = Infinity;
  private cancelTimer: () => void = () => undefined;
  private readonly stopListening: (() => void)[] = [];
  private readonly pendingWrites = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    readonly meta: GroupMeta,
    readonly topic: Topic,
    committed: ReadonlyMap<number, number>,
    private readonly broker: Broker,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.deliveries = topic.logs.map((log) => new PartitionDelivery(log.partition, committed.get(log.partition) ?? log.startOffset));
    this.owners = topic.logs.map(() => undefined);
    for (const log of topic.logs) this.stopListening.push(log.onDurable(() => this.owners[log.partition]?.notify()));
  }

  get name(): string {
    return this.meta.group;
  }

  // ---- membership --------------------------------------------------------

  join(member: Member): void {
    let slot = this.holders.indexOf(undefined);
    if (slot < 0) slot = this.holders.length;
    this.holders[slot] = member;
    member.slot = slot;
    this.members.set(member.id, member);
    this.rebalance();
  }

  leave(member: Member): void {
    if (!this.members.delete(member.id)) return;
    const now = this.clock.nowMs();
    for (const d of this.deliveries) {
      d.forEachInFlight((offset, holder) => {
        if (holder === member.slot) d.release(offset, now);
      });
    }
    member.inFlight = 0;
    this.holders[member.slot] = undefined;
    this.rebalance();
  }

  private rebalance(): void {
    this.generation++;
    const previous = new Map([...this.members.values()].map((m) => [m.id, m.partitions] as const));
    const next = assignPartitions(this.deliveries.length, [...this.members.keys()], previous);
    const now = this.clock.nowMs();
    for (const member of this.members.values()) {
      const partitions = next.get(member.id) ?? [];
      for (const p of partitions) {
        if (this.owners[p] === member) continue;
        // The partition moves: deliveries made to others come back, due now.
        const d = this.deliveries[p]!;
        d.forEachInFlight((offset, slot) => {
          const holder = this.holders[slot];
          if (holder) holder.inFlight--;
          d.release(offset, now);
        });
        this.owners[p] = member;
      }
    }
    for (let p = 0; p < this.owners.length; p++) {
      const owner = this.owners[p];
      if (owner && !this.members.has(owner.id)) this.owners[p] = undefined;
    }
    for (const member of this.members.values()) {
      member.assign({ memberId: member.id, generation: this.generation, partitions: next.get(member.id) ?? [] });
    }
    this.log.debug({ group: this.name, generation: this.generation, members: this.members.size }, "rebalanced");
  }

  // ---- delivery ----------------------------------------------------------

  /** Hands `member` the next records of its partitions: due retries first, then new records. */
  pull(member: Member): Delivery[] {
    const limit = this.backlog(member) >= BEHIND_MIN_RECORDS ? PULL_MAX_RECORDS_BEHIND : PULL_MAX_RECORDS;
    const capacity = Math.min(limit, member.maxInFlight - member.inFlight);
    if (capacity <= 0 || member.partitions.length === 0) return [];
    const now = this.clock.nowMs();
    const out: Delivery[] = [];
    let bytes = 0;
    const parts = member.partitions;
    const first = member.pullRotation++ % parts.length;
    for (let i = 0; i < parts.length && out.length < capacity && bytes < PULL_MAX_BYTES; i++) {
      const p = parts[(first + i) % parts.length]!;
      if (this.owners[p] !== member) continue;
      const d = this.deliveries[p]!;
      const log = this.topic.logs[p]!;
      const due = d.retries.size > 0 ? d.dueRetries(now) : [];
      // Records usually come back in runs (a whole delivery timed out): each run of
      // consecutive offsets is read at once. One read per record copied a whole chunk
      // out of LMDB for every retried record (a 5000-record pull held gigabytes).
      retries: for (let i = 0; i < due.length && out.length < capacity && bytes < PULL_MAX_BYTES; ) {
        let end = i + 1;
        while (end < due.length && end - i < capacity - out.length && due[end]!.offset === due[end - 1]!.offset + 1) end++;
        const stored = this.broker.read(log, due[i]!.offset, end - i, PULL_MAX_BYTES - bytes);
        // Consecutive from stored[0]: offsets below it were trimmed away, and the read
        // stops early once the event's bytes are spent.
        const base = stored[0]?.offset ?? Infinity;
        for (; i < end; i++) {
          const retry = due[i]!;
          if (retry.offset < base) {
            d.markDone(retry.offset); // trimmed away meanwhile
            continue;
          }
          const record = stored[retry.offset - base];
          if (!record) break retries; // the bytes are spent: the rest waits for the next event
          d.deliverRetry(retry, member.slot, now, this.meta.ackDeadlineMs);
          out.push({ partition: p, record, attempt: retry.failures + 1 });
          bytes += record.bytes.length;
        }
      }
      const room = Math.min(capacity - out.length, d.windowRoom(), log.durableEnd - d.cursor);
      if (room <= 0) continue;
      for (const stored of this.broker.read(log, d.cursor, room, PULL_MAX_BYTES - bytes)) {
        if (stored.offset !== d.cursor) break;
        d.deliverNew(stored.offset, member.slot, now, this.meta.ackDeadlineMs);
        out.push({ partition: p, record: stored, attempt: 1 });
        bytes += stored.bytes.length;
      }
    }
    if (out.length > 0) {
      member.inFlight += out.length;
      this.armTimer(now + this.meta.ackDeadlineMs);
    }
    return out;
  }

  /** Durable records not yet delivered on the partitions `member` owns. */
  private backlog(member: Member): number {
    let behind = 0;
    for (const p of member.partitions) {
      if (this.owners[p] === member) behind += Math.max(0, this.topic.logs[p]!.durableEnd - this.deliveries[p]!.cursor);
    }
    return behind;
  }

  /** Applies acks, nacks and extends; resolves (with one outcome per item) once any moved committed offset is durable. */
  async settle(memberId: string, items: readonly SettleItem[], maxItems: number): Promise<boolean[]> {
    if (items.length > maxItems) throw new BatchTooLargeError(`ack of ${items.length} items exceeds max_batch_records ${maxItems}; split it`);
    // Runs count by the offsets they cover, which bounds the work of one request.
    let covered = 0;
    for (const item of items) {
      covered += Math.max(1, item.count);
      if (!this.deliveries[item.partition] || !Number.isInteger(item.partition)) {
        throw new InvalidPartitionError(this.topic.meta.name, item.partition, this.deliveries.length);
      }
      if (item.offset < 0 || item.delayMs < 0 || item.extendMs < 0 || item.count < 0) {
        throw new InvalidArgumentError("offset, delay_ms, extend_ms and count must be 0 or more");
      }
      if (!Number.isInteger(item.action) || item.action < 0 || item.action > SETTLE_EXTEND) {
        throw new InvalidArgumentError(`action ${item.action} is not a known AckAction value`);
      }
      if (item.count > 1 && item.action > SETTLE_ACK) throw new InvalidArgumentError("count above 1 is for ACK only; nack and extend one offset per item");
    }
    if (covered > maxItems) throw new BatchTooLargeError(`ack covering ${covered} records exceeds max_batch_records ${maxItems}; split it`);
    const now = this.clock.nowMs();
    const self = this.members.get(memberId)?.slot ?? -1;
    const advanced = new Set<number>();
    const outcomes = items.map((item) => {
      const d = this.deliveries[item.partition]!;
      const offset = item.offset;
      if (item.action <= SETTLE_ACK) {
        const count = Math.max(1, item.count);
        // Offsets below committed are done and those at or past the cursor never went out: not pending.
        const from = Math.max(offset, d.committed);
        const to = Math.min(offset + count, d.cursor);
        let acked = 0;
        for (let o = from; o < to; o++) {
          const state = d.stateOf(o);
          if (state !== IN_FLIGHT && state !== WAITING_RETRY) continue;
          if (state === IN_FLIGHT) this.releaseSlot(d.holderOf(o));
          if (d.markDone(o)) advanced.add(item.partition);
          acked++;
        }
        return acked === count;
      }
      const state = d.stateOf(offset);
      if (state !== IN_FLIGHT || d.holderOf(offset) !== self) return false;
      if (item.action === SETTLE_EXTEND) {
        d.extend(offset, now + (item.extendMs || this.meta.ackDeadlineMs));
        return true;
      }
      this.failDelivery(d, offset, item.reason || "nacked", item.delayMs > 0 ? item.delayMs : undefined);
      return true;
    });
    if (advanced.size > 0) await this.persistOffsets([...advanced]);
    return outcomes;
  }

  /** A delivery held by the member in `slot` was settled or dropped: it may take another. */
  private releaseSlot(slot: number): void {
    const member = this.holders[slot];
    if (!member) return;
    member.inFlight--;
    member.notify();
  }

  /** A nack or a timeout: retry after a delay, or dead-letter after max attempts. */
  private failDelivery(d: PartitionDelivery, offset: number, reason: string, delayMs: number | undefined): void {
    this.releaseSlot(d.holderOf(offset));
    const failures = d.failuresOf(offset) + 1;
    const now = this.clock.nowMs();
    if (failures >= this.meta.maxAttempts) {
      d.beginDeadLetter(offset);
      void this.deadLetter(d, offset, failures, reason);
      return;
    }
    const retry = d.fail(offset, now + (delayMs ?? backoffMs(failures, this.meta.backoffMinMs, this.meta.backoffMaxMs)), reason);
    this.armTimer(retry.dueMs);
  }

  /** Appends the record (in state DEAD_LETTERING) to the dead-letter topic, then marks it done. */
  private async deadLetter(d: PartitionDelivery, offset: number, attempts: number, lastError: string): Promise<void> {
    const task = (async () => {
      const [stored] = this.broker.read(this.topic.logs[d.partition]!, offset, 1, Infinity);
      if (stored && stored.offset === offset) {
        const bytes = deadLetterRecord(stored.bytes, {
          topic: this.topic.meta.name,
          group: this.name,
          partition: d.partition,
          offset,
          attempts,
          lastError,
        });
        await this.broker.ensureTopic(this.meta.deadLetterTopic, 1);
        await this.broker.produce({ topic: this.meta.deadLetterTopic, records: [viewRecord(bytes)], partition: undefined, producerId: "", firstSequence: 0 });
      }
      if (d.stateOf(offset) !== DEAD_LETTERING) return; // reset or trimmed meanwhile
      if (d.markDone(offset)) await this.persistOffsets([d.partition]);
      this.log.info({ group: this.name, partition: d.partition, offset, attempts }, "dead-lettered");
    })();
    void this.track(task);
    try {
      await task;
    } catch (err) {
      if (this.closed) return;
      this.log.warn({ err, group: this.name, offset }, "dead-lettering failed; will retry");
      if (d.stateOf(offset) !== DEAD_LETTERING) return;
      const retry: Retry = { offset, failures: attempts - 1, dueMs: this.clock.nowMs() + this.meta.backoffMaxMs, lastError };
      d.scheduleRetry(retry);
      this.armTimer(retry.dueMs);
    }
  }

  private persistOffsets(partitions: readonly number[]): Promise<void> {
    const ops: WriteOp[] = partitions.map((p) => ({
      kind: "groupOffset",
      topicId: this.topic.meta.id,
      group: this.name,
      partition: p,
      offset: this.deliveries[p]!.committed,
    }));
    return this.track(this.broker.commits.submit(ops));
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.finally(() => this.pendingWrites.delete(tracked));
    tracked.catch(() => undefined);
    this.pendingWrites.add(tracked);
    return promise;
  }

  /** Retention removed a partition's records below `startOffset`: they are done. */
  skipTrimmed(partition: number, startOffset: number): void {
    const d = this.deliveries[partition];
    if (!d || startOffset <= d.committed) return;
    for (const slot of d.skipTo(startOffset)) this.releaseSlot(slot);
    this.owners[partition]?.notify();
    void this.persistOffsets([partition]).catch((err: unknown) => this.log.warn({ err, group: this.name }, "offset write failed"));
  }

  // ---- timers ------------------------------------------------------------

  private armTimer(atMs: number): void {
    if (this.closed || atMs >= this.timerAtMs) return;
    this.cancelTimer();
    this.timerAtMs = atMs;
    this.cancelTimer = this.clock.setTimer(Math.max(0, atMs - this.clock.nowMs()), () => this.onTimer());
  }

  /** Times out overdue deliveries and wakes owners of due retries. */
  onTimer(): void {
    this.timerAtMs = Infinity;
    if (this.closed) return;
    const now = this.clock.nowMs();
    let next = Infinity;
    for (const d of this.deliveries) {
      d.forEachInFlight((offset, _holder, deadlineMs) => {
        if (deadlineMs <= now) this.failDelivery(d, offset, "ack deadline exceeded", undefined);
      });
      for (const retry of d.retries.values()) if (retry.dueMs <= now) this.owners[d.partition]?.notify();
      next = Math.min(next, d.nextWakeMs());
    }
    // Retries that are due stay due until pulled: look again soon rather than spin.
    if (next <= now) next = now + 100;
    if (next !== Infinity) this.armTimer(next);
  }

  // ---- admin -------------------------------------------------------------

  owner(partition: number): Member | undefined {
    return this.owners[partition];
  }

  /** Moves committed offsets (no members allowed; the caller checks). */
  async resetOffsets(offsets: ReadonlyMap<number, number>): Promise<void> {
    for (const [p, offset] of offsets) this.deliveries[p]!.reset(offset);
    await this.persistOffsets([...offsets.keys()]);
  }

  /** Resolves when offset writes and dead-lettering in progress have settled. */
  async drain(): Promise<void> {
    while (this.pendingWrites.size > 0) await Promise.allSettled([...this.pendingWrites]);
  }

  close(error?: Error): void {
    this.closed = true;
    this.cancelTimer();
    for (const stop of this.stopListening) stop();
    for (const member of this.members.values()) member.end(error);
  }
}
