/** One record delivered to a Consumer (or a Reader), with its settle methods. */
import type { ConsumedRecord } from "./gen/ferry/v1/common_pb.js";
import { toText } from "./values.js";

/** How a group member settles a record; undefined for group-less reads. */
export type Settle = (message: Message, action: SettleAction) => void;

export type SettleAction =
  | { readonly kind: "ack" }
  | { readonly kind: "nack"; readonly delayMs: number; readonly reason: string }
  | { readonly kind: "extend"; readonly extendMs: number };

export interface NackOptions {
  /** Redeliver after this delay; unset or 0 = the group's backoff for this attempt. */
  readonly delayMs?: number;
  /** Why it failed; the last reason ends up in the dead letter's `ferry-last-error` header. */
  readonly reason?: string;
}

const EMPTY = new Uint8Array(0);

export class Message {
  readonly partition: number;
  readonly offset: number;
  /** 1 on the first delivery to a group, then 2, 3, …; 0 for group-less reads. */
  readonly attempt: number;
  /** Undefined when the record has no key. */
  readonly key: Uint8Array | undefined;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, Uint8Array>>;
  /** The broker's append time (ms since the epoch). */
  readonly appendTimeMs: number;
  /** The producer's timestamp, 0 when it set none. */
  readonly timestampMs: number;
  private settled = false;

  constructor(
    readonly topic: string,
    record: ConsumedRecord,
    private readonly settle: Settle | undefined,
    /** Which subscription delivered it (the consumer drops stale ones on rejoin). */
    readonly session = 0,
  ) {
    this.partition = record.partition;
    this.offset = Number(record.offset);
    this.attempt = record.attempt;
    const key = record.record?.key;
    this.key = key && key.length > 0 ? key : undefined;
    this.value = record.record?.value ?? EMPTY;
    this.headers = record.record?.headers ?? {};
    this.appendTimeMs = Number(record.appendTimeMs);
    this.timestampMs = Number(record.record?.timestampMs ?? 0n);
  }

  /** The value as UTF-8 text. */
  text(): string {
    return toText(this.value);
  }

  /** The value parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** The key as UTF-8 text ("" when there is none). */
  keyText(): string {
    return this.key ? toText(this.key) : "";
  }

  /** A header as UTF-8 text. */
  header(name: string): string | undefined {
    const value = this.headers[name];
    return value === undefined ? undefined : toText(value);
  }

  /** Done: the group never gets this record again. Batched; see Consumer.flushAcks(). No-op without a group. */
  ack(): void {
    if (this.settled) return;
    this.settled = true;
    this.settle?.(this, { kind: "ack" });
  }

  /** Failed: redeliver after a delay, or dead-letter after the group's max attempts. */
  nack(options: NackOptions = {}): void {
    if (this.settled) return;
    this.settled = true;
    this.settle?.(this, { kind: "nack", delayMs: options.delayMs ?? 0, reason: options.reason ?? "" });
  }

  /** Still working: push the ack deadline out by `ms` from now (unset = the group's ack deadline). */
  extend(ms = 0): void {
    if (this.settled) return;
    this.settle?.(this, { kind: "extend", extendMs: ms });
  }
}
