/** The consumer's buffer between the stream and the `for await` loop. */
import type { FerryError } from "./errors.js";
import type { Message } from "./message.js";

export class MessageQueue {
  private items: Message[] = [];
  private head = 0;
  private waiter: { resolve: (m: Message | undefined) => void; reject: (err: FerryError) => void } | undefined;
  private ended = false;
  private failure: FerryError | undefined;

  get length(): number {
    return this.items.length - this.head;
  }

  push(message: Message): void {
    if (this.ended) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(message);
      return;
    }
    this.items.push(message);
  }

  /** The next message; undefined once ended; rejects after fail(). */
  next(): Promise<Message | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    if (this.head < this.items.length) {
      const message = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(message);
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Removes queued messages matching `stale`. */
  drop(stale: (m: Message) => boolean): void {
    this.items = this.items.slice(this.head).filter((m) => !stale(m));
    this.head = 0;
  }

  /** No more messages: a waiting next() resolves undefined; the queue is emptied. */
  end(): void {
    this.ended = true;
    this.items = [];
    this.head = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(undefined);
  }

  /** Ends with an error: next() rejects with it. */
  fail(err: FerryError): void {
    this.failure = err;
    this.items = [];
    this.head = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }
}
