/**
 * Reader: reads a topic without a group (replay, event sourcing, debugging). No
 * acks, no committed offsets: every Reader sees every record from its start.
 * With `untilEnd`, it stops at the end offsets the topic had when it opened.
 */
import { status } from "@grpc/grpc-js";
import { Client } from "./client.js";
import { FerryError } from "./errors.js";
import { Message } from "./message.js";
import { toStartPosition, type StartPosition } from "./values.js";

export interface ReaderOptions {
  readonly topic: string;
  /** @defaultValue "earliest" */
  readonly start?: StartPosition;
  /** Read this partition only. */
  readonly partition?: number;
  /** Stop once every partition reached the end it had when reading began. Not with a timestamp start. */
  readonly untilEnd?: boolean;
  /** Aborting ends the iteration. */
  readonly signal?: AbortSignal;
}

export class Reader implements AsyncIterable<Message> {
  constructor(
    private readonly client: Client,
    private readonly options: ReaderOptions,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    const { topic, partition, signal } = this.options;
    const start = this.options.start ?? "earliest";
    let remaining: Map<number, number> | undefined;
    if (this.options.untilEnd) {
      if (typeof start === "object" && "timestampMs" in start) {
        throw new FerryError("INVALID_ARGUMENT", status.INVALID_ARGUMENT, "untilEnd cannot be combined with a timestamp start");
      }
      remaining = await this.endOffsets(start);
      if (remaining.size === 0) return;
    }
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) return;
    const stream = this.client.broker.subscribe(
      { topic, group: "", start: toStartPosition(start), ...(partition === undefined ? {} : { partition }) },
      { signal: controller.signal },
    );
    try {
      for await (const event of stream) {
        if (event.event.case !== "records") continue;
        for (const record of event.event.value.records) {
          if (remaining) {
            const end = remaining.get(record.partition);
            if (end === undefined || Number(record.offset) >= end) continue;
            if (Number(record.offset) + 1 >= end) remaining.delete(record.partition);
          }
          yield new Message(topic, record, undefined);
          if (remaining?.size === 0) return;
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      throw err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }

  /** For each partition still to read: the end offset to stop at. */
  private async endOffsets(start: StartPosition): Promise<Map<number, number>> {
    const description = await this.client.admin.describeTopic(this.options.topic);
    const remaining = new Map<number, number>();
    for (const p of description.partitions) {
      if (this.options.partition !== undefined && p.partition !== this.options.partition) continue;
      const from = start === "earliest" ? p.startOffset : start === "latest" ? p.endOffset : Math.max(p.startOffset, (start as { offset: number }).offset);
      if (from < p.endOffset) remaining.set(p.partition, p.endOffset);
    }
    return remaining;
  }
}
