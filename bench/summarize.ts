/**
 * Prints a results JSON (default bench/results/latest.json) as Markdown tables, for
 * bench/results/NOTES.md and the README's benchmark section:
 *
 *   node bench/.build/bench/summarize.js [bench/results/<file>.json] [--compact]
 *
 * --compact: one row per scenario, the systems side by side (the README's table).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./lib/procs.js";
import { fmtNum, SYSTEM_LABEL, type Results } from "./lib/report.js";

const args = process.argv.slice(2);
const compact = args.includes("--compact");
const file = args.find((a) => !a.startsWith("--")) ?? join(REPO, "bench", "results", "latest.json");
const res = JSON.parse(readFileSync(file, "utf8")) as Results;
const i = res.info;
const ms = (us: number | undefined): string => (us === undefined || us === null || !Number.isFinite(us) ? "-" : (us / 1000).toFixed(2));
const out: string[] = [];
out.push(
  `Run: \`${i.command}\` — ${i.date}, commit ${i.commit}${i.dirty ? " (+uncommitted changes)" : ""}${i.distStale ? " (dist/ STALE)" : ""}, node ${i.node}, nats-server ${i.natsServer}`,
  `Machine: ${i.machine.cpuModel}, ${i.machine.cores} cores, ${i.machine.memoryGiB} GiB, Linux ${i.machine.kernel}. ` +
    `Load average (1/5/15 min) before ${i.loadAvg.before.map((x) => x.toFixed(2)).join(" ")}, after ${i.loadAvg.after.map((x) => x.toFixed(2)).join(" ")}; ` +
    `warm-up ${i.warmupMs / 1000} s, measured ${i.durationMs / 1000} s, catch-up ${i.catchupCount} records; ${i.wallSeconds} s in all.`,
  "",
);
if (compact) {
  printCompact();
  process.exit(0);
}
out.push(
  "| scenario | system | msgs/s | MB/s | p50 ms | p99 ms | p99.9 ms | broker CPU % | RssAnon start/peak MiB | target | result |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
);
for (const r of res.rows) {
  if (r.status !== "ok") {
    out.push(`| \`${r.scenario}\` | ${SYSTEM_LABEL[r.system]} | ${r.status.toUpperCase()} | | | | | | | | ${r.reason ?? ""} |`);
    continue;
  }
  const own = r.targets.filter((t) => !t.target.startsWith("RssAnon ≤"));
  const mem = r.targets.find((t) => t.target.startsWith("RssAnon ≤"));
  const targets = [...own, ...(mem ? [mem] : [])];
  const s = r.server;
  out.push(
    `| \`${r.scenario}\` | ${SYSTEM_LABEL[r.system]} | ${fmtNum(r.msgsPerSec)} | ${r.mbPerSec.toFixed(1)} | ${ms(r.latencyUs?.p50)} | ${ms(r.latencyUs?.p99)} | ${ms(r.latencyUs?.p999)} | ${s ? s.cpuPercent.toFixed(0) : "-"} | ${s ? `${s.rssAnonStartMiB.toFixed(0)}/${s.rssAnonPeakMiB.toFixed(0)}` : "-"} | ${targets.map((t) => t.target).join("; ")} | ${targets.map((t) => `**${t.pass ? "PASS" : "MISS"}** (${t.measured})`).join("; ")} |`,
  );
}
const ratios = res.ratios.filter((r) => r.durable !== undefined || r.nosync !== undefined);
if (ratios.length > 0) {
  out.push("", "| scenario | basis | Ferry durable / JetStream | Ferry --no-sync / JetStream (like for like) | ≥ 1.0 |", "|---|---|---:|---:|---|");
  for (const r of ratios) {
    out.push(`| \`${r.scenario}\` | ${r.basis} | ${r.durable?.toFixed(2) ?? "-"} | ${r.likeForLike?.toFixed(2) ?? "-"} | ${r.pass === undefined ? "-" : r.pass ? "PASS" : "MISS"} |`);
  }
}
console.log(out.join("\n"));

/** One row per scenario: msgs/s (p99 for latency scenarios) per system, and Ferry's own target. */
function printCompact(): void {
  const systems = ["ferry", "ferry-nosync", "jetstream", "grpc-echo"] as const;
  const cell = (scenario: string, system: string): string => {
    const r = res.rows.find((x) => x.scenario === scenario && x.system === system);
    if (!r) return "";
    if (r.status !== "ok") return r.status;
    return scenario.startsWith("latency/") || scenario.endsWith("-c1")
      ? `${fmtNum(r.msgsPerSec)} (p50 ${ms(r.latencyUs?.p50)}, p99 ${ms(r.latencyUs?.p99)} ms)`
      : fmtNum(r.msgsPerSec);
  };
  out.push(
    "| scenario | Ferry durable | Ferry --no-sync | JetStream | grpc-js floor | no-sync / JetStream | target (Ferry durable) |",
    "|---|---:|---:|---:|---:|---:|---|",
  );
  for (const scenario of [...new Set(res.rows.map((r) => r.scenario))]) {
    const all = res.rows.find((r) => r.scenario === scenario && r.system === "ferry")?.targets ?? [];
    const own = all.filter((t) => !t.target.startsWith("RssAnon ≤"));
    const target = (own.length > 0 ? own : all).map((t) => `${t.target}: **${t.pass ? "PASS" : "MISS"}** (${t.measured})`).join("; ");
    const ratio = res.ratios.find((r) => r.scenario === scenario)?.likeForLike;
    out.push(`| \`${scenario}\` | ${systems.map((sys) => cell(scenario, sys)).join(" | ")} | ${ratio === undefined ? "" : ratio.toFixed(2)} | ${target} |`);
  }
  console.log(out.join("\n"));
}
