/**
 * `npm run bench -- [regex] [options]`: runs the named scenarios against a Ferry
 * broker it starts itself (one per scenario and mode, fresh data directory), the
 * JetStream peer beside it, and writes bench/results/. See bench/README.md.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Measurement, ScenarioContext } from "./lib/load.js";
import { runPeer, peerAvailable } from "./lib/peer.js";
import { ProcMonitor, REPO, startFerry, startGrpcEcho, startNats, which, type ProcStats } from "./lib/procs.js";
import { computeRatios, fmtNum, renderTables, SYSTEM_LABEL, writeResults, type Results, type Row, type RunInfo, type System, type TargetResult } from "./lib/report.js";
import { checkWire } from "./lib/wire-check.js";
import { MEMORY_TARGET_MIB, PendingError, SCENARIOS, SkipError, type Scenario } from "./scenarios.js";

const HELP = `npm run bench -- [REGEX] [options]

Runs every scenario whose name matches REGEX (default: all), against Ferry durable,
Ferry --no-sync and NATS JetStream where the scenario maps, and writes
bench/results/<date>-<commit>.json, latest.json and latest.svg.

  --warmup S        warm-up seconds before each measured window (default 2)
  --duration S      measured seconds per scenario (default 10)
  --count N         records for the catch-up scenarios (default 1000000)
  --quick           --warmup 1 --duration 3 --count 200000, results not saved (for development)
  --systems LIST    comma-separated subset of ferry,ferry-nosync,jetstream,grpc-echo (default all;
                    grpc-echo = the ghz scenarios against a bare grpc-js server: the floor)
  --profile         run the broker under node --cpu-prof; profiles in bench/results/profiles/
  --no-save         print the tables only
  --out DIR         write the JSON and chart to DIR instead of bench/results (for A/B runs)
  --no-setup        do not run scripts/setup-bench.sh first
  --list            list the scenarios and exit`;

interface Args {
  regex: RegExp;
  warmupMs: number;
  durationMs: number;
  count: number;
  systems: Set<System>;
  profile: boolean;
  save: boolean;
  outDir: string;
  setup: boolean;
  list: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    regex: /.*/,
    warmupMs: 2000,
    durationMs: 10_000,
    count: 1_000_000,
    systems: new Set<System>(["ferry", "ferry-nosync", "jetstream", "grpc-echo"]),
    profile: false,
    save: true,
    outDir: join(REPO, "bench", "results"),
    setup: true,
    list: false,
  };
  const num = (v: string | undefined, flag: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--warmup":
        a.warmupMs = num(argv[++i], arg) * 1000;
        break;
      case "--duration":
        a.durationMs = num(argv[++i], arg) * 1000;
        break;
      case "--count":
        a.count = Math.round(num(argv[++i], arg));
        break;
      case "--quick":
        a.warmupMs = 1000;
        a.durationMs = 3000;
        a.count = 200_000;
        a.save = false;
        break;
      case "--systems": {
        const list = (argv[++i] ?? "").split(",").filter(Boolean);
        for (const s of list) if (!(s in SYSTEM_LABEL)) throw new Error(`unknown system '${s}' (ferry, ferry-nosync, jetstream, grpc-echo)`);
        a.systems = new Set(list as System[]);
        break;
      }
      case "--profile":
        a.profile = true;
        break;
      case "--no-save":
        a.save = false;
        break;
      case "--out": {
        const dir = argv[++i];
        if (!dir) throw new Error("--out needs a directory");
        a.outDir = resolve(dir);
        break;
      }
      case "--no-setup":
        a.setup = false;
        break;
      case "--list":
        a.list = true;
        break;
      case "-h":
      case "--help":
        console.log(HELP);
        process.exit(0);
        break;
      default:
        if (arg.startsWith("--")) throw new Error(`unknown option ${arg}\n\n${HELP}`);
        a.regex = new RegExp(arg);
    }
  }
  return a;
}

// ------------------------------------------------------------------ progress

const tty = process.stderr.isTTY === true;

class Progress {
  private timer: NodeJS.Timeout | undefined;
  private label = "";
  private t0 = 0;
  private expectedMs = 0;
  private fraction: number | undefined;
  private note = "";
  private active = false;

  begin(label: string, expectedMs: number): void {
    this.active = true;
    this.label = label;
    this.t0 = performance.now();
    this.expectedMs = expectedMs;
    this.fraction = undefined;
    this.note = "";
    if (tty) this.timer ??= setInterval(() => this.draw(), 200);
    else process.stderr.write(`${label} ...\n`);
  }

  set(fraction: number, note: string): void {
    this.fraction = Math.min(1, fraction);
    this.note = note;
  }

  setNote(note: string): void {
    this.note = note;
  }

  private draw(): void {
    if (!this.active) return;
    const elapsed = performance.now() - this.t0;
    const f = this.fraction ?? Math.min(1, elapsed / this.expectedMs);
    const width = 24;
    const full = Math.round(f * width);
    const bar = "█".repeat(full) + "░".repeat(width - full);
    process.stderr.write(`\r\x1b[K${this.label} ${bar} ${(elapsed / 1000).toFixed(1)}s ${this.note}`);
  }

