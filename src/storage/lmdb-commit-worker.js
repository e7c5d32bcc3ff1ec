// The durable commit thread of LmdbStore (see commit-thread.ts): it opens the same
// LMDB environment and applies commits in synchronous transactions, fsync included,
// then answers. Blocking here costs the broker's event loop nothing.
//
// Group commit happens here too: every commit message already queued when a
// transaction starts goes into that one transaction, so one fsync covers them all
// and the next transaction starts without a round trip to the main thread.
// Plain JavaScript so that it runs as is from src/ (tests) and from dist/ (build copy).
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { open } from "lmdb";

const env = open(workerData.options);
// The order of COMMIT_DBS in commit-thread.ts.
const dbs = [env.openDB({ name: "records", keyEncoding: "binary", encoding: "binary" }), env.openDB({ name: "meta" })];

const RECORDS = 0;
const SKIPPED = "not applied: an earlier commit failed";
// Record keys and values arrive as Uint8Arrays; lmdb's binary encoding takes Buffers.
const asBuffer = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

// lmdb-js stores garbage from a Buffer over a SharedArrayBuffer (it misreads the address),
// so values in the commit arena (commit-arena.ts) are copied into this buffer first. One
// buffer reused: putSync copies the value into the transaction before it returns.
let scratch = Buffer.allocUnsafeSlow(256 * 1024);
function valueBuffer(bytes) {
  if (!(bytes.buffer instanceof SharedArrayBuffer)) return asBuffer(bytes);
  if (scratch.length < bytes.length) scratch = Buffer.allocUnsafeSlow(Math.max(bytes.length, scratch.length * 2));
  scratch.set(bytes);
  return scratch.subarray(0, bytes.length);
}

/** Set by a failed chained commit: later chained commits were built on it (see Store.writeDepth). */
let chainFailed = false;

/** Applies one write of the `StoreWrite` shape (commit-thread.ts) inside the transaction. */
function apply(w) {
  if (w.db === RECORDS) {
    if (w.put) dbs[RECORDS].putSync(asBuffer(w.key), valueBuffer(w.value));
    else dbs[RECORDS].removeSync(asBuffer(w.key));
  } else if (w.put) dbs[w.db].putSync(w.key, w.value);
  else if (w.key !== undefined) dbs[w.db].removeSync(w.key);
  else for (const key of dbs[w.db].getKeys({ start: w.start, end: w.end })) dbs[w.db].removeSync(key);
}

function transact(commits) {
  env.transactionSync(() => {
    for (const c of commits) for (const w of c.writes) apply(w);
  });
}

const errorText = (err) => (err instanceof Error ? err.message : String(err));

/** Commits `group` (commit messages, in order) in one transaction; if that fails, one by one. */
function commitGroup(group) {
  const eligible = [];
  for (const c of group) {
    if (c.chained && chainFailed) parentPort.postMessage({ id: c.id, error: SKIPPED });
    else eligible.push(c);
  }
  if (eligible.length === 0) return;
  if (eligible.length > 1) {
    try {
      transact(eligible);
      for (const c of eligible) parentPort.postMessage({ id: c.id });
      return;
    } catch {
      // One commit spoiled the shared transaction: find it, committing the others alone.
    }
  }
  for (const c of eligible) {
    if (c.chained && chainFailed) {
      parentPort.postMessage({ id: c.id, error: SKIPPED });
      continue;
    }
    try {
      transact([c]);
      parentPort.postMessage({ id: c.id });
    } catch (err) {
      if (c.chained) chainFailed = true;
      parentPort.postMessage({ id: c.id, error: errorText(err) });
    }
  }
}

parentPort.on("message", (first) => {
  // Everything queued behind this message, in order; control messages split the groups.
  const queued = [first];
  for (let next = receiveMessageOnPort(parentPort); next !== undefined; next = receiveMessageOnPort(parentPort)) queued.push(next.message);
  let group = [];
  for (const message of queued) {
    if (message.writes) {
      group.push(message);
      continue;
    }
    commitGroup(group);
    group = [];
    if (message.recover) chainFailed = false;
    else if (message.close) void env.close().then(() => parentPort.postMessage({ closed: true }));
  }
  commitGroup(group);
});
