/**
 * The scenarios, named `op/shape`. Each has a Ferry side (a function run against
 * a fresh broker), optionally a JetStream side (arguments for the Go peer
 * bench/peer/nats), and optionally targets from issue 5.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { closedLoop, Consumer, LatencyHistogram, sleepOrFail, waitUntil, type Measurement, type ScenarioContext } from "./lib/load.js";
import { REPO } from "./lib/procs.js";
import { RawClient } from "./lib/raw-client.js";
import { BatchTemplate, encodeProduce, encodeProduceBatch } from "./lib/wire.js";
import { loadProducer } from "./lib/ts-client.js";
import type { Row } from "./lib/report.js";

/** What a target looks at: a result row (typed from Row, so a renamed field cannot slip by). */
export type RowView = Pick<Row, "system" | "msgsPerSec" | "latencyUs" | "server">;

export interface Target {
  readonly text: string;
  /** Which systems the target applies to (durable Ferry unless said). */
  readonly systems: readonly string[];
  readonly check: (r: RowView) => { measured: string; pass: boolean };
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly ferry: (ctx: ScenarioContext) => Promise<Measurement>;
  /** Also run against Ferry with --no-sync (the like-for-like row against JetStream). */
  readonly nosync: boolean;
  /** Also run `ferry` against the bare grpc-js server (bench/tools/grpc-echo.ts): the grpc-js floor. */
  readonly floor?: boolean;
  /** Arguments for ferry-nats-bench; unset: no JetStream equivalent. */
  readonly jetstream?: (ctx: { warmupMs: number; durationMs: number; count: number }) => string[];
  readonly targets: readonly Target[];
}

const MIB = 1024 * 1024;
/** max_in_flight of the throughput consumers (e2e, catch-up). */
const CONSUMER_MAX_IN_FLIGHT = Number(process.env["FERRY_BENCH_MAX_IN_FLIGHT"] ?? 100_000);
const VALUE_100B = 100;

const fmtRate = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0)) + " msg/s";

function rateTarget(min: number): Target {
  return {
    text: `≥ ${min.toLocaleString("en-US")} msg/s`,
    systems: ["ferry"],
    check: (r) => ({ measured: fmtRate(r.msgsPerSec), pass: r.msgsPerSec >= min }),
  };
}

async function ready(address: string): Promise<RawClient> {
  const c = new RawClient(address);
  await c.waitForReady();
  return c;
}

// ---------------------------------------------------------------- produce

function unary(concurrency: number): Scenario["ferry"] {
  return async (ctx) => {
    const client = await ready(ctx.address);
    const req = encodeProduce("bench", Buffer.alloc(VALUE_100B, 97));
    const hist = new LatencyHistogram();
    try {
      const r = await closedLoop(ctx, concurrency, async () => (await client.unary("Produce", req), 1), hist);
      return { ...r, bytesPerMsg: VALUE_100B, latency: hist.summary(), latencyKind: "Produce call", note: `unary Produce, ${concurrency} in flight on one connection` };
    } finally {
      client.close();
    }
  };
}

function batch(size: number, count: number, inFlight: number): Scenario["ferry"] {
  return async (ctx) => {
    const client = await ready(ctx.address);
    const tpl = new BatchTemplate("bench", count, size);
    const req = tpl.bytes;
    const hist = new LatencyHistogram();
    try {
      const r = await closedLoop(ctx, inFlight, async () => (await client.unary("ProduceBatch", req), count), hist);
      return { ...r, bytesPerMsg: size, latency: hist.summary(), latencyKind: "ProduceBatch call", note: `ProduceBatch of ${count} × ${size} B, ${inFlight} in flight` };
    } finally {
      client.close();
    }
  };
}

// ---------------------------------------------------------------- e2e

