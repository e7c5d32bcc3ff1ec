/**
 * The `ferry` CLI against a real broker on 127.0.0.1:0 with a temp data dir.
 * Most commands run through the CLI's own `main(argv, io)` with a captured Io (the same code
 * bin/ferry.js calls, minus a Node start-up per command); `serve`, piped stdin, exit codes and
 * the closed-port case also run `node bin/ferry.js` as a child process (built dist/).
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/common.js";
import { main } from "../../src/cli/main.js";
import { partitionForKey } from "../../src/engine/partitioner.js";
import { REPO_ROOT, startTestBroker, tempDir, waitFor, type TestBroker } from "../helpers/broker.js";

const FERRY_BIN = join(REPO_ROOT, "bin/ferry.js");
/** A child CLI that runs longer than this is hung (e.g. retrying a dead broker forever). */
const CHILD_TIMEOUT_MS = 15_000;

let n = 0;
const unique = (what: string): string => `cli-${what}-${process.pid}-${n++}`;

interface Run {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

interface BinRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, capturing every line it prints. */
async function cli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
  };
  const code = await main(args, io);
  return { code, out, err };
}

/** Runs `node bin/ferry.js ARGS` to completion; fails if it outlives CHILD_TIMEOUT_MS. */
function bin(args: string[], stdin?: string): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const childEnv = { ...process.env };
    delete childEnv["FERRY_BROKER"];
    const child = spawn(process.execPath, [FERRY_BIN, ...args], { stdio: ["pipe", "pipe", "pipe"], env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ferry ${args.join(" ")} still running after ${CHILD_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, CHILD_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(stdin ?? "");
  });
}

