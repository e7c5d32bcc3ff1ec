/**
 * Load-generation building blocks for the Ferry scenarios: the measured-window
 * context, a latency histogram (hdr-histogram-js, microseconds), closed-loop
 * workers, and a group consumer that scans deliveries and acks them in batches.
 */
import * as hdr from "hdr-histogram-js";
import { setTimeout as sleep } from "node:timers/promises";
import type * as grpc from "@grpc/grpc-js";
import { RawClient } from "./raw-client.js";
import { AckEncoder, encodeSubscribe, scanSubscribeResponse, START_EARLIEST } from "./wire.js";

/** What a scenario gets from the runner. */
export interface ScenarioContext {
  /** host:port of the broker under test. */
  readonly address: string;
  /** The server serves reflection (Ferry does; the grpc-js floor server does not). */
  readonly reflection: boolean;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Record count for count-based scenarios (catch-up). */
  readonly count: number;
  /** Begins the measured window: broker CPU and memory baselines, client CPU. */
  markStart(): void;
  /** Ends the measured window. */
  markEnd(): void;
  /** For count-based phases: 0..1 and a label, shown on the progress bar. */
  progress(fraction: number, label: string): void;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly mean: number;
  readonly max: number;
  readonly samples: number;
}

/** What a scenario measured. */
export interface Measurement {
  readonly msgs: number;
  readonly seconds: number;
  /** Payload bytes per message, for MB/s. */
  readonly bytesPerMsg: number;
  readonly latency?: LatencySummary | undefined;
  /** What one latency sample is. */
  readonly latencyKind: string;
  readonly note: string;
  readonly extra?: Record<string, number | string>;
}

/** An HdrHistogram of microseconds, 1 µs to 120 s, 3 significant digits. */
export class LatencyHistogram {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  private n = 0;

  recordUs(us: number): void {
    this.h.recordValue(Math.min(120_000_000, Math.max(1, Math.round(us))));
    this.n++;
  }

  recordUsTimes(us: number, count: number): void {
    this.h.recordValueWithCount(Math.min(120_000_000, Math.max(1, Math.round(us))), count);
    this.n += count;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary | undefined {
    if (this.n === 0) return undefined;
    const at = (p: number): number => this.h.getValueAtPercentile(p);
    return { p50: at(50), p95: at(95), p99: at(99), p999: at(99.9), mean: Math.round(this.h.mean * 10) / 10, max: this.h.maxValue, samples: this.n };
  }
}

/** Runs `op` in `concurrency` closed loops: warm-up, then the measured window. */
export async function closedLoop(
  ctx: ScenarioContext,
  concurrency: number,
  op: () => Promise<number>,
  hist: LatencyHistogram,
): Promise<{ msgs: number; seconds: number }> {
  let measuring = false;
  let stop = false;
  let msgs = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const t = performance.now();
      try {
        const n = await op();
        if (measuring) {
          hist.recordUs((performance.now() - t) * 1000);
          msgs += n;
        }
      } catch (err) {
        failure ??= err;
        stop = true;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await sleepOrFail(ctx.warmupMs, () => failure);
  ctx.markStart();
  measuring = true;
  const t0 = performance.now();
  await sleepOrFail(ctx.durationMs, () => failure);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  ctx.markEnd();
  stop = true;
  await Promise.all(workers);
  if (failure) throw failure;
  return { msgs, seconds };
}

/** Sleeps ms, waking early to throw when check() returns an error. */
export async function sleepOrFail(ms: number, check: () => unknown): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const err = check();
    if (err) throw err instanceof Error ? err : new Error(String(err));
    await sleep(Math.min(100, Math.max(1, end - performance.now())));
  }
  const err = check();
  if (err) throw err instanceof Error ? err : new Error(String(err));
}

