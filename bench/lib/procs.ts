/**
 * The processes under test: a Ferry broker or a nats-server, each started as a
 * child process on loopback with a fresh temporary data directory, and a monitor
 * that samples its CPU (/proc/PID/stat) and memory (/proc/PID/status) every 100 ms.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync, openSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The repository root: the nearest folder above this file with bin/ferry.js (works from source and from bench/.build). */
export const REPO = ((): string => {
  let dir = new URL(".", import.meta.url).pathname;
  while (dir !== "/" && !existsSync(join(dir, "bin", "ferry.js"))) dir = join(dir, "..");
  return dir.replace(/\/$/, "");
})();
const FERRY_BIN = join(REPO, "bin", "ferry.js");

let clkTck = 0;
function ticksPerSecond(): number {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // fields after the command name (which may hold spaces) start after the last ')'
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime is field 14, stime field 15
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond();
}

/** The machine's CPU time (all cores) so far, in ticks: everything, and what the
 * hypervisor stole (the `steal` column of /proc/stat's `cpu` line). */
export function machineTicks(): { total: number; steal: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  return { total: ticks.slice(0, 8).reduce((a, b) => a + b, 0), steal: ticks[7] ?? 0 };
}

export interface MemSample {
  readonly rssAnonKiB: number;
  readonly rssFileKiB: number;
}

export function memSample(pid: number): MemSample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssAnonKiB: kib("RssAnon"), rssFileKiB: kib("RssFile") };
}

export interface ProcStats {
  /** Broker CPU over the measured window, in % of one core. */
  readonly cpuPercent: number;
  readonly cpuSeconds: number;
  /** The share of the machine's CPU time the hypervisor stole over the measured window, in %:
   * a high value means a slow, noisy neighbour hour, not a slow broker. */
  readonly machineStealPercent: number;
  /** RssAnon when the measured window began. */
  readonly rssAnonStartMiB: number;
  /** The largest RssAnon seen over the broker's whole life (warm-up and preload included). */
  readonly rssAnonPeakMiB: number;
  readonly rssAnonEndMiB: number;
  readonly rssFilePeakMiB: number;
  /** Peak RssAnon in the first and second half of the measured window (flatness). */
  readonly rssAnonPeakFirstHalfMiB: number;
  readonly rssAnonPeakSecondHalfMiB: number;
  readonly samples: number;
}

function stealPercent(from: { total: number; steal: number }, to: { total: number; steal: number }): number {
  const total = to.total - from.total;
  return total > 0 ? Math.round(((to.steal - from.steal) / total) * 1000) / 10 : 0;
}

/** Samples a process every 100 ms; markStart/markEnd bound the measured window. */
export class ProcMonitor {
  private timer: NodeJS.Timeout | undefined;
  private readonly series: { t: number; anon: number; file: number }[] = [];
  private peakAnon = 0;
  private peakFile = 0;
  private cpuStart = 0;
  private cpuEnd = 0;
  private tStart = 0;
  private tEnd = 0;
  private anonStart = 0;
  private machineStart = { total: 0, steal: 0 };
  private machineEnd = { total: 0, steal: 0 };

  constructor(private readonly pid: number) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  private sample(): void {
    try {
      const m = memSample(this.pid);
      this.peakAnon = Math.max(this.peakAnon, m.rssAnonKiB);
      this.peakFile = Math.max(this.peakFile, m.rssFileKiB);
      this.series.push({ t: performance.now(), anon: m.rssAnonKiB, file: m.rssFileKiB });
    } catch {
      // the process is gone
    }
  }

  markStart(): void {
    this.sample();
    this.cpuStart = cpuSeconds(this.pid);
    this.machineStart = machineTicks();
    this.tStart = performance.now();
    this.anonStart = this.series.at(-1)?.anon ?? 0;
  }

  markEnd(): void {
    this.sample();
    this.cpuEnd = cpuSeconds(this.pid);
    this.machineEnd = machineTicks();
    this.tEnd = performance.now();
  }

