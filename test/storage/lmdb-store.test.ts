import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LmdbStore } from "../../src/storage/lmdb-store.js";
import { tempDir } from "../helpers/broker.js";

describe("LmdbStore data directory", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("is a directory even when its name has a dot", async () => {
    const parent = tempDir("ferry-dotted-");
    dirs.push(parent);
    const path = join(parent, "ferry.d");
    const store = new LmdbStore({ path });
    await store.write([{ kind: "records", topicId: 1, partition: 0, firstOffset: 0, appendTimeMs: 5, records: [Uint8Array.from([18, 1, 7])] }]);
    await store.close();
    expect(readdirSync(path).sort()).toEqual(["data.mdb", "lock.mdb"]);
    expect(existsSync(`${path}-lock`)).toBe(false);
    const reopened = new LmdbStore({ path });
    expect(reopened.partitionEnd(1, 0)).toBe(1);
    await reopened.close();
  });
});
