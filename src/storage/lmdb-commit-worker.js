// The durable commit thread of LmdbStore (see commit-thread.ts): it opens the same
// LMDB environment and applies each prepared commit in one synchronous transaction,
// fsync included, then answers. Blocking here costs the broker's event loop nothing.
// Plain JavaScript so that it runs as is from src/ (tests) and from dist/ (build copy).
import { parentPort, workerData } from "node:worker_threads";
import { open } from "lmdb";

const env = open(workerData.options);
// The order of COMMIT_DBS in commit-thread.ts.
const dbs = [env.openDB({ name: "records", keyEncoding: "binary", encoding: "binary" }), env.openDB({ name: "meta" })];

const RECORDS = 0;
// Record keys and values arrive as Uint8Arrays; lmdb's binary encoding takes Buffers.
const asBuffer = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Set by a failed chained commit: later chained commits were built on it (see Store.writeDepth). */
let chainFailed = false;

/** Applies one write of the `StoreWrite` shape (commit-thread.ts) inside the transaction. */
function apply(w) {
  if (w.db === RECORDS) {
    if (w.put) dbs[RECORDS].putSync(asBuffer(w.key), asBuffer(w.value));
    else dbs[RECORDS].removeSync(asBuffer(w.key));
  } else if (w.put) dbs[w.db].putSync(w.key, w.value);
  else if (w.key !== undefined) dbs[w.db].removeSync(w.key);
  else for (const key of dbs[w.db].getKeys({ start: w.start, end: w.end })) dbs[w.db].removeSync(key);
}

parentPort.on("message", (message) => {
  if (message.close) {
    void env.close().then(() => parentPort.postMessage({ closed: true }));
    return;
  }
  if (message.recover) {
    chainFailed = false;
    return;
  }
  if (message.chained && chainFailed) {
    parentPort.postMessage({ id: message.id, error: "not applied: an earlier commit failed" });
    return;
  }
  try {
    env.transactionSync(() => {
      for (const w of message.writes) apply(w);
    });
    parentPort.postMessage({ id: message.id });
  } catch (err) {
    if (message.chained) chainFailed = true;
    parentPort.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
  }
});
