/**
 * Loads the TypeScript client's Producer at run time, so the harness builds and
 * runs whether or not the client exists yet. Without a usable Producer the
 * `producer/100B-send` scenario reports "pending" with the reason.
 *
 * Source: `$FERRY_BENCH_CLIENT` (a path to a built index.js), else the workspace
 * package `@ferry-broker/client` (clients/ts/dist, built by `npm ci` / `npm run build`).
 */
import { pathToFileURL } from "node:url";

interface ProducerLike {
  send(record: { topic: string; value: Uint8Array }): Promise<unknown>;
  close(): Promise<void>;
}

type ProducerCtor = new (address: string, options?: Record<string, unknown>) => ProducerLike;

export interface LoadedProducer {
  readonly describe: string;
  create(address: string): Promise<{ send(topic: string, value: Uint8Array): Promise<unknown>; close(): Promise<void> }>;
}

export async function loadProducer(): Promise<LoadedProducer | string> {
  const fromEnv = process.env["FERRY_BENCH_CLIENT"];
  const spec = fromEnv ? pathToFileURL(fromEnv).href : "@ferry-broker/client";
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec)) as Record<string, unknown>;
  } catch (err) {
    return `cannot load ${fromEnv ?? spec} (${(err as Error).message.split("\n")[0]}); build the client with npm run build`;
  }
  const Producer = mod["Producer"];
  if (typeof Producer !== "function") return `${fromEnv ?? spec} exports no Producer yet`;
  const Ctor = Producer as ProducerCtor;
  return {
    describe: `Producer (${String(mod["VERSION"] ?? "?")}, default options: linger ${String(mod["DEFAULT_LINGER_MS"] ?? "?")} ms, batch ${String(mod["DEFAULT_MAX_BATCH_RECORDS"] ?? "?")}, idempotent)`,
    create: async (address) => {
      const p = new Ctor(address);
      return { send: (topic, value) => p.send({ topic, value }), close: () => p.close() };
    },
  };
}
