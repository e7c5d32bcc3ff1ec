/**
 * Coalesces acks, nacks and extends into batched Ack calls: a batch goes out when it
 * covers `maxRecords` records or `lingerMs` after its first item. An ack that
 * continues the batch's last run of acks on its partition extends that run (one
 * AckItem with a `count`) instead of adding an item, so in-order consumption acks
 * cheaply; a nack or an extend ends its partition's run, so each partition's items
 * keep their order. A failed call is retried a few times when the broker is
 * unreachable; if it still fails, the records are simply redelivered later
 * (at-least-once), and `onError` hears about it.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AckAction, type AckItemSchema } from "./gen/ferry/v1/broker_pb.js";
import { backoffDelayMs, sleep } from "./backoff.js";
import { isRetryable, toFerryError, type FerryError } from "./errors.js";

export type AckItemInit = MessageInitShape<typeof AckItemSchema>;

export const ACK_SEND_ATTEMPTS = 5;

function isSingleAck(item: AckItemInit): boolean {
  const action = item.action ?? AckAction.UNSPECIFIED;
  return (action === AckAction.UNSPECIFIED || action === AckAction.ACK) && (item.count ?? 0n) <= 1n;
}

export class AckBatcher {
  private items: AckItemInit[] = [];
  /** Records the queued items cover. */
  private records = 0;
  /** Per partition, the batch's last run of acks (an item that later acks may extend). */
  private runs = new Map<number, AckItemInit>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly send: (items: AckItemInit[]) => Promise<void>,
    private readonly lingerMs: number,
    private readonly maxRecords: number,
    private readonly onError: (err: FerryError) => void,
  ) {}

  add(item: AckItemInit): void {
    if (isSingleAck(item)) this.addAck(item);
    else {
      // A nack or an extend ends its partition's run: a later ack must not move ahead of it.
      this.runs.delete(item.partition ?? 0);
      this.items.push(item);
    }
    this.records++;
    if (this.records >= this.maxRecords) this.sendNow();
    else this.timer ??= setTimeout(() => this.sendNow(), this.lingerMs);
  }

  /** Sends what is queued and waits for every call in flight. */
  async flush(): Promise<void> {
    this.sendNow();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private sendNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.records = 0;
    this.runs = new Map();
    const call = this.sendWithRetry(batch).finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  /** Queues a one-offset ack: into its partition's run when it is the run's next offset, else as a new run. */
  private addAck(item: AckItemInit): void {
    const partition = item.partition ?? 0;
    const offset = item.offset ?? 0n;
    const run = this.runs.get(partition);
    const runCount = run ? (run.count || 1n) : 0n;
    if (run && (run.offset ?? 0n) + runCount === offset) {
      run.count = runCount + 1n;
      return;
    }
    const start: AckItemInit = { ...item };
    this.items.push(start);
    this.runs.set(partition, start);
  }

  private async sendWithRetry(batch: AckItemInit[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(batch);
        return;
      } catch (caught) {
        const err = toFerryError(caught);
        if (!isRetryable(err) || attempt >= ACK_SEND_ATTEMPTS) {
          this.onError(err);
          return;
        }
        await sleep(backoffDelayMs(attempt - 1, 50, 1000));
      }
    }
  }
}
