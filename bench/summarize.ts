/**
 * Prints a results JSON (default bench/results/latest.json) as Markdown tables, for
 * bench/results/NOTES.md and the README's benchmark section:
 *
 *   node bench/.build/bench/summarize.js [bench/results/<file>.json]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./lib/procs.js";
import { fmtNum, SYSTEM_LABEL, type Results } from "./lib/report.js";

const file = process.argv[2] ?? join(REPO, "bench", "results", "latest.json");
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