  end(summary: string): void {
    this.active = false;
    if (tty) process.stderr.write(`\r\x1b[K${this.label} ${summary}\n`);
    else process.stderr.write(`${this.label} ${summary}\n`);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

// ------------------------------------------------------------------ info

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: REPO, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "";
  }
}

/** True when some src/ file is newer than the dist/ build the broker runs from. */
function distIsStale(): boolean {
  let newestSrc = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) newestSrc = Math.max(newestSrc, statSync(p).mtimeMs);
    }
  };
  try {
    walk(join(REPO, "src"));
    return newestSrc > statSync(join(REPO, "dist", "cli", "main.js")).mtimeMs;
  } catch {
    return true;
  }
}

function runInfo(a: Args, before: number[]): Omit<RunInfo, "loadAvg" | "wallSeconds"> & { loadBefore: number[] } {
  const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  const nats = which("nats-server") ? sh("nats-server", ["--version"]).replace(/^nats-server:\s*/, "") : "not installed";
  return {
    date: new Date().toISOString(),
    commit: sh("git", ["rev-parse", "--short", "HEAD"]) || "unknown",
    // uncommitted changes in what is measured (the broker and the harness)
    dirty: sh("git", ["status", "--porcelain", "--", "src", "bench", "package.json"]) !== "",
    node: process.version,
    machine: { cpuModel, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release() },
    natsServer: nats,
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    warmupMs: a.warmupMs,
    durationMs: a.durationMs,
    catchupCount: a.count,
    distStale: distIsStale(),
    loadBefore: before,
  };
}

// ------------------------------------------------------------------ runs