  stop(): ProcStats {
    if (this.timer) clearInterval(this.timer);
    if (this.tEnd === 0) this.markEnd();
    const mid = (this.tStart + this.tEnd) / 2;
    const inWindow = this.series.filter((s) => s.t >= this.tStart && s.t <= this.tEnd);
    const peak = (xs: { anon: number }[]): number => xs.reduce((m, s) => Math.max(m, s.anon), 0);
    const mib = (k: number): number => Math.round((k / 1024) * 10) / 10;
    const secs = (this.tEnd - this.tStart) / 1000;
    const cpu = this.cpuEnd - this.cpuStart;
    return {
      cpuPercent: Math.round((cpu / secs) * 1000) / 10,
      cpuSeconds: Math.round(cpu * 100) / 100,
      machineStealPercent: stealPercent(this.machineStart, this.machineEnd),
      rssAnonStartMiB: mib(this.anonStart),
      rssAnonPeakMiB: mib(this.peakAnon),
      rssAnonEndMiB: mib(inWindow.at(-1)?.anon ?? 0),
      rssFilePeakMiB: mib(this.peakFile),
      rssAnonPeakFirstHalfMiB: mib(peak(inWindow.filter((s) => s.t < mid))),
      rssAnonPeakSecondHalfMiB: mib(peak(inWindow.filter((s) => s.t >= mid))),
      samples: this.series.length,
    };
  }
}

/** A child process under test. */
export interface Running {
  readonly pid: number;
  readonly address: string;
  readonly dataDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([new Promise<boolean>((r) => child.once("exit", () => r(true))), sleep(ms).then(() => false)]);
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "";
  }
}

async function stopChild(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    if (!(await waitForExit(child, 15_000))) {
      child.kill("SIGKILL");
      await waitForExit(child, 5_000);
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

export interface FerryOptions {
  readonly sync: boolean;
  /** Directory for --cpu-prof output; unset: no profile. */
  readonly cpuProfDir?: string;
}

/** Starts `node bin/ferry.js serve` on 127.0.0.1, port 0, in a fresh temp dir. */
export async function startFerry(o: FerryOptions): Promise<Running> {
  if (!existsSync(join(REPO, "dist", "cli", "main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (npm ci runs it) before `npm run bench`");
  }
  const dataDir = mkdtempSync(join(tmpdir(), "ferry-bench-"));
  const portsFile = join(dataDir, "ports.json");
  const logFile = join(dataDir, "broker.log");
  const log = openSync(logFile, "a");
  const nodeArgs = o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir] : [];
  const args = [...nodeArgs, FERRY_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", join(dataDir, "data"), "--ports-file", portsFile, "--log-level", "warn"];
  if (!o.sync) args.push("--no-sync");
  const child = spawn(process.execPath, args, { stdio: ["ignore", log, log], cwd: REPO });
  closeSync(log);
  const t0 = Date.now();
  let address = "";
  while (!address) {
    if (child.exitCode !== null) throw new Error(`ferry exited with ${child.exitCode} before listening:\n${tail(logFile)}`);
    if (Date.now() - t0 > 20_000) {
      child.kill("SIGKILL");
      throw new Error(`ferry did not write ${portsFile} within 20 s:\n${tail(logFile)}`);
    }
    try {
      address = (JSON.parse(readFileSync(portsFile, "utf8")) as { grpc: string }).grpc;
    } catch {
      await sleep(50);
    }
  }
  return { pid: child.pid!, address, dataDir, logFile, stop: () => stopChild(child, dataDir) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function which(cmd: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Starts nats-server with JetStream file storage in a fresh temp dir on a loopback port. */
export async function startNats(): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), "ferry-bench-nats-"));
  const logFile = join(dataDir, "nats.log");
  const port = await freePort();
  const log = openSync(logFile, "a");
  const child = spawn("nats-server", ["-js", "-sd", join(dataDir, "js"), "-a", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", log, log] });
  closeSync(log);
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${tail(logFile)}`);
    if (readFileSyncSafe(logFile).includes("Server is ready")) break;
    if (Date.now() - t0 > 15_000) {
      child.kill("SIGKILL");
      throw new Error(`nats-server not ready within 15 s:\n${tail(logFile)}`);
    }
    await sleep(50);
  }
  return { pid: child.pid!, address: `nats://127.0.0.1:${port}`, dataDir, logFile, stop: () => stopChild(child, dataDir) };
}

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Starts the grpc-js floor server (bench/tools/grpc-echo.ts, compiled beside this file). */
export async function startGrpcEcho(): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), "ferry-bench-echo-"));
  const script = new URL("../tools/grpc-echo.js", import.meta.url).pathname;
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"], cwd: REPO });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", (code) => reject(new Error(`grpc-echo exited with ${code}`)));
  });
  return { pid: child.pid!, address: `127.0.0.1:${port}`, dataDir, logFile: "", stop: () => stopChild(child, dataDir) };
}
