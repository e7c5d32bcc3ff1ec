/** Runs the Go JetStream peer (bench/peer/nats, built into .tools/bin) and reads its JSON. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Measurement } from "./load.js";
import { REPO } from "./procs.js";

export const NATS_PEER = join(REPO, ".tools", "bin", "ferry-nats-bench");

interface PeerResult {
  msgs: number;
  seconds: number;
  msgsPerSec: number;
  latencyUs?: { p50: number; p95: number; p99: number; p999: number; mean: number; max: number };
  latencySamples: number;
  note: string;
}

export function peerAvailable(): string | undefined {
  if (!existsSync(NATS_PEER)) return "ferry-nats-bench is not built (scripts/setup-bench.sh builds it into .tools/bin)";
  return undefined;
}

/**
 * Runs one peer scenario. `onStart` is called when the peer's warm-up is over
 * (estimated from the warm-up time), so the server monitor's window matches.
 */
export function runPeer(url: string, args: string[], bytesPerMsg: number, hooks: { onLine: (line: string) => void }): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(NATS_PEER, ["-url", url, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      for (const line of d.toString().split("\n")) if (line.trim()) hooks.onLine(line.trim());
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`ferry-nats-bench exited ${code}: ${err.slice(-800)}`));
      try {
        const r = JSON.parse(out.trim().split("\n").at(-1) ?? "") as PeerResult;
        const m: Measurement = {
          msgs: r.msgs,
          seconds: r.seconds,
          bytesPerMsg,
          latencyKind: "see note",
          note: r.note,
          ...(r.latencyUs ? { latency: { ...r.latencyUs, samples: r.latencySamples } } : {}),
        };
        resolve(m);
      } catch (e) {
        reject(new Error(`cannot parse ferry-nats-bench output: ${(e as Error).message}: ${out.slice(-300)}`));
      }
    });
  });
}