/** Producer (batches of 1000, `inFlight` at once, at most `maxAhead` records ahead of the slowest group) and `groups` acking consumers. */
function e2e(groups: number): Scenario["ferry"] {
  return async (ctx) => {
    const topic = "bench";
    const producer = await ready(ctx.address);
    const tpl = new BatchTemplate(topic, 1000, VALUE_100B);
    await producer.unary("ProduceBatch", new BatchTemplate(topic, 1, VALUE_100B).stamp(0)); // creates the topic
    const hist = new LatencyHistogram();
    const produceHist = new LatencyHistogram();
    let measuring = false;
    const consumers = Array.from(
      { length: groups },
      (_, g) => new Consumer(ctx.address, { topic, group: `g${g}`, maxInFlight: CONSUMER_MAX_IN_FLIGHT, ack: true, latency: { hist, measuring: () => measuring } }),
    );
    await Promise.all(consumers.map((c) => c.start()));
    const minReceived = (): number => Math.min(...consumers.map((c) => c.received));
    let produced = 1;
    let stop = false;
    let failure: unknown;
    const maxAhead = 100_000;
    const inFlight = Number(process.env["FERRY_BENCH_E2E_INFLIGHT"] ?? 4);
    const worker = async (): Promise<void> => {
      while (!stop) {
        if (produced - minReceived() > maxAhead) {
          await sleep(1);
          continue;
        }
        produced += 1000;
        try {
          const t = performance.now();
          await producer.unary("ProduceBatch", tpl.stamp(t));
          if (measuring) produceHist.recordUs((performance.now() - t) * 1000);
        } catch (err) {
          failure ??= err;
          stop = true;
        }
      }
    };
    const workers = Array.from({ length: inFlight }, worker);
    const check = (): unknown => failure ?? consumers.find((c) => c.error)?.error;
    try {
      await sleepOrFail(ctx.warmupMs, check);
      ctx.markStart();
      measuring = true;
      const start = minReceived();
      const t0 = performance.now();
      await sleepOrFail(ctx.durationMs, check);
      const msgs = minReceived() - start;
      const seconds = (performance.now() - t0) / 1000;
      measuring = false;
      ctx.markEnd();
      stop = true;
      await Promise.all(workers);
      const acked = consumers.map((c) => c.acked);
      return {
        msgs,
        seconds,
        bytesPerMsg: VALUE_100B,
        latency: hist.summary(),
        latencyKind: "produce → delivery",
        note: `ProduceBatch 1000 × ${inFlight} in flight (≤ ${maxAhead / 1000}k ahead); ${groups} group(s), max_in_flight ${CONSUMER_MAX_IN_FLIGHT}, Ack per ≤1000 records as offset runs (AckItem.count); msgs/s = records delivered to every group`,
        extra: {
          deliveriesPerSec: Math.round((msgs * groups) / seconds),
          acked: acked.reduce((a, b) => a + b, 0),
          backlogAtEnd: produced - minReceived(),
          ...produceSide(produceHist),
        },
      };
    } finally {
      stop = true;
      for (const c of consumers) c.close();
      producer.close();
    }
  };
}

// ---------------------------------------------------------------- consume

