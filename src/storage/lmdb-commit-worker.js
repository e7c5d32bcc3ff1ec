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
const asBuffer = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

parentPort.on("message", (message) => {
  if (message.close) {
    void env.close().then(() => parentPort.postMessage({ closed: true }));
    return;
  }
  try {
    env.transactionSync(() => {
      for (const w of message.writes) {
        // Record keys and values arrive as Uint8Arrays; lmdb's binary encoding takes Buffers.
        const key = w.db === RECORDS ? asBuffer(w.key) : w.key;
        if (w.put) dbs[w.db].putSync(key, w.db === RECORDS ? asBuffer(w.value) : w.value);
        else dbs[w.db].removeSync(key);
      }
    });
    parentPort.postMessage({ id: message.id });
  } catch (err) {
    parentPort.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
  }
});
