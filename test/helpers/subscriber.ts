/** A test-side group member: collects stream events and settles records. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AckAction, type AckItemSchema, type SubscribeRequestSchema } from "../../src/gen/ferry/v1/broker_pb.js";
import type { ConsumedRecord } from "../../src/gen/ferry/v1/common_pb.js";
import type { Clients } from "../../src/cli/common.js";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startTestBroker, waitFor, type TestBroker } from "./broker.js";

export class TestSubscriber {
  memberId = "";
  generation = 0n;
  partitions: number[] = [];
  readonly records: ConsumedRecord[] = [];
  readonly assignments: { generation: bigint; partitions: number[] }[] = [];
  error: unknown;
  ended = false;
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    private readonly clients: Clients,
    readonly request: MessageInitShape<typeof SubscribeRequestSchema>,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    try {
      for await (const event of this.clients.broker.subscribe(this.request, { signal: this.controller.signal })) {
        if (event.event.case === "assignment") {
          const a = event.event.value;
          this.memberId = a.memberId;
          this.generation = a.generation;
          this.partitions = [...a.partitions];
          this.assignments.push({ generation: a.generation, partitions: [...a.partitions] });
        } else if (event.event.case === "records") {
          this.records.push(...event.event.value.records);
        }
      }
    } catch (err) {
      if (!this.controller.signal.aborted) this.error = err;
    } finally {
      this.ended = true;
    }
  }

  /** Waits until `count` records arrived in total. */
  async received(count: number, timeoutMs = 10_000): Promise<ConsumedRecord[]> {
    await waitFor(() => this.records.length >= count || this.error, timeoutMs, `${count} records (have ${this.records.length})`);
    if (this.error) throw this.error;
    return this.records.slice(0, count);
  }

  async joined(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.memberId !== "" || this.error, timeoutMs, "an assignment");
    if (this.error) throw this.error;
  }

  async settle(records: readonly ConsumedRecord[], action = AckAction.ACK, extra: { delayMs?: bigint; reason?: string; extendMs?: bigint } = {}) {
    const items: MessageInitShape<typeof AckItemSchema>[] = records.map((r) => ({ partition: r.partition, offset: r.offset, action, ...extra }));
    return this.clients.broker.ack({ topic: this.request.topic!, group: this.request.group!, memberId: this.memberId, items });
  }

  /** Cancels the stream (leaves the group) and waits for it to end. */
  async leave(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

export const valueOf = (r: ConsumedRecord): string => new TextDecoder().decode(r.record?.value);

/**
 * For a describe block: starts one broker before its tests (handed to `onBroker`), makes
 * every subscriber returned by `subscribe` leave after each test, and closes the broker
 * after the last one.
 */
export function brokerWithSubscribers(onBroker: (broker: TestBroker) => void): (request: MessageInitShape<typeof SubscribeRequestSchema>) => TestSubscriber {
  let broker: TestBroker | undefined;
  const subs: TestSubscriber[] = [];
  beforeAll(async () => {
    broker = await startTestBroker();
    onBroker(broker);
  });
  afterEach(async () => {
    await Promise.all(subs.splice(0).map((s) => s.leave()));
  });
  afterAll(() => broker?.close());
  return (request) => {
    if (!broker) throw new Error("subscribe() is for tests, after the broker started");
    const s = new TestSubscriber(broker, request);
    subs.push(s);
    return s;
  };
}