/** A port on 127.0.0.1 that nothing listens on (bound by the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r, j) => server.close((e) => (e ? j(e) : r())));
  return port;
}

const parseLines = (lines: string[]): unknown[] => lines.map((l) => JSON.parse(l) as unknown);

interface FetchedJson {
  partition: number;
  offset: number;
  attempt: number;
  appendTimeMs: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

describe("ferry CLI against a live broker", () => {
  let b: TestBroker;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    b = await startTestBroker();
    env = { FERRY_BROKER: b.address };
  });
  afterAll(() => b.close());

  const run = (args: string[], stdin?: string): Promise<Run> => cli(args, { env, ...(stdin === undefined ? {} : { stdin }) });
  const topicLines = async (topic: string): Promise<string[]> => {
    const list = await run(["topics", "list"]);
    expect(list).toMatchObject({ code: 0, err: [] });
    return list.out.filter((l) => l.split("\t")[0] === topic);
  };

  it("topics create, list, describe (text and --json) and delete", async () => {
    const topic = unique("topic");
    const before = Date.now();
    expect(await run(["topics", "create", topic, "--partitions", "3"])).toEqual({ code: 0, out: [`created ${topic}\tpartitions=3`], err: [] });
    expect(await topicLines(topic)).toEqual([`${topic}\tpartitions=3`]);

    const listJson = await run(["topics", "list", "--json"]);
    expect(listJson.code).toBe(0);
    expect(listJson.out).toHaveLength(1);
    const listed = (JSON.parse(listJson.out[0]!) as { name: string }[]).filter((t) => t.name === topic);
    expect(listed).toEqual([{ name: topic, partitions: 3, retentionMs: 0, retentionBytes: 0, createdAtMs: expect.any(Number) as number }]);
    const createdAtMs = (listed[0] as unknown as { createdAtMs: number }).createdAtMs;
    expect(createdAtMs).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAtMs).toBeLessThanOrEqual(Date.now() + 1000);

    // One record on partition 2, so describe shows distinct end offsets.
    expect(await run(["produce", topic, "x", "--partition", "2"])).toEqual({ code: 0, out: [`produced to ${topic} partition 2 offset 0`], err: [] });

    expect(await run(["topics", "describe", topic])).toEqual({
      code: 0,
      out: [`${topic}\tpartitions=3`, "  partition 0\tstart=0\tend=0", "  partition 1\tstart=0\tend=0", "  partition 2\tstart=0\tend=1"],
      err: [],
    });
    const describedJson = await run(["topics", "describe", topic, "--json"]);
    expect(describedJson.code).toBe(0);
    expect(describedJson.err).toEqual([]);
    expect(parseLines(describedJson.out)).toEqual([
      {
        topic: { name: topic, partitions: 3, retentionMs: 0, retentionBytes: 0, createdAtMs },
        partitions: [
          { partition: 0, startOffset: 0, endOffset: 0 },
          { partition: 1, startOffset: 0, endOffset: 0 },
          { partition: 2, startOffset: 0, endOffset: 1 },
        ],
      },
    ]);

    expect(await run(["topics", "delete", topic])).toEqual({ code: 0, out: [`deleted ${topic}`], err: [] });
    expect(await topicLines(topic)).toEqual([]);
    const gone = await run(["topics", "describe", topic]);
    expect(gone.code).toBe(1);
    expect(gone.out).toEqual([]);
    expect(gone.err).toHaveLength(1);
    expect(gone.err[0]).toMatch(new RegExp(`^ferry: TOPIC_NOT_FOUND: topic '${topic}' does not exist`));
  });

  it("creating an existing topic exits 1 with TOPIC_ALREADY_EXISTS and leaves the topic as it was", async () => {
    const topic = unique("dup");
    expect((await run(["topics", "create", topic, "--partitions", "3"])).code).toBe(0);
    expect(await run(["topics", "create", topic, "--partitions", "5"])).toEqual({
      code: 1,
      out: [],
      err: [`ferry: TOPIC_ALREADY_EXISTS: topic '${topic}' already exists`],
    });
    expect(await topicLines(topic)).toEqual([`${topic}\tpartitions=3`]);
  });

  it("describe of an unknown topic exits 1 with TOPIC_NOT_FOUND and does not create it", async () => {
    const topic = unique("missing");
    const res = await run(["topics", "describe", topic]);
    expect(res.code).toBe(1);
    expect(res.out).toEqual([]);
    expect(res.err).toHaveLength(1);
    expect(res.err[0]).toMatch(new RegExp(`^ferry: TOPIC_NOT_FOUND: topic '${topic}' does not exist`));
    expect(await topicLines(topic)).toEqual([]);
  });

  it("produce VALUE --key --header and stdin lines, then fetch --json returns exactly those records", async () => {
    const topic = unique("produce");
    expect((await run(["topics", "create", topic, "--partitions", "3"])).code).toBe(0);
    // Without --partition the key picks the partition (Kafka's murmur2).
    const p = partitionForKey(Buffer.from("order-1001"), 3);
    expect(await run(["produce", topic, '{"order_id":1001}', "--key", "order-1001", "--header", "type=OrderPlaced", "--header", "trace=a=b"])).toEqual({
      code: 0,
      out: [`produced to ${topic} partition ${p} offset 0`],
      err: [],
    });
    // Stdin: one record per line; key and header apply to each line.
    expect(await run(["produce", topic, "--partition", String(p), "--key", "batch", "--header", "src=stdin"], "one\ntwo\r\nthree\n")).toEqual({
      code: 0,
      out: [`produced 3 record(s) to ${topic}`],
      err: [],
    });

    const fetched = await run(["fetch", topic, "--partition", String(p), "--offset", "0", "--limit", "10", "--json"]);
    expect(fetched.code).toBe(0);
    expect(fetched.err).toEqual([]);
    const records = parseLines(fetched.out) as FetchedJson[];
    expect(records.map(({ partition, offset, key, value, headers }) => ({ partition, offset, key, value, headers }))).toEqual([
      { partition: p, offset: 0, key: "order-1001", value: '{"order_id":1001}', headers: { type: "OrderPlaced", trace: "a=b" } },
      { partition: p, offset: 1, key: "batch", value: "one", headers: { src: "stdin" } },
      { partition: p, offset: 2, key: "batch", value: "two", headers: { src: "stdin" } },
      { partition: p, offset: 3, key: "batch", value: "three", headers: { src: "stdin" } },
    ]);
    // The three stdin lines went out as one batch: one append time.
    expect(new Set(records.slice(1).map((r) => r.appendTimeMs)).size).toBe(1);
    for (const r of records) expect(Object.keys(r).sort()).toEqual(["appendTimeMs", "attempt", "headers", "key", "offset", "partition", "value"]);

    // --limit and --offset are honoured; the readable form names where, key, headers, value.
    expect(await run(["fetch", topic, "--partition", String(p), "--offset", "1", "--limit", "2"])).toEqual({
      code: 0,
      out: [`${topic}/${p}@1 key=batch src=stdin\tone`, `${topic}/${p}@2 key=batch src=stdin\ttwo`],
      err: [],
    });
    // Reading up to the end says where the end is (on stderr, readable form only).
    expect(await run(["fetch", topic, "--partition", String(p), "--offset", "3"])).toEqual({
      code: 0,
      out: [`${topic}/${p}@3 key=batch src=stdin\tthree`],
      err: ["(end offset 4)"],
    });
    expect((await run(["fetch", topic, "--partition", String(p), "--offset", "0", "--limit", "1"])).out).toEqual([
      `${topic}/${p}@0 key=order-1001 type=OrderPlaced trace=a=b\t{"order_id":1001}`,
    ]);
    // The other partitions got nothing.
    for (const other of [0, 1, 2].filter((q) => q !== p)) {
      expect(await run(["fetch", topic, "--partition", String(other), "--json"])).toEqual({ code: 0, out: [], err: [] });
    }
  });

  it("bin/ferry.js produce reads piped stdin, one record per line, and exits 0", async () => {
    const topic = unique("pipe");
    expect((await run(["topics", "create", topic, "--partitions", "1"])).code).toBe(0);
    const res = await bin(["produce", topic, "--json", "--broker", b.address], "alpha\nbeta\ngamma");
    expect(res).toEqual({
      code: 0,
      signal: null,
      stdout: ['{"partition":0,"offset":0}', '{"partition":0,"offset":1}', '{"partition":0,"offset":2}', ""].join("\n"),
      stderr: "",
    });
    const fetched = await run(["fetch", topic, "--json"]);
    expect((parseLines(fetched.out) as FetchedJson[]).map((r) => [r.offset, r.value, r.key])).toEqual([
      [0, "alpha", ""],
      [1, "beta", ""],
      [2, "gamma", ""],
    ]);
  });

  it("consume --group --max N prints and acks N records; groups describe, list and reset --to earliest", async () => {
    const topic = unique("consume");
    const group = unique("group");
    expect((await run(["topics", "create", topic, "--partitions", "3"])).code).toBe(0);
    const values = ["r0", "r1", "r2", "r3", "r4", "r5"];
    const produced = await run(["produce", topic, "--json"], values.join("\n") + "\n");
    expect(produced.code).toBe(0);
    const positions = parseLines(produced.out) as { partition: number; offset: number }[];
    expect(positions).toHaveLength(6);
    const expectedLines = positions.map((pos, i) => `${topic}/${pos.partition}@${pos.offset}\t${values[i]}`).sort();
    const ends = [0, 1, 2].map((q) => positions.filter((pos) => pos.partition === q).length);
    expect(ends.reduce((a, c) => a + c, 0)).toBe(6);

    const consumed = await run(["consume", topic, "--group", group, "--max", "6"]);
    expect(consumed.code).toBe(0);
    expect([...consumed.out].sort()).toEqual(expectedLines);
    expect(consumed.err).toHaveLength(1);
    expect(consumed.err[0]).toMatch(/^\(member [0-9a-f-]{36} generation 1: partitions \[0, 1, 2\]\)$/);

    // Acks were answered before consume returned, so the offsets are committed; the member's
    // leave is processed by the broker asynchronously.
    await waitFor(async () => {
      const d = await run(["groups", "describe", group, "--topic", topic, "--json"]);
      return d.code === 0 && (JSON.parse(d.out[0]!) as { members: unknown[] }).members.length === 0;
    }, 10_000, "the consumer to leave the group");
    const described = await run(["groups", "describe", group, "--topic", topic]);
    expect(described).toEqual({
      code: 0,
      out: [
        `group ${group} on ${topic}: generation 2, 0 member(s)`,
        ...ends.map((e, q) => `  partition ${q}\tcommitted=${e}\tend=${e}\tlag=0\tin-flight=0\toldest-unacked=0ms\tmember=-`),
      ],
      err: [],
    });

    expect(await run(["groups", "list", "--topic", topic])).toEqual({
      code: 0,
      out: [`${group}\ttopic=${topic}\tmembers=0\tgeneration=2\tlag=0`],
      err: [],
    });
    const all = await run(["groups", "list"]);
    expect(all.code).toBe(0);
    expect(all.out.filter((l) => l.startsWith(`${group}\t`))).toEqual([`${group}\ttopic=${topic}\tmembers=0\tgeneration=2\tlag=0`]);
    expect(parseLines((await run(["groups", "list", "--topic", topic, "--json"])).out)).toEqual([
      [{ group, topic, members: 0, generation: 2, lag: 0 }],
    ]);

    expect(await run(["groups", "reset", group, "--topic", topic, "--to", "earliest"])).toEqual({
      code: 0,
      out: ["partition 0\tcommitted=0", "partition 1\tcommitted=0", "partition 2\tcommitted=0"],
      err: [],
    });
    const afterReset = JSON.parse((await run(["groups", "describe", group, "--topic", topic, "--json"])).out[0]!) as {
      partitions: { partition: number; committedOffset: number; logEndOffset: number; lag: number }[];
    };
    expect(afterReset.partitions.map(({ partition, committedOffset, logEndOffset, lag }) => ({ partition, committedOffset, logEndOffset, lag }))).toEqual(
      ends.map((e, q) => ({ partition: q, committedOffset: 0, logEndOffset: e, lag: e })),
    );

    // The group reads everything again from offset 0 (--json: records only, nothing on stderr).
    const again = await run(["consume", topic, "--group", group, "--max", "6", "--json"]);
    expect(again.code).toBe(0);
    expect(again.err).toEqual([]);
    expect((parseLines(again.out) as FetchedJson[]).map((r) => `${topic}/${r.partition}@${r.offset}\t${r.value}`).sort()).toEqual(expectedLines);
  });

  it("consume --max N stops after exactly N records and commits only those", async () => {
    const topic = unique("max");
    const group = unique("group");
    expect((await run(["topics", "create", topic, "--partitions", "1"])).code).toBe(0);
    expect((await run(["produce", topic], "a\nb\nc\nd\ne\n")).out).toEqual([`produced 5 record(s) to ${topic}`]);
    const consumed = await run(["consume", topic, "--group", group, "--max", "2"]);
    expect(consumed.code).toBe(0);
    expect(consumed.out).toEqual([`${topic}/0@0\ta`, `${topic}/0@1\tb`]);
    const partition = await waitFor(async () => {
      const d = JSON.parse((await run(["groups", "describe", group, "--topic", topic, "--json"])).out[0]!) as {
        members: unknown[];
        partitions: { committedOffset: number; logEndOffset: number; lag: number; inFlight: number }[];
      };
      return d.members.length === 0 ? d.partitions : undefined;
    }, 10_000, "the consumer to leave the group");
    expect(partition.map(({ committedOffset, logEndOffset, lag, inFlight }) => ({ committedOffset, logEndOffset, lag, inFlight }))).toEqual([
      { committedOffset: 2, logEndOffset: 5, lag: 3, inFlight: 0 },
    ]);
  });

  it("groups reset refuses a group with a live member (GROUP_HAS_MEMBERS)", async () => {
    const topic = unique("busy");
    const group = unique("group");
    expect((await run(["topics", "create", topic, "--partitions", "1"])).code).toBe(0);
    const controller = new AbortController();
    const events = b.broker.subscribe({ topic, group }, { signal: controller.signal })[Symbol.asyncIterator]();
    try {
      const first = await events.next();
      expect((first.value as { event: { case: string } }).event.case).toBe("assignment");
      const res = await run(["groups", "reset", group, "--topic", topic, "--to", "earliest"]);
      expect(res.code).toBe(1);
      expect(res.out).toEqual([]);
      expect(res.err).toHaveLength(1);
      expect(res.err[0]).toMatch(/^ferry: GROUP_HAS_MEMBERS: /);
    } finally {
      controller.abort();
      await events.return?.();
    }
  });

  it("serve --port 0 prints the bound address and exits 0 on SIGTERM", async () => {
    const dataDir = tempDir("ferry-cli-serve-");
    try {
      const child = spawn(process.execPath, [FERRY_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", join(dataDir, "data"), "--log-level", "silent"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once("exit", (code, signal) => r([code, signal])));
      try {
        const address = await waitFor(
          () => {
            if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${stderr}`);
            return /^ferry listening on (127\.0\.0\.1:\d+)\n/.exec(stdout)?.[1];
          },
          20_000,
          "serve to print its address",
        );
        const port = Number(address.split(":")[1]);
        expect(port).toBeGreaterThan(0);
        // The printed address is the live broker.
        const topic = unique("served");
        expect(await cli(["topics", "create", topic, "--partitions", "2", "--broker", address])).toEqual({ code: 0, out: [`created ${topic}\tpartitions=2`], err: [] });
        expect(child.kill("SIGTERM")).toBe(true);
        expect(await exited).toEqual([0, null]);
        expect(stdout).toBe(`ferry listening on ${address}\n`);
        expect(stderr).toBe("");
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("help, unknown command and unknown flag exit non-zero with a usage message", async () => {
    const help = await run(["help"]);
    expect(help.code).toBe(0);
    for (const usage of ["ferry serve", "ferry topics create NAME", "ferry produce TOPIC", "ferry fetch TOPIC", "ferry consume TOPIC", "ferry groups list"]) {
      expect(help.out.join("\n")).toContain(usage);
    }
    expect((await run([])).code).toBe(2);

    expect(await run(["bogus"])).toEqual({ code: 2, out: [], err: ["ferry: unknown command 'bogus' (see 'ferry help')"] });
    const flag = await run(["topics", "list", "--bogus"]);
    expect(flag.code).toBe(2);
    expect(flag.out).toEqual([]);
    expect(flag.err).toHaveLength(1);
    expect(flag.err[0]).toMatch(/^ferry: Unknown option '--bogus'.* \(see 'ferry help'\)$/);
    expect(await run(["serve", "--bogus", "1"])).toEqual({ code: 2, out: [], err: ["ferry: unknown option --bogus for serve (see 'ferry help')"] });
    expect(await run(["topics", "create", unique("bad"), "--partitions", "three"])).toEqual({
      code: 2,
      out: [],
      err: ["ferry: --partitions must be a whole number, got 'three' (see 'ferry help')"],
    });
    expect(await run(["groups", "frobnicate", "g", "--topic", "t"])).toEqual({
      code: 2,
      out: [],
      err: ["ferry: unknown groups action 'frobnicate'; use list, describe, reset or delete (see 'ferry help')"],
    });
    expect(await run(["produce", "t", "one", "two"])).toEqual({
      code: 2,
      out: [],
      err: ["ferry: produce takes one VALUE; quote it, or send lines on stdin (see 'ferry help')"],
    });

    // The real binary turns the code into its exit status.
    expect(await bin(["bogus"])).toEqual({ code: 2, signal: null, stdout: "", stderr: "ferry: unknown command 'bogus' (see 'ferry help')\n" });
    const binFlag = await bin(["consume", "t", "--bogus"]);
    expect([binFlag.code, binFlag.stdout]).toEqual([2, ""]);
    expect(binFlag.stderr).toMatch(/^ferry: Unknown option '--bogus'/);
  });

  it("--broker at a closed port fails fast with UNAVAILABLE; --broker wins over FERRY_BROKER", async () => {
    const port = await closedPort();
    const dead = `127.0.0.1:${port}`;
    const unavailable = new RegExp(`^ferry: UNAVAILABLE: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}.*\\(is the broker running\\? start it with 'npm start' or 'ferry serve'\\)$`);

    const res = await bin(["topics", "list", "--broker", dead]);
    expect([res.code, res.signal, res.stdout]).toEqual([1, null, ""]);
    expect(res.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(res.stderr.trimEnd()).toMatch(unavailable);

    const topic = unique("dead");
    for (const args of [
      ["topics", "create", topic],
      ["produce", topic, "v"],
      ["fetch", topic, "--partition", "0"],
      ["consume", topic, "--group", unique("group"), "--max", "1"],
      ["groups", "describe", "g", "--topic", topic],
    ]) {
      const r = await cli([...args, "--broker", dead]);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 1, out: [] });
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(unavailable);
    }
    const piped = await cli(["produce", topic, "--broker", dead], { stdin: "a\nb\n" });
    expect([piped.code, piped.out]).toEqual([1, []]);
    expect(piped.err[0]).toMatch(unavailable);

    // FERRY_BROKER alone is used; --broker overrides it.
    const viaEnv = await cli(["topics", "list"], { env: { FERRY_BROKER: dead } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.err[0]).toMatch(unavailable);
    const live = unique("override");
    expect(await cli(["topics", "create", live, "--broker", b.address], { env: { FERRY_BROKER: dead } })).toEqual({
      code: 0,
      out: [`created ${live}\tpartitions=4`],
      err: [],
    });
  });
});