async function preload(ctx: ScenarioContext, topic: string): Promise<void> {
  const client = await ready(ctx.address);
  const per = 5000;
  const req = new BatchTemplate(topic, per, VALUE_100B).stamp(0);
  let sent = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (sent < ctx.count) {
      const n = Math.min(per, ctx.count - sent);
      sent += n;
      await client.unary("ProduceBatch", n === per ? req : new BatchTemplate(topic, n, VALUE_100B).stamp(0));
      done += n;
      ctx.progress(done / ctx.count, `preload ${Math.round(done / 1000)}k`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  client.close();
}

function catchup(ack: boolean): Scenario["ferry"] {
  return async (ctx) => {
    const topic = "bench";
    await preload(ctx, topic);
    await sleep(500); // let the preload's commits settle
    ctx.markStart();
    const t0 = performance.now();
    const consumer = new Consumer(ctx.address, { topic, group: ack ? "catchup" : "", maxInFlight: CONSUMER_MAX_IN_FLIGHT, ack });
    try {
      await consumer.start();
      await waitUntil(
        () => {
          ctx.progress(consumer.received / ctx.count, `read ${Math.round(consumer.received / 1000)}k`);
          return consumer.received >= ctx.count;
        },
        () => consumer.error,
      );
      const seconds = (performance.now() - t0) / 1000;
      ctx.markEnd();
      return {
        msgs: consumer.received,
        seconds,
        bytesPerMsg: VALUE_100B,
        latencyKind: "-",
        note: ack
          ? `${ctx.count} records preloaded (ProduceBatch 5000), then one group member from earliest, max_in_flight ${CONSUMER_MAX_IN_FLIGHT}, Ack per ≤1000 records as offset runs (AckItem.count); time to the last delivery`
          : `${ctx.count} records preloaded, then a group-less Subscribe from earliest (no acks); time to the last delivery`,
      };
    } finally {
      consumer.close();
    }
  };
}

// ---------------------------------------------------------------- latency

function produceSide(h: LatencyHistogram): Record<string, number> {
  const p = h.summary();
  return p ? { produceCallP50Us: p.p50, produceCallP99Us: p.p99 } : {};
}

async function fixedRate(ctx: ScenarioContext): Promise<Measurement> {
  const rate = 10_000;
  const topic = "bench";
  const producer = await ready(ctx.address);
  await producer.unary("ProduceBatch", new BatchTemplate(topic, 1, VALUE_100B).stamp(0));
  const hist = new LatencyHistogram();
  /** ProduceBatch call → durable reply, per record: how much of the latency is the produce side. */
  const produceHist = new LatencyHistogram();
  let measuring = false;
  const consumer = new Consumer(ctx.address, { topic, group: "lat", maxInFlight: 10_000, ack: true, ackFlushMs: 5, latency: { hist, measuring: () => measuring } });
  await consumer.start();
  let failure: unknown;
  const t0 = performance.now();
  let sent = 0;
  const template = Buffer.alloc(VALUE_100B, 97);
  // Every millisecond, send what is due as one ProduceBatch (a 1 ms linger); each record carries its own
  // intended send time, so timer lateness and any stall count against latency (no coordinated omission).
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000) - sent;
    if (due <= 0) return;
    const values: Buffer[] = [];
    for (let i = 0; i < due; i++) {
      const v = Buffer.from(template);
      v.writeDoubleLE(t0 + ((sent + i) * 1000) / rate, 0);
      values.push(v);
    }
    sent += due;
    const t = performance.now();
    producer.unary("ProduceBatch", encodeProduceBatch(topic, values)).then(
      () => {
        if (measuring) produceHist.recordUsTimes((performance.now() - t) * 1000, due);
      },
      (err: unknown) => (failure ??= err),
    );
  }, 1);
  const check = (): unknown => failure ?? consumer.error;
  try {
    await sleepOrFail(ctx.warmupMs, check);
    ctx.markStart();
    measuring = true;
    const start = consumer.received;
    const t1 = performance.now();
    await sleepOrFail(ctx.durationMs, check);
    measuring = false;
    const msgs = consumer.received - start;
    const seconds = (performance.now() - t1) / 1000;
    ctx.markEnd();
    return {
      msgs,
      seconds,
      bytesPerMsg: VALUE_100B,
      latency: hist.summary(),
      latencyKind: "intended send → delivery",
      note: `offered ${rate} msg/s: each ms the due records go as one ProduceBatch (1 ms linger, counted in the latency); one group member, Ack sent every 5 ms (or 1000 records), as offset runs`,
      extra: produceSide(produceHist),
    };
  } finally {
    clearInterval(timer);
    consumer.close();
    producer.close();
  }
}

// ---------------------------------------------------------------- memory

/** The stalled group's ack deadline: well inside the measured window. */
const STALLED_ACK_DEADLINE_MS = 2000;

