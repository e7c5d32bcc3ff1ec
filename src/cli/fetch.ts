/** `ferry fetch TOPIC --partition P --offset O [--limit N]`. */
import type { ConsumedRecord } from "../gen/ferry/v1/common_pb.js";
import { UsageError, connect, brokerAddress, int, json, parse, text, type Io } from "./common.js";

export const FETCH_HELP = `ferry fetch TOPIC --partition P --offset O [--limit N]
  prints records from one partition, starting at offset O (at most N, default 100)
  common: --broker HOST:PORT, --json`;

/** One readable line per record: where, key, headers, value. */
export function recordLine(topic: string, r: ConsumedRecord): string {
  const rec = r.record;
  const key = rec && rec.key.length > 0 ? ` key=${text(rec.key)}` : "";
  const headers = rec ? Object.entries(rec.headers).map(([k, v]) => ` ${k}=${text(v)}`).join("") : "";
  const attempt = r.attempt > 1 ? ` attempt=${r.attempt}` : "";
  return `${topic}/${r.partition}@${r.offset}${key}${headers}${attempt}\t${rec ? text(rec.value) : ""}`;
}

export function recordJson(r: ConsumedRecord): string {
  const rec = r.record;
  return json({
    partition: r.partition,
    offset: r.offset,
    attempt: r.attempt,
    appendTimeMs: r.appendTimeMs,
    key: rec ? text(rec.key) : "",
    value: rec ? text(rec.value) : "",
    headers: rec ? Object.fromEntries(Object.entries(rec.headers).map(([k, v]) => [k, text(v)])) : {},
  });
}

export async function fetch(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    partition: { type: "string" },
    offset: { type: "string" },
    limit: { type: "string" },
  });
  if (values.help) {
    io.out(FETCH_HELP);
    return 0;
  }
  const [topic] = positionals;
  if (!topic) throw new UsageError("fetch needs a topic");
  const partition = int(values.partition, "partition", 0);
  let offset = int(values.offset, "offset", 0);
  let remaining = int(values.limit, "limit", 100);
  const clients = connect(brokerAddress(values.broker, io.env));
  try {
    while (remaining > 0) {
      const res = await clients.broker.fetch({ topic, partition, offset: BigInt(offset), maxRecords: Math.min(remaining, 1000) });
      for (const r of res.records) io.out(values.json ? recordJson(r) : recordLine(topic, r));
      remaining -= res.records.length;
      if (res.records.length === 0 || res.nextOffset >= res.logEndOffset) {
        if (!values.json) io.err(`(end offset ${res.logEndOffset})`);
        break;
      }
      offset = Number(res.nextOffset);
    }
    return 0;
  } finally {
    clients.close();
  }
}
