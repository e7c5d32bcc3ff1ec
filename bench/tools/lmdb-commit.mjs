// How long one LMDB commit of one small record takes on this machine, by commit style:
// what bounds a durable unary Produce from below. Run: node bench/tools/lmdb-commit.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";

const value = Buffer.alloc(100);
const key = (n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const seconds = Number(process.argv[2] ?? 1.5);

const styles = [
  ["async transaction, fsync (Ferry durable)", { overlappingSync: false }, (env, db, n) => env.transaction(() => db.putSync(key(n), value))],
  ["transactionSync, fsync (blocks the loop)", { overlappingSync: false }, (env, db, n) => env.transactionSync(() => db.putSync(key(n), value))],
  ["async transaction, no fsync", { noSync: true, overlappingSync: false }, (env, db, n) => env.transaction(() => db.putSync(key(n), value))],
  ["transactionSync, no fsync (Ferry --no-sync)", { noSync: true, overlappingSync: false }, (env, db, n) => env.transactionSync(() => db.putSync(key(n), value))],
];

for (const [name, options, commit] of styles) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-lmdb-commit-"));
  const env = open({ path: dir, maxDbs: 2, ...options });
  const db = env.openDB({ name: "r", keyEncoding: "binary", encoding: "binary" });
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) await commit(env, db, n++);
  console.log(`${name.padEnd(46)} ${(((performance.now() - t0) / n) * 1000).toFixed(0).padStart(6)} µs per commit`);
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}