interface Outcome {
  m?: Measurement;
  server?: ProcStats;
  clientCpuPercent?: number;
  status: Row["status"];
  reason?: string;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function runFerry(s: Scenario, system: System, a: Args, progress: Progress): Promise<Outcome> {
  const sync = system === "ferry";
  const broker =
    system === "grpc-echo"
      ? await startGrpcEcho()
      : await startFerry({ sync, ...(a.profile ? { cpuProfDir: join(REPO, "bench", "results", "profiles", s.name.replace(/\//g, "_") + (sync ? "" : "-nosync")) } : {}) });
  const mon = new ProcMonitor(broker.pid);
  mon.start();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let clientCpuPercent = 0;
  const ctx: ScenarioContext = {
    address: broker.address,
    reflection: system !== "grpc-echo",
    warmupMs: a.warmupMs,
    durationMs: a.durationMs,
    count: a.count,
    markStart: () => {
      mon.markStart();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      progress.setNote("measuring");
    },
    markEnd: () => {
      mon.markEnd();
      const d = process.cpuUsage(cpu0);
      clientCpuPercent = Math.round(((d.user + d.system) / 1000 / (performance.now() - t0)) * 1000) / 10;
      progress.setNote("");
    },
    progress: (f, label) => progress.set(f, label),
  };
  let out: Outcome;
  try {
    const m = await withTimeout(s.ferry(ctx), a.warmupMs + a.durationMs + 300_000, s.name);
    out = { m, status: "ok", clientCpuPercent };
  } catch (err) {
    if (err instanceof PendingError) out = { status: "pending", reason: err.message };
    else if (err instanceof SkipError) out = { status: "skipped", reason: err.message };
    else out = { status: "error", reason: (err as Error).message ?? String(err) };
  }
  const server = mon.stop();
  await broker.stop();
  return out.status === "ok" ? { ...out, server } : out;
}

async function runJetStream(s: Scenario, a: Args, progress: Progress): Promise<Outcome> {
  const nats = await startNats();
  const mon = new ProcMonitor(nats.pid);
  mon.start();
  try {
    const args = s.jetstream!({ warmupMs: a.warmupMs, durationMs: a.durationMs, count: a.count });
    const bytes = Number(args[args.indexOf("-size") + 1] ?? 100);
    const m = await withTimeout(
      runPeer(nats.address, args, bytes, {
        onLine: (line) => {
          if (line === "MARK start") {
            mon.markStart();
            progress.setNote("measuring");
          } else if (line === "MARK end") mon.markEnd();
          else progress.setNote(line.replace(/^ferry-nats-bench: /, ""));
        },
      }),
      a.warmupMs + a.durationMs + 300_000,
      `${s.name} (jetstream)`,
    );
    return { m, status: "ok", server: mon.stop() };
  } catch (err) {
    mon.stop();
    return { status: "error", reason: (err as Error).message };
  } finally {
    await nats.stop();
  }
}

function toRow(s: Scenario, system: System, o: Outcome, load: number): Row {
  const targets: TargetResult[] = [];
  const base = { scenario: s.name, system, status: o.status, loadAvgAtStart: load, targets };
  if (o.status !== "ok" || !o.m) return { ...base, msgsPerSec: 0, mbPerSec: 0, ...(o.reason ? { reason: o.reason } : {}) };
  const m = o.m;
  const msgsPerSec = m.seconds > 0 ? m.msgs / m.seconds : 0;
  const row: Row = {
    ...base,
    msgs: m.msgs,
    seconds: Math.round(m.seconds * 1000) / 1000,
    msgsPerSec: Math.round(msgsPerSec),
    mbPerSec: Math.round(((msgsPerSec * m.bytesPerMsg) / 1e6) * 100) / 100,
    latencyUs: m.latency,
    latencyKind: m.latencyKind,
    server: o.server,
    ...(o.clientCpuPercent !== undefined ? { clientCpuPercent: o.clientCpuPercent } : {}),
    note: m.note,
    extra: m.extra,
  };
  for (const t of s.targets) {
    if (!t.systems.includes(system)) continue;
    const c = t.check(row);
    targets.push({ target: t.text, measured: c.measured, pass: c.pass });
  }
  if ((system === "ferry" || system === "ferry-nosync") && o.server && !s.targets.some((t) => t.text.includes("RssAnon"))) {
    targets.push({ target: `RssAnon ≤ ${MEMORY_TARGET_MIB} MiB`, measured: `peak ${o.server.rssAnonPeakMiB} MiB`, pass: o.server.rssAnonPeakMiB <= MEMORY_TARGET_MIB });
  }
  return row;
}

function summaryLine(r: Row): string {
  if (r.status !== "ok") return `${r.status.toUpperCase()}: ${r.reason ?? ""}`;
  const l = r.latencyUs;
  const lat = l ? ` p50 ${(l.p50 / 1000).toFixed(2)} ms p99 ${(l.p99 / 1000).toFixed(2)} ms` : "";
  const mem = r.server ? ` srv ${r.server.cpuPercent}% cpu, anon ${r.server.rssAnonPeakMiB} MiB` : "";
  const t = r.targets.map((x) => `${x.pass ? "PASS" : "MISS"} ${x.target}`).join("; ");
  const extra = r.extra ? " " + Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(" ") : "";
  return `${fmtNum(r.msgsPerSec)} msg/s${lat}${mem}${extra}${t ? " — " + t : ""}`;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const selected = SCENARIOS.filter((s) => a.regex.test(s.name));
  if (a.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(28)} ${s.description}${s.jetstream ? " [+jetstream]" : ""}${s.nosync ? " [+no-sync]" : ""}`);
    return;
  }
  if (selected.length === 0) throw new Error(`no scenario matches ${a.regex}; try --list`);
  checkWire();
  if (a.setup && (a.systems.has("jetstream") || selected.some((s) => s.name.startsWith("ghz/")))) {
    spawnSync("bash", [join(REPO, "scripts", "setup-bench.sh")], { stdio: ["ignore", "inherit", "inherit"] });
  }
  const natsMissing = !which("nats-server") ? "nats-server is not installed (scripts/setup-bench.sh installs it with apt-get)" : peerAvailable();

  const plan: { s: Scenario; system: System }[] = [];
  for (const s of selected) {
    if (a.systems.has("ferry")) plan.push({ s, system: "ferry" });
    if (s.nosync && a.systems.has("ferry-nosync")) plan.push({ s, system: "ferry-nosync" });
    if (s.jetstream && a.systems.has("jetstream")) plan.push({ s, system: "jetstream" });
    if (s.floor && a.systems.has("grpc-echo")) plan.push({ s, system: "grpc-echo" });
  }
  const before = loadavg();
  const info = runInfo(a, before);
  if (info.distStale) console.error("bench: WARNING dist/ is older than src/: the broker measured is not the checked-out source (run npm run build)");
  const t0 = performance.now();
  const progress = new Progress();
  const rows: Row[] = [];
  let i = 0;
  for (const { s, system } of plan) {
    i++;
    const label = `[${String(i).padStart(2)}/${plan.length}] ${s.name} · ${SYSTEM_LABEL[system]}`;
    const load = loadavg()[0]!;
    progress.begin(label, a.warmupMs + a.durationMs + 1500);
    let o: Outcome;
    if (system === "jetstream" && natsMissing) o = { status: "skipped", reason: natsMissing };
    else if (system === "jetstream") o = await runJetStream(s, a, progress);
    else o = await runFerry(s, system, a, progress);
    const row = toRow(s, system, o, load);
    rows.push(row);
    progress.end(summaryLine(row));
    await sleep(300);
  }
  progress.close();
  const { loadBefore, ...rest } = info;
  const res: Results = {
    info: { ...rest, loadAvg: { before: loadBefore, after: loadavg() }, wallSeconds: Math.round((performance.now() - t0) / 1000) },
    rows,
    ratios: computeRatios(rows),
    memoryTargetMiB: MEMORY_TARGET_MIB,
  };
  process.stdout.write("\n" + renderTables(res) + "\n");
  if (a.save) {
    const files = writeResults(a.outDir, res);
    process.stdout.write(`wrote ${files.json}\n      ${files.latest}\n      ${files.svg}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
