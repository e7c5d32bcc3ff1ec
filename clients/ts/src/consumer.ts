/**
 * Consumer: a member of a consumer group on one topic.
 *
 *     for await (const msg of consumer) { handle(msg); msg.ack(); }
 *
 * It joins at once, yields records as they arrive, batches acks, and when the
 * stream ends (broker restart, network) reconnects with backoff and rejoins by
 * itself. `break`, `close()` or the `signal` end it cleanly: pending acks are sent,
 * then the membership is released.
 */
import { status } from "@grpc/grpc-js";
import { AckAction } from "./gen/ferry/v1/broker_pb.js";
import type { SubscribeResponse } from "./gen/ferry/v1/broker_pb.js";
import { Client } from "./client.js";
import { AckBatcher, type AckItemInit } from "./ack-batcher.js";
import { backoffDelayMs, sleep } from "./backoff.js";
import { FerryError, toFerryError } from "./errors.js";
import { Message, type Settle, type SettleAction } from "./message.js";
import { MessageQueue } from "./message-queue.js";
import { toStartPosition, type StartPosition } from "./values.js";

/** @defaultValue 2 */
export const DEFAULT_ACK_LINGER_MS = 2;
/** @defaultValue 1000 */
export const DEFAULT_ACK_BATCH_SIZE = 1000;
/** @defaultValue 100 */
export const DEFAULT_RECONNECT_BACKOFF_MIN_MS = 100;
/** @defaultValue 2000 */
export const DEFAULT_RECONNECT_BACKOFF_MAX_MS = 2000;

/** A group's settings, applied when this member creates the group; unset = the broker's default. */
export interface GroupOptions {
  readonly ackDeadlineMs?: number;
  readonly maxAttempts?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** @defaultValue "<topic>.<group>.dlq" */
  readonly deadLetterTopic?: string;
}

/** This member's partitions. */
export interface Assignment {
  readonly memberId: string;
  readonly generation: number;
  readonly partitions: readonly number[];
}

export interface ConsumerOptions {
  readonly topic: string;
  readonly group: string;
  /** Most unsettled records at once; 0 = the broker's default (1000). */
  readonly maxInFlight?: number;
  readonly groupOptions?: GroupOptions;
  /** Where a new group starts. @defaultValue "earliest" */
  readonly start?: StartPosition;
  /** A label shown by DescribeGroup. */
  readonly clientId?: string;
  /** Aborting closes the consumer. */
  readonly signal?: AbortSignal;
  /** Called on every assignment (the first join, rebalances, rejoins). */
  readonly onAssignment?: (assignment: Assignment) => void;
  /** Called for errors the consumer recovers from (a dropped stream, a failed Ack call). */
  readonly onError?: (err: FerryError) => void;
  /** @defaultValue DEFAULT_ACK_LINGER_MS */
  readonly ackLingerMs?: number;
  /** Records an Ack call covers before it is sent at once (consecutive acks travel as one offset run). @defaultValue DEFAULT_ACK_BATCH_SIZE */
  readonly ackBatchSize?: number;
  readonly reconnectBackoffMinMs?: number;
  readonly reconnectBackoffMaxMs?: number;
}

/** Errors that rejoining cannot fix: the consumer stops and iteration throws. */
const FATAL_CODES: ReadonlySet<status> = new Set([
  status.NOT_FOUND,
  status.INVALID_ARGUMENT,
  status.FAILED_PRECONDITION,
  status.UNIMPLEMENTED,
  status.ALREADY_EXISTS,
  status.OUT_OF_RANGE,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
]);

export class Consumer implements AsyncIterable<Message> {
  readonly topic: string;
  readonly group: string;
  private readonly client: Client;
  private readonly ownsClient: boolean;
  private readonly queue = new MessageQueue();
  private readonly acks: AckBatcher;
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;
  private current: Assignment | undefined;
  private session = 0;
  private iterated = false;
  private closing: Promise<void> | undefined;
  private readonly settle: Settle = (msg, action) => this.settleMessage(msg, action);

