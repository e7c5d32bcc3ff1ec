/**
 * Test brokers: in-process on port 0 with a temp data dir (integration), or a child
 * process running bin/ferry.js (fault tests). Both use the real LMDB store.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig, type BrokerConfig } from "../../src/config.js";
import { connect, type Clients } from "../../src/cli/common.js";
import { createLogger } from "../../src/observability/logger.js";
import { startBroker, type RunningBroker } from "../../src/server/broker-server.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export function tempDir(prefix = "ferry-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestBroker extends Omit<Clients, "close"> {
  readonly address: string;
  readonly running: RunningBroker;
  readonly dataDir: string;
  readonly config: BrokerConfig;
  /** Closes clients and broker (keeps the data dir). */
  stop(): Promise<void>;
  /** stop() and remove the data dir. */
  close(): Promise<void>;
}

/** Starts an in-process broker on 127.0.0.1:0 with a fresh (or given) data dir. */
export async function startTestBroker(flags: Record<string, unknown> = {}, dataDir = tempDir()): Promise<TestBroker> {
  const config = loadConfig({
    env: {},
    flags: { host: "127.0.0.1", port: 0, dataDir, logLevel: process.env["FERRY_TEST_LOG"] ?? "silent", ...flags },
  });
  const running = await startBroker(config, createLogger(config.logLevel));
  const clients = connect(running.address);
  const stop = async (): Promise<void> => {
    clients.close();
    await running.close();
  };
  return {
    ...clients,
    address: running.address,
    running,
    dataDir,
    config,
    stop,
    async close() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value (or stops throwing). */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ChildBroker {
  readonly process: ChildProcess;
  readonly address: string;
  readonly port: number;
  /** Resolves with the exit code or signal once the process ends. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

/** Runs `node bin/ferry.js serve` as a child on `port` (0 = free) over `dataDir`. */
export async function spawnBroker(dataDir: string, port = 0, extra: string[] = []): Promise<ChildBroker> {
  const portsFile = join(dataDir, `ports-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin/ferry.js"), "serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir, "--ports-file", portsFile, "--log-level", "warn", ...extra], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((r) => child.once("exit", (code, signal) => r(signal ?? code)));
  const address = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`broker exited with ${child.exitCode}: ${stderr}`);
      return existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, "utf8")) as { grpc: string }).grpc : undefined;
    },
    20_000,
    "the broker's ports file",
  );
  return { process: child, address, port: Number(address.split(":").pop()), exited };
}