export interface ConsumerOptions {
  readonly topic: string;
  /** Empty: group-less read from earliest, no acks. */
  readonly group: string;
  readonly maxInFlight: number;
  /** Ack every delivered record (batched). */
  readonly ack: boolean;
  /** The group's ack deadline; absent: the broker's default. */
  readonly ackDeadlineMs?: number;
  /** Record produce-to-delivery latency into this histogram while `measuring()` is true. */
  readonly latency?: { hist: LatencyHistogram; measuring: () => boolean };
  /** Records acked before an Ack call is sent at once (as offset runs). @defaultValue 1000 */
  readonly ackBatch?: number;
  /** Longest wait before a partial Ack batch is sent. @defaultValue 2 */
  readonly ackFlushMs?: number;
  /** Ack calls in flight at most. @defaultValue 8 */
  readonly maxAcksInFlight?: number;
}

/**
 * One subscription on its own connection. Deliveries are scanned (not decoded);
 * the first 8 bytes of each value are the float64 `performance.now()` of its send.
 */
export class Consumer {
  received = 0;
  acked = 0;
  error: unknown;
  private readonly client: RawClient;
  private stream: grpc.ClientReadableStream<Buffer> | undefined;
  private encoder: AckEncoder | undefined;
  private acksInFlight = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(address: string, private readonly o: ConsumerOptions) {
    this.client = new RawClient(address);
  }

  /** Subscribes; resolves once a group member has its assignment (group-less: at once). */
  start(): Promise<void> {
    const o = this.o;
    const stream = this.client.subscribe(encodeSubscribe({ topic: o.topic, group: o.group, from: START_EARLIEST, maxInFlight: o.maxInFlight, clientId: "bench", ...(o.ackDeadlineMs === undefined ? {} : { ackDeadlineMs: o.ackDeadlineMs }) }));
    this.stream = stream;
    return new Promise((resolve, reject) => {
      if (o.group === "") resolve();
      const lat = o.latency;
      stream.on("data", (buf: Buffer) => {
        const now = performance.now();
        const measuring = lat?.measuring() ?? false;
        const enc = this.encoder;
        const n = scanSubscribeResponse(
          buf,
          (partition, offset, _attempt, b, vs, ve) => {
            if (measuring && ve - vs >= 8) lat!.hist.recordUs((now - b.readDoubleLE(vs)) * 1000);
            if (o.ack && enc) enc.add(partition, offset);
          },
          (a) => {
            this.encoder ??= new AckEncoder(o.topic, o.group, a.memberId);
            resolve();
          },
        );
        this.received += n;
        if (o.ack && n > 0) this.maybeFlush();
      });
      stream.on("error", (err: grpc.ServiceError) => {
        if (this.closed && err.code === 1 /* CANCELLED */) return;
        this.error ??= err;
        reject(err);
      });
    });
  }

  private maybeFlush(): void {
    const enc = this.encoder!;
    if (enc.count >= (this.o.ackBatch ?? 1000)) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.o.ackFlushMs ?? 2);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const enc = this.encoder;
    if (!enc || enc.count === 0 || this.closed) return;
    if (this.acksInFlight >= (this.o.maxAcksInFlight ?? 8)) {
      this.flushTimer = setTimeout(() => this.flush(), 1);
      return;
    }
    this.acksInFlight++;
    const { request, records: n } = enc.take(ACK_MAX_RECORDS);
    if (enc.count > 0) this.flushTimer = setTimeout(() => this.flush(), 0);
    this.client.unary("Ack", request).then(
      () => {
        this.acksInFlight--;
        this.acked += n;
      },
      (err: unknown) => {
        this.acksInFlight--;
        if (!this.closed) this.error ??= err;
      },
    );
  }

  /** Stops reading from the stream (HTTP/2 flow control pushes back on the broker). */
  pause(): void {
    this.stream?.pause();
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.stream?.cancel();
    this.client.close();
  }
}

/** The broker's default max_batch_records, the most records one Ack may cover. */
const ACK_MAX_RECORDS = 10_000;

/** Waits until cond() is true, polling every ms; throws check()'s error. */
export async function waitUntil(cond: () => boolean, check: () => unknown, timeoutMs = 600_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    const err = check();
    if (err) throw err instanceof Error ? err : new Error(String(err));
    if (performance.now() > end) throw new Error("timed out waiting");
    await sleep(1);
  }
}
