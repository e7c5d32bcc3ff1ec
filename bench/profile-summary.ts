/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- REGEX --profile`, which runs
 * the broker under `node --cpu-prof`): the functions with the most self time, the
 * Ferry functions with the most inclusive time, and time by package.
 *
 *   node bench/.build/bench/profile-summary.js bench/results/profiles/<scenario>/*.cpuprofile [--top N] [--last SECONDS]
 *
 * --last keeps only the final SECONDS of the profile (the measured window, without start-up and preload).
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function where(cf: CallFrame): string {
  const url = cf.url.replace(/^file:\/\//, "");
  const m = /(?:\/node_modules\/)((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const src = /\/(dist|src)\/(.+)$/.exec(url);
  if (src) return `${src[2]}:${cf.lineNumber + 1}`;
  if (url.startsWith("node:")) return url;
  return url || "(native)";
}

function pkg(cf: CallFrame): string {
  const url = cf.url;
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (/\/dist\/|\/src\//.test(url)) return "ferry";
  if (url.startsWith("node:")) return `node ${url.replace(/^node:(internal\/)?/, "").replace(/\/.*$/, "")}`;
  if (cf.functionName === "(garbage collector)") return "gc";
  if (cf.functionName === "(idle)") return "idle";
  if (cf.functionName === "(program)") return "program (native, uncategorised)";
  return "native/other";
}

/** Keeps only the samples of the last `lastSeconds` before the profile ended (hit counts are rebuilt from samples). */
function window(p: Profile, lastSeconds: number): void {
  if (!p.samples || !p.timeDeltas) return;
  const from = p.endTime - lastSeconds * 1e6;
  const hits = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t >= from) hits.set(p.samples[i]!, (hits.get(p.samples[i]!) ?? 0) + 1);
  }
  for (const n of p.nodes) n.hitCount = hits.get(n.id) ?? 0;
  p.startTime = Math.max(p.startTime, from);
}

export function summarise(file: string, top = 25, lastSeconds?: number): string {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  if (lastSeconds !== undefined) window(p, lastSeconds);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const idle = p.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const busy = total - idle;
  const pct = (x: number): string => `${((x / busy) * 100).toFixed(1)}%`;

  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const byPkg = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || n.callFrame.functionName === "(idle)") continue;
    const key = `${n.callFrame.functionName || "(anonymous)"}  ${where(n.callFrame)}`;
    self.set(key, (self.get(key) ?? 0) + hits);
    byPkg.set(pkg(n.callFrame), (byPkg.get(pkg(n.callFrame)) ?? 0) + hits);
    // inclusive: every distinct Ferry frame on the stack gets the hits once
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (pkg(f) !== "ferry") continue;
      const k = `${f.functionName || "(anonymous)"}  ${where(f)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + hits);
    }
  }
  const sorted = (m: Map<string, number>): [string, number][] => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines: string[] = [];
  const secs = (p.endTime - p.startTime) / 1e6;
  lines.push(`${file}: ${secs.toFixed(1)} s profiled, busy ${((busy / total) * 100).toFixed(0)}% of samples (percentages below are of busy samples)`);
  lines.push("", "by package:");
  for (const [k, v] of sorted(byPkg)) lines.push(`  ${pct(v).padStart(6)}  ${k}`);
  lines.push("", "self time:");
  for (const [k, v] of sorted(self)) lines.push(`  ${pct(v).padStart(6)}  ${k}`);
  lines.push("", "Ferry functions, inclusive time:");
  for (const [k, v] of sorted(incl)) lines.push(`  ${pct(v).padStart(6)}  ${k}`);
  return lines.join("\n");
}

const args = process.argv.slice(2);
const opt = (name: string): number | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const top = opt("--top") ?? 25;
const last = opt("--last");
const files = args.filter((a, i) => !a.startsWith("--") && !["--top", "--last"].includes(args[i - 1] ?? ""));
if (files.length === 0) {
  console.error("usage: node bench/.build/bench/profile-summary.js FILE.cpuprofile... [--top N] [--last SECONDS]");
  process.exit(2);
}
for (const f of files) console.log(summarise(f, top, last) + "\n");