async function stalled(ctx: ScenarioContext): Promise<Measurement> {
  const topic = "bench";
  const producer = await ready(ctx.address);
  await producer.unary("ProduceBatch", new BatchTemplate(topic, 1, VALUE_100B).stamp(0));
  // A short ack deadline, so the stall outlasts it many times within the run: the
  // stalled member's records time out and are redelivered to it again and again.
  const consumer = new Consumer(ctx.address, { topic, group: "stalled", maxInFlight: 100_000, ack: false, ackDeadlineMs: STALLED_ACK_DEADLINE_MS });
  await consumer.start();
  // Read without acking for half the warm-up (the member reaches its max_in_flight of unacked records),
  // then stop reading too: the broker's writes back up against HTTP/2 flow control. Measured: the rest.
  const stallTimer = setTimeout(() => consumer.pause(), ctx.warmupMs / 2);
  const tpl = new BatchTemplate(topic, 1000, VALUE_100B);
  const hist = new LatencyHistogram();
  try {
    const r = await closedLoop(ctx, 4, async () => (await producer.unary("ProduceBatch", tpl.bytes), 1000), hist);
    return {
      ...r,
      bytesPerMsg: VALUE_100B,
      latency: hist.summary(),
      latencyKind: "ProduceBatch call",
      note: `group 'stalled' subscribes with max_in_flight 100000 (the broker maximum) and ack deadline ${STALLED_ACK_DEADLINE_MS} ms and never acks; it reads for half the warm-up, then stops reading (its records time out and are redelivered to it), while ProduceBatch 1000 × 4 runs throughout`,
      extra: { stalledConsumerReceived: consumer.received },
    };
  } finally {
    clearTimeout(stallTimer);
    consumer.close();
    producer.close();
  }
}

// ---------------------------------------------------------------- TS Producer

async function producerSend(ctx: ScenarioContext): Promise<Measurement> {
  const loaded = await loadProducer();
  if (typeof loaded === "string") throw new PendingError(loaded);
  const producer = await loaded.create(ctx.address);
  const value = Buffer.alloc(VALUE_100B, 97);
  const hist = new LatencyHistogram();
  // Up to `window` sends outstanding, one record per send() call; each send's promise records its latency
  // when it settles, and a new send replaces it (no async frame per send, so the harness costs little).
  const window = 10_000;
  let measuring = false;
  let msgs = 0;
  let outstanding = 0;
  let stop = false;
  let failure: unknown;
  let room: (() => void) | undefined;
  const settled = (t: number): void => {
    outstanding--;
    if (measuring) {
      msgs++;
      hist.recordUs((performance.now() - t) * 1000);
    }
    if (room && outstanding < window / 2) {
      const r = room;
      room = undefined;
      r();
    }
  };
  const failed = (err: unknown): void => {
    outstanding--;
    failure ??= err;
    stop = true;
    room?.();
  };
  const pump = async (): Promise<void> => {
    while (!stop) {
      while (outstanding < window && !stop) {
        outstanding++;
        const t = performance.now();
        producer.send("bench", value).then(() => settled(t), failed);
      }
      await new Promise<void>((r) => (room = r));
    }
  };
  const pumping = pump();
  try {
    await sleepOrFail(ctx.warmupMs, () => failure);
    ctx.markStart();
    measuring = true;
    const t0 = performance.now();
    await sleepOrFail(ctx.durationMs, () => failure);
    measuring = false;
    const seconds = (performance.now() - t0) / 1000;
    ctx.markEnd();
    stop = true;
    room?.();
    await pumping;
    await waitUntil(() => outstanding === 0, () => undefined, 60_000);
    return { msgs, seconds, bytesPerMsg: VALUE_100B, latency: hist.summary(), latencyKind: "send() → durable", note: `@ferry-broker/client ${loaded.describe}; up to ${window} sends outstanding, one record per send()` };
  } finally {
    stop = true;
    room?.();
    await producer.close();
  }
}

export class PendingError extends Error {
  override readonly name = "PendingError";
}

// ---------------------------------------------------------------- ghz

const GHZ = join(REPO, ".tools", "bin", "ghz");

