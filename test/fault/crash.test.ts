/**
 * The broker as a child process, killed with SIGKILL under concurrent produce load and
 * restarted: every acknowledged record must be there byte for byte, with no gaps and
 * no duplicates. Repeats FERRY_CRASH_KILLS times (default 20).
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { connect, type Clients } from "../../src/cli/common.js";
import { spawnBroker, tempDir, type ChildBroker } from "../helpers/broker.js";

const KILLS = Number(process.env["FERRY_CRASH_KILLS"] ?? 20);
const WRITERS = 8;
const PARTITIONS = 3;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

interface Acked {
  readonly partition: number;
  readonly offset: bigint;
  readonly value: string;
}

/** Produces batches from WRITERS concurrent loops until the broker dies; returns what was acknowledged. */
async function produceUntilDeath(clients: Clients, round: number, child: ChildBroker): Promise<Acked[]> {
  const acked: Acked[] = [];
  let alive = true;
  void child.exited.then(() => (alive = false));
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let seq = 0; alive; seq++) {
        const size = 1 + ((seq * 7 + w) % 40);
        const values = Array.from({ length: size }, (_, i) => `r${round}-w${w}-s${seq}-i${i}-${"x".repeat((seq + i) % 50)}`);
        try {
          const res = await clients.broker.produceBatch({ topic: "crash", records: values.map((v, i) => ({ key: enc(`key-${w}-${i}`), value: enc(v) })) }, { deadlineMs: 5000 });
          values.forEach((value, i) => acked.push({ partition: res.partitions[i]!, offset: res.offsets[i]!, value }));
        } catch {
          return; // the broker died under this call: it was never acknowledged
        }
      }
    }),
  );
  return acked;
}

async function readAll(clients: Clients): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (let p = 0; p < PARTITIONS; p++) {
    const values: string[] = [];
    let offset = 0n;
    for (;;) {
      const res = await clients.broker.fetch({ topic: "crash", partition: p, offset, maxRecords: 5000 });
      for (const r of res.records) {
        expect(r.offset, "offsets are gap-free").toBe(BigInt(values.length));
        values.push(dec(r.record?.value));
      }
      if (res.nextOffset >= res.logEndOffset) break;
      offset = res.nextOffset;
    }
    out.set(p, values);
  }
  return out;
}

/** `--no-sync` skips fsync, which only power loss can tell: a killed process loses nothing. */
const MODES = [
  { name: "durable", flags: [] as string[], kills: KILLS },
  { name: "--no-sync", flags: ["--no-sync"], kills: Math.min(KILLS, 5) },
];

describe.each(MODES)("crash safety (SIGKILL, $name)", ({ flags, kills }) => {
  const dir = tempDir("ferry-crash-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged record across ${kills} SIGKILLs under concurrent load`, { timeout: 60_000 + kills * 15_000 }, async () => {
    const allAcked: Acked[] = [];
    for (let round = 0; round < kills; round++) {
      const child = await spawnBroker(dir, 0, flags);
      const clients = connect(child.address);
      try {
        if (round === 0) await clients.admin.createTopic({ name: "crash", partitions: PARTITIONS });
        const killAfterMs = 150 + ((round * 137) % 400);
        const load = produceUntilDeath(clients, round, child);
        await new Promise((r) => setTimeout(r, killAfterMs));
        child.process.kill("SIGKILL");
        await child.exited;
        allAcked.push(...(await load));
      } finally {
        clients.close();
      }
    }
    const child = await spawnBroker(dir);
    const clients = connect(child.address);
    try {
      const stored = await readAll(clients);
      const everything = [...stored.values()].flat();
      expect(new Set(everything).size, "no record is stored twice").toBe(everything.length);
      for (const a of allAcked) {
        expect(stored.get(a.partition)![Number(a.offset)], `acked ${a.partition}@${a.offset}`).toBe(a.value);
      }
      expect(allAcked.length).toBeGreaterThan(kills * 50);
    } finally {
      clients.close();
      child.process.kill("SIGTERM");
      await child.exited;
    }
  });
});
