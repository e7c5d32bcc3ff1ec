/** The results: rows, the terminal tables, the JSON files and the SVG chart. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LatencySummary } from "./load.js";
import type { ProcStats } from "./procs.js";

export type System = "ferry" | "ferry-nosync" | "jetstream" | "grpc-echo";

export const SYSTEM_LABEL: Record<System, string> = {
  ferry: "ferry (durable)",
  "ferry-nosync": "ferry --no-sync",
  jetstream: "jetstream",
  "grpc-echo": "grpc-js floor (no broker)",
};

export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

export interface Row {
  readonly scenario: string;
  readonly system: System;
  readonly status: "ok" | "pending" | "skipped" | "error";
  readonly reason?: string;
  readonly msgs?: number;
  readonly seconds?: number;
  readonly msgsPerSec: number;
  readonly mbPerSec: number;
  readonly latencyUs?: LatencySummary | undefined;
  readonly latencyKind?: string;
  /** The broker (or nats-server) process over the measured window. */
  readonly server?: ProcStats | undefined;
  /** The load generator's own CPU over the measured window, % of one core (Node side only). */
  readonly clientCpuPercent?: number;
  readonly loadAvgAtStart?: number;
  readonly note?: string;
  readonly extra?: Record<string, number | string> | undefined;
  readonly targets: TargetResult[];
}

export interface Ratio {
  readonly scenario: string;
  readonly durable?: number;
  readonly nosync?: number;
  /** The like-for-like ratio (no-sync vs JetStream, which does not fsync per ack). */
  readonly likeForLike?: number;
  readonly pass?: boolean;
  readonly basis: string;
}

export interface RunInfo {
  readonly date: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly node: string;
  readonly machine: { cpuModel: string; cores: number; memoryGiB: number; kernel: string };
  readonly natsServer: string;
  readonly command: string;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly catchupCount: number;
  readonly loadAvg: { before: number[]; after: number[] };
  readonly wallSeconds: number;
  /** dist/ (what runs) is older than src/ (what is checked out). */
  readonly distStale: boolean;
}

export interface Results {
  readonly info: RunInfo;
  readonly rows: Row[];
  readonly ratios: Ratio[];
  readonly memoryTargetMiB: number;
}

// ------------------------------------------------------------------ ratios

/**
 * Ferry / JetStream per scenario that maps. For latency scenarios the ratio is
 * JetStream p99 / Ferry p99 (above 1 = Ferry is faster); else msgs/s over msgs/s.
 */
export function computeRatios(rows: Row[]): Ratio[] {
  const out: Ratio[] = [];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  for (const s of scenarios) {
    const get = (sys: System): Row | undefined => rows.find((r) => r.scenario === s && r.system === sys && r.status === "ok");
    const j = get("jetstream");
    if (!j) continue;
    const latency = s.startsWith("latency/");
    const ratio = (r: Row | undefined): number | undefined => {
      if (!r) return undefined;
      if (latency) return r.latencyUs && j.latencyUs ? j.latencyUs.p99 / r.latencyUs.p99 : undefined;
      return j.msgsPerSec > 0 ? r.msgsPerSec / j.msgsPerSec : undefined;
    };
    const durable = ratio(get("ferry"));
    const nosync = ratio(get("ferry-nosync"));
    const likeForLike = nosync;
    out.push({
      scenario: s,
      ...(durable !== undefined ? { durable } : {}),
      ...(nosync !== undefined ? { nosync } : {}),
      ...(likeForLike !== undefined ? { likeForLike, pass: likeForLike >= 1 } : {}),
      basis: latency ? "JetStream p99 / Ferry p99" : "Ferry msgs/s / JetStream msgs/s",
    });
  }
  return out;
}

// ------------------------------------------------------------------ terminal

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function fmtNum(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "-";
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(2)}M`;
  if (n >= 10_000) return `${(n / 1000).toFixed(0)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return n.toFixed(n < 10 ? 2 : 0);
}

function ms(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return "-";
  return us >= 100_000 ? (us / 1000).toFixed(0) : us >= 10_000 ? (us / 1000).toFixed(1) : (us / 1000).toFixed(2);
}