interface GhzReport {
  count: number;
  total: number;
  average: number;
  rps: number;
  latencyDistribution: { percentage: number; latency: number }[] | null;
  statusCodeDistribution: Record<string, number>;
}

function runGhz(address: string, reflection: boolean, concurrency: number, seconds: number): Promise<GhzReport> {
  const data = JSON.stringify({ topic: "ghz", record: { value: Buffer.alloc(VALUE_100B, 97).toString("base64") } });
  const proto = reflection ? [] : ["--proto", join(REPO, "proto", "ferry", "v1", "broker.proto"), "--import-paths", join(REPO, "proto")];
  const args = [...proto, "--insecure", "--call", "ferry.v1.BrokerService/Produce", "-d", data, "-c", String(concurrency), "-z", `${seconds}s`, "--connections", "1", "-O", "json", address];
  return new Promise((resolve, reject) => {
    const child = spawn(GHZ, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      try {
        resolve(JSON.parse(out) as GhzReport);
      } catch {
        reject(new Error(`ghz exited ${code}: ${err.slice(-500)}`));
      }
    });
  });
}

function ghz(concurrency: number): Scenario["ferry"] {
  return async (ctx) => {
    if (!existsSync(GHZ)) throw new SkipError("ghz is not installed (scripts/setup-bench.sh installs it into .tools/bin)");
    await runGhz(ctx.address, ctx.reflection, concurrency, Math.max(1, Math.round(ctx.warmupMs / 1000)));
    ctx.markStart();
    const r = await runGhz(ctx.address, ctx.reflection, concurrency, Math.max(1, Math.round(ctx.durationMs / 1000)));
    ctx.markEnd();
    const ok = r.statusCodeDistribution["OK"] ?? 0;
    const pct = (p: number): number => Math.round((r.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? NaN) / 1000);
    const seconds = r.total / 1e9;
    return {
      msgs: ok,
      seconds,
      bytesPerMsg: VALUE_100B,
      latency: { p50: pct(50), p95: pct(95), p99: pct(99), p999: NaN, mean: Math.round(r.average / 1000), max: NaN, samples: r.count },
      latencyKind: "Produce call (ghz)",
      note: `ghz -c ${concurrency} --connections 1 ${ctx.reflection ? "through server reflection" : "with the proto files"}; ${r.count - ok} non-OK; ghz reports no p99.9`,
      extra: { rpcPerSec: Math.round(r.rps) },
    };
  };
}

export class SkipError extends Error {
  override readonly name = "SkipError";
}

// ---------------------------------------------------------------- the list

const memoryFlat: Target = {
  text: "RssAnon peak ≤ 256 MiB and flat (2nd-half peak ≤ 1st-half peak + 16 MiB)",
  systems: ["ferry"],
  check: (r) => {
    const s = r.server;
    if (!s) return { measured: "n/a", pass: false };
    const growth = s.rssAnonPeakSecondHalfMiB - s.rssAnonPeakFirstHalfMiB;
    return {
      measured: `start ${s.rssAnonStartMiB} MiB, peak ${s.rssAnonPeakMiB} MiB, halves ${s.rssAnonPeakFirstHalfMiB}→${s.rssAnonPeakSecondHalfMiB}`,
      pass: s.rssAnonPeakMiB <= 256 && growth <= 16,
    };
  },
};

