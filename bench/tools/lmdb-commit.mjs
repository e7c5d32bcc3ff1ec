// How long one LMDB commit takes on this machine, by commit style: what bounds a durable
// Produce from below. Run: npm run build && node bench/tools/lmdb-commit.mjs [SECONDS] [VALUES] [BYTES]
// (default 1.5 s of commits of one 100-byte value, a unary Produce; `2 16 27500` is what
// one group commit of `produce/100B-batch1000` holds: 4 batches of ~110 KB over 4 partitions).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import { LmdbStore } from "../../dist/storage/lmdb-store.js";

const seconds = Number(process.argv[2] ?? 1.5);
const values = Number(process.argv[3] ?? 1);
const value = Buffer.alloc(Number(process.argv[4] ?? 100));
const key = (n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const putAll = (db, n) => {
  for (let i = 0; i < values; i++) db.putSync(key(n * values + i), value);
};

const styles = [
  ["async transaction, fsync (Ferry durable before)", { overlappingSync: false }, (env, db, n) => env.transaction(() => putAll(db, n))],
  ["transactionSync, fsync (blocks its thread)", { overlappingSync: false }, (env, db, n) => env.transactionSync(() => putAll(db, n))],
  ["async transaction, no fsync", { noSync: true, overlappingSync: false }, (env, db, n) => env.transaction(() => putAll(db, n))],
  ["transactionSync, no fsync", { noSync: true, overlappingSync: false }, (env, db, n) => env.transactionSync(() => putAll(db, n))],
];
const records = Array.from({ length: values }, () => value);
// Ferry's own path: LmdbStore.write of `values` records (one chunk), as one group commit.
const stores = [
  ["LmdbStore.write, fsync (Ferry durable: commit thread)", true],
  ["LmdbStore.write, no fsync (Ferry --no-sync)", false],
];
console.log(`commits of ${values} value(s) of ${value.length} bytes`);

function report(name, took) {
  took.sort((a, b) => a - b);
  const at = (q) => took[Math.min(took.length - 1, Math.floor(q * took.length))].toFixed(0).padStart(6);
  const mean = (took.reduce((a, b) => a + b, 0) / took.length).toFixed(0).padStart(6);
  console.log(`${name.padEnd(54)} µs per commit: mean ${mean}  p50 ${at(0.5)}  p99 ${at(0.99)}  max ${at(1)}`);
}

for (const [name, options, commit] of styles) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-lmdb-commit-"));
  const env = open({ path: dir, maxDbs: 2, ...options });
  const db = env.openDB({ name: "r", keyEncoding: "binary", encoding: "binary" });
  const took = [];
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const t = performance.now();
    await commit(env, db, took.length);
    took.push((performance.now() - t) * 1000);
  }
  report(name, took);
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}

for (const [name, sync] of stores) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-lmdb-commit-"));
  const store = new LmdbStore({ path: dir, sync });
  const took = [];
  let offset = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const t = performance.now();
    await store.write([{ kind: "records", topicId: 1, partition: 0, firstOffset: offset, appendTimeMs: Date.now(), records }]);
    offset += values;
    took.push((performance.now() - t) * 1000);
  }
  report(name, took);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