/** Columns from `rightFrom` up to (not including) `rightTo` are right-aligned. */
function table(header: string[], rows: string[][], rightFrom = 2, rightTo = header.length - 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i]!, i >= rightFrom && i < rightTo)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function renderTables(res: Results): string {
  const out: string[] = [];
  const i = res.info;
  out.push(
    `Ferry bench — ${i.date}  commit ${i.commit}${i.dirty ? " (+uncommitted changes)" : ""}  node ${i.node}  nats-server ${i.natsServer}`,
    `${i.machine.cpuModel}, ${i.machine.cores} cores, ${i.machine.memoryGiB} GiB; load average before ${i.loadAvg.before.map((x) => x.toFixed(2)).join(" ")} / after ${i.loadAvg.after.map((x) => x.toFixed(2)).join(" ")}`,
    `warm-up ${i.warmupMs / 1000} s, measured ${i.durationMs / 1000} s per scenario; latencies in ms; CPU in % of one core over the measured window (srv = broker or nats-server, cli = the Node load generator; the JetStream load generator is Go); memory in MiB (RssAnon start/peak, RssFile peak)`,
    ...(i.distStale ? ["WARNING: dist/ is older than src/: the broker measured is not the source checked out (run npm run build)"] : []),
    "",
  );
  const body = res.rows.map((r) => {
    if (r.status !== "ok") return [r.scenario, SYSTEM_LABEL[r.system], r.status.toUpperCase(), "", "", "", "", "", "", "", "", "", (r.reason ?? "").slice(0, 70)];
    const l = r.latencyUs;
    const s = r.server;
    const checks = r.targets.map((t) => `${t.pass ? "PASS" : "MISS"} ${t.target}`).join("; ");
    return [
      r.scenario,
      SYSTEM_LABEL[r.system],
      fmtNum(r.msgsPerSec),
      r.mbPerSec.toFixed(1),
      ms(l?.p50),
      ms(l?.p95),
      ms(l?.p99),
      ms(l?.p999),
      s ? s.cpuPercent.toFixed(0) : "-",
      r.clientCpuPercent !== undefined ? r.clientCpuPercent.toFixed(0) : "-",
      s ? `${s.rssAnonStartMiB.toFixed(0)}/${s.rssAnonPeakMiB.toFixed(0)}` : "-",
      s ? s.rssFilePeakMiB.toFixed(0) : "-",
      checks,
    ];
  });
  out.push(table(["scenario", "system", "msgs/s", "MB/s", "p50", "p95", "p99", "p99.9", "srv CPU%", "cli CPU%", "anon MiB", "file MiB", "targets"], body));
  out.push("");
  const ratios = res.ratios.filter((r) => r.durable !== undefined || r.nosync !== undefined);
  if (ratios.length > 0) {
    out.push("Ferry / JetStream (like for like = ferry --no-sync, since Debian's nats-server does not fsync before acking):");
    out.push(
      table(
        ["scenario", "basis", "durable/JS", "no-sync/JS (like for like)", "≥ 1.0"],
        ratios.map((r) => [r.scenario, r.basis, r.durable?.toFixed(2) ?? "-", r.likeForLike?.toFixed(2) ?? "-", r.pass === undefined ? "-" : r.pass ? "PASS" : "MISS"]),
      ),
    );
    out.push("");
  }
  return out.join("\n");
}

// ------------------------------------------------------------------ files

export function writeResults(dir: string, res: Results): { json: string; latest: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = res.info.date.replace(/[:]/g, "").replace(/\..*$/, "");
  const json = join(dir, `${stamp}-${res.info.commit}.json`);
  const text = JSON.stringify(res, null, 2) + "\n";
  writeFileSync(json, text);
  const latest = join(dir, "latest.json");
  writeFileSync(latest, text);
  const svg = join(dir, "latest.svg");
  writeFileSync(svg, renderSvg(res));
  return { json, latest, svg };
}

const COLORS: Record<System, string> = { ferry: "#1f6feb", "ferry-nosync": "#79b8ff", jetstream: "#2da44e", "grpc-echo": "#8c959f" };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Horizontal throughput bars per scenario; each scenario scaled to its own largest bar. */
export function renderSvg(res: Results): string {
  const groups = [...new Set(res.rows.map((r) => r.scenario))]
    .map((s) => ({ s, rows: res.rows.filter((r) => r.scenario === s && r.status === "ok") }))
    .filter((g) => g.rows.length > 0);
  const barH = 16;
  const gap = 14;
  const left = 230;
  const width = 900;
  const barMax = width - left - 120;
  let y = 64;
  const parts: string[] = [];
  for (const g of groups) {
    const max = Math.max(...g.rows.map((r) => r.msgsPerSec));
    parts.push(`<text x="10" y="${y + barH - 3}" class="s">${esc(g.s)}</text>`);
    for (const r of g.rows) {
      const w = max > 0 ? Math.max(1, (r.msgsPerSec / max) * barMax) : 1;
      // scenario targets only (every Ferry row also carries the memory check, shown in the table)
      const own = r.targets.filter((t) => !t.target.startsWith("RssAnon ≤"));
      const t = own.length ? (own.every((x) => x.pass) ? " ✓ target" : " ✗ target") : "";
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[r.system]}"><title>${esc(SYSTEM_LABEL[r.system])}: ${Math.round(r.msgsPerSec)} msg/s</title></rect>`,
        `<text x="${left + w + 6}" y="${y + barH - 3}" class="v">${fmtNum(r.msgsPerSec)} msg/s${esc(t)}</text>`,
      );
      y += barH + 2;
    }
    y += gap;
  }
  const legend = (Object.keys(COLORS) as System[])
    .map((s, i) => `<rect x="${left - 220 + i * 160}" y="34" width="12" height="12" fill="${COLORS[s]}"/><text x="${left - 220 + i * 160 + 18}" y="44" class="v">${esc(SYSTEM_LABEL[s])}</text>`)
    .join("");
  const i = res.info;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 30}" viewBox="0 0 ${width} ${y + 30}" font-family="system-ui, sans-serif">
<style>.s{font-size:12px;fill:#24292f}.v{font-size:11px;fill:#57606a}.h{font-size:14px;font-weight:600}</style>
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" class="h">Ferry vs NATS JetStream — throughput (msg/s; bars scaled per scenario)</text>
${legend}
${parts.join("\n")}
<text x="10" y="${y + 14}" class="v">${esc(`${i.date} · ${i.commit} · node ${i.node} · ${i.machine.cpuModel} ×${i.machine.cores} · load avg ${i.loadAvg.before[0]?.toFixed(2)} → ${i.loadAvg.after[0]?.toFixed(2)}`)}</text>
</svg>
`;
}