const js = (args: string[]) => (c: { warmupMs: number; durationMs: number }) => [...args, "-warmup", `${c.warmupMs}ms`, "-duration", `${c.durationMs}ms`];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "produce/100B-unary-c1",
    description: "unary Produce of one 100 B record, one call in flight",
    ferry: unary(1),
    nosync: true,
    jetstream: js(["-scenario", "publish-sync", "-concurrency", "1", "-size", "100"]),
    targets: [{ text: "mean latency < 1 ms", systems: ["ferry"], check: (r) => ({ measured: `${((r.latencyUs?.mean ?? NaN) / 1000).toFixed(3)} ms`, pass: (r.latencyUs?.mean ?? Infinity) < 1000 }) }],
  },
  {
    name: "produce/100B-unary-c64",
    description: "unary Produce of one 100 B record, 64 calls in flight",
    ferry: unary(64),
    nosync: true,
    jetstream: js(["-scenario", "publish-sync", "-concurrency", "64", "-size", "100"]),
    targets: [],
  },
  {
    name: "produce/100B-batch1000",
    description: "ProduceBatch of 1000 × 100 B, 4 batches in flight",
    ferry: batch(100, 1000, Number(process.env["FERRY_BENCH_INFLIGHT"] ?? 4)),
    nosync: true,
    jetstream: js(["-scenario", "publish-async", "-batch", "1000", "-concurrency", "4", "-size", "100"]),
    targets: [rateTarget(450_000)],
  },
  {
    name: "produce/1KiB-batch100",
    description: "ProduceBatch of 100 × 1 KiB, 8 batches in flight",
    ferry: batch(1024, 100, 8),
    nosync: true,
    jetstream: js(["-scenario", "publish-async", "-batch", "100", "-concurrency", "8", "-size", "1024"]),
    targets: [],
  },
  {
    name: "producer/100B-send",
    description: "the TS client's Producer.send(), one 100 B record per call, auto-batching",
    ferry: producerSend,
    nosync: false,
    targets: [rateTarget(250_000)],
  },
  {
    name: "e2e/100B-1group-acks",
    description: "produce (batches of 1000) and consume in one group with batched acks at once",
    ferry: e2e(1),
    nosync: true,
    jetstream: js(["-scenario", "e2e", "-groups", "1", "-batch", "1000", "-size", "100"]),
    targets: [rateTarget(300_000)],
  },
  {
    name: "e2e/4-groups",
    description: "fan-out: produce and consume in 4 groups, each acking every record",
    ferry: e2e(4),
    nosync: true,
    jetstream: js(["-scenario", "e2e", "-groups", "4", "-batch", "1000", "-size", "100"]),
    targets: [],
  },
  {
    name: "consume/catchup-1M",
    description: "one group member reads a backlog of 1 M records (preloaded before timing) and acks them",
    ferry: catchup(true),
    nosync: true,
    jetstream: (c) => ["-scenario", "catchup", "-count", String(c.count), "-batch", "1000", "-size", "100"],
    targets: [rateTarget(700_000)],
  },
  {
    name: "consume/catchup-1M-noack",
    description: "a group-less reader reads a backlog of 1 M records (no acks)",
    ferry: catchup(false),
    nosync: true,
    jetstream: (c) => ["-scenario", "catchup", "-count", String(c.count), "-batch", "1000", "-size", "100", "-ack-none"],
    targets: [],
  },
  {
    name: "latency/e2e-at-10k",
    description: "a fixed offered rate of 10,000 msg/s; produce-to-delivery latency",
    ferry: fixedRate,
    nosync: true,
    jetstream: js(["-scenario", "latency", "-rate", "10000", "-size", "100"]),
    targets: [{ text: "p99 ≤ 3 ms", systems: ["ferry"], check: (r) => ({ measured: `p99 ${((r.latencyUs?.p99 ?? NaN) / 1000).toFixed(2)} ms`, pass: (r.latencyUs?.p99 ?? Infinity) <= 3000 }) }],
  },
  {
    name: "memory/stalled-consumer",
    description: "a group with a big max_in_flight stops reading and never acks while producers run",
    ferry: stalled,
    nosync: false,
    targets: [memoryFlat],
  },
  {
    name: "ghz/produce-unary-c64",
    description: "server capacity: ghz drives unary Produce (64 concurrent, 1 connection) through reflection",
    ferry: ghz(64),
    nosync: true,
    floor: true,
    targets: [],
  },
  {
    name: "ghz/produce-unary-c1",
    description: "ghz drives unary Produce, one call in flight",
    ferry: ghz(1),
    nosync: true,
    floor: true,
    targets: [],
  },
];

export const MEMORY_TARGET_MIB = 256;
export { MIB };