  /** `client` is a Client, or a `host:port` address for a connection this consumer owns. */
  constructor(
    client: Client | string,
    private readonly options: ConsumerOptions,
  ) {
    this.ownsClient = typeof client === "string";
    this.client = typeof client === "string" ? new Client(client) : client;
    this.topic = options.topic;
    this.group = options.group;
    if (options.group === "") throw new FerryError("INVALID_ARGUMENT", status.INVALID_ARGUMENT, "a Consumer needs a group; use a Reader to read without one");
    this.acks = new AckBatcher(
      (items) => this.sendAcks(items),
      options.ackLingerMs ?? DEFAULT_ACK_LINGER_MS,
      options.ackBatchSize ?? DEFAULT_ACK_BATCH_SIZE,
      (err) => options.onError?.(err),
    );
    const signal = options.signal;
    if (signal?.aborted) this.stop.abort();
    else signal?.addEventListener("abort", () => void this.close(), { once: true });
    this.loop = this.run();
  }

  /** The current assignment, once joined. */
  get assignment(): Assignment | undefined {
    return this.current;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    if (this.iterated) throw new Error("a Consumer can be iterated only once");
    this.iterated = true;
    return {
      next: async () => {
        const msg = await this.queue.next();
        return msg ? { done: false, value: msg } : { done: true, value: undefined };
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Sends every queued ack, nack and extend and waits for the broker's answers. */
  flushAcks(): Promise<void> {
    return this.acks.flush();
  }

  /** Sends pending acks, leaves the group and stops. Idempotent; never rejects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.queue.end();
      await this.acks.flush();
      this.stop.abort();
      await this.loop;
      await this.acks.flush();
      if (this.ownsClient) this.client.close();
    })();
    return this.closing;
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    const request = {
      topic: this.topic,
      group: this.group,
      start: toStartPosition(this.options.start),
      maxInFlight: this.options.maxInFlight ?? 0,
      clientId: this.options.clientId ?? "",
      options: {
        ackDeadlineMs: BigInt(this.options.groupOptions?.ackDeadlineMs ?? 0),
        maxAttempts: this.options.groupOptions?.maxAttempts ?? 0,
        backoffMinMs: BigInt(this.options.groupOptions?.backoffMinMs ?? 0),
        backoffMaxMs: BigInt(this.options.groupOptions?.backoffMaxMs ?? 0),
        deadLetterTopic: this.options.groupOptions?.deadLetterTopic ?? "",
      },
    };
    let failures = 0;
    while (!signal.aborted) {
      const session = ++this.session;
      try {
        const stream = this.client.broker.subscribe(request, { signal });
        for await (const event of stream) {
          if (this.handle(event, session)) failures = 0;
        }
        // The broker ended the stream without an error: rejoin.
      } catch (caught) {
        if (signal.aborted) break;
        const err = toFerryError(caught);
        if (FATAL_CODES.has(err.code)) {
          this.queue.fail(err);
          void this.close();
          return;
        }
        this.options.onError?.(err);
      }
      if (signal.aborted) break;
      await sleep(
        backoffDelayMs(failures++, this.options.reconnectBackoffMinMs ?? DEFAULT_RECONNECT_BACKOFF_MIN_MS, this.options.reconnectBackoffMaxMs ?? DEFAULT_RECONNECT_BACKOFF_MAX_MS),
        signal,
      );
    }
  }

  /** Applies one stream event; true for an assignment (a successful join). */
  private handle(event: SubscribeResponse, session: number): boolean {
    if (event.event.case === "assignment") {
      const a = event.event.value;
      const assignment: Assignment = { memberId: a.memberId, generation: Number(a.generation), partitions: [...a.partitions] };
      this.current = assignment;
      // Records queued under an older membership, or of a partition we lost, go to their new owner.
      const owned = new Set(assignment.partitions);
      this.queue.drop((m) => m.session !== session || !owned.has(m.partition));
      this.options.onAssignment?.(assignment);
      return true;
    }
    if (event.event.case === "records") {
      for (const record of event.event.value.records) {
        this.queue.push(new Message(this.topic, record, this.settle, session));
      }
    }
    return false;
  }

  private settleMessage(msg: Message, action: SettleAction): void {
    if (this.stop.signal.aborted) return; // closed: the broker redelivers it
    const partition = msg.partition;
    const offset = BigInt(msg.offset);
    const item: AckItemInit =
      action.kind === "ack"
        ? { partition, offset, action: AckAction.ACK }
        : action.kind === "nack"
          ? { partition, offset, action: AckAction.NACK, delayMs: BigInt(action.delayMs), reason: action.reason }
          : { partition, offset, action: AckAction.EXTEND, extendMs: BigInt(action.extendMs) };
    this.acks.add(item);
  }

  private async sendAcks(items: AckItemInit[]): Promise<void> {
    await this.client.broker.ack({ topic: this.topic, group: this.group, memberId: this.current?.memberId ?? "", items }, { timeoutMs: 10_000 });
  }
}
