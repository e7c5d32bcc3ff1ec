/**
 * Coalesces acks, nacks and extends into batched Ack calls: a batch goes out when it
 * reaches `maxItems` or `lingerMs` after its first item. A failed call is retried a
 * few times when the broker is unreachable; if it still fails, the records are
 * simply redelivered later (at-least-once), and `onError` hears about it.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AckItemSchema } from "./gen/ferry/v1/broker_pb.js";
import { backoffDelayMs, sleep } from "./backoff.js";
import { isRetryable, toFerryError, type FerryError } from "./errors.js";

export type AckItemInit = MessageInitShape<typeof AckItemSchema>;

export const ACK_SEND_ATTEMPTS = 5;

export class AckBatcher {
  private items: AckItemInit[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly send: (items: AckItemInit[]) => Promise<void>,
    private readonly lingerMs: number,
    private readonly maxItems: number,
    private readonly onError: (err: FerryError) => void,
  ) {}

  add(item: AckItemInit): void {
    this.items.push(item);
    if (this.items.length >= this.maxItems) this.sendNow();
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
    const call = this.sendWithRetry(batch).finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
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
