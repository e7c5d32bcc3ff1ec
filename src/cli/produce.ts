/** `ferry produce TOPIC [VALUE]`: one record, or one record per stdin line (batched). */
import { createInterface } from "node:readline";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { RecordSchema } from "../gen/ferry/v1/common_pb.js";
import { UsageError, connect, brokerAddress, int, json, parse, type Io } from "./common.js";

export const PRODUCE_HELP = `ferry produce TOPIC [VALUE] [--key K] [--header name=value]... [--partition P]
  without VALUE, each line of stdin is one record (sent in batches of up to 1000)
  common: --broker HOST:PORT, --json`;

const STDIN_BATCH = 1000;

export async function produce(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    key: { type: "string" },
    header: { type: "string", multiple: true },
    partition: { type: "string" },
  });
  const [topic, value, extra] = positionals;
  if (values.help) {
    io.out(PRODUCE_HELP);
    return 0;
  }
  if (!topic) throw new UsageError("produce needs a topic");
  if (extra !== undefined) throw new UsageError("produce takes one VALUE; quote it, or send lines on stdin");
  const headers: Record<string, Uint8Array> = {};
  for (const h of values.header ?? []) {
    const eq = h.indexOf("=");
    if (eq <= 0) throw new UsageError(`--header must look like name=value, got '${h}'`);
    headers[h.slice(0, eq)] = Buffer.from(h.slice(eq + 1));
  }
  const partition = values.partition === undefined ? undefined : int(values.partition, "partition");
  const key = values.key === undefined ? new Uint8Array() : Buffer.from(values.key);
  const record = (v: string): MessageInitShape<typeof RecordSchema> => ({ key, value: Buffer.from(v), headers, timestampMs: BigInt(Date.now()) });
  const clients = connect(brokerAddress(values.broker, io.env));
  try {
    if (value !== undefined) {
      const res = await clients.broker.produce({ topic, record: record(value), ...(partition === undefined ? {} : { partition }) });
      io.out(values.json ? json(res) : `produced to ${topic} partition ${res.partition} offset ${res.offset}`);
      return 0;
    }
    let batch: string[] = [];
    let total = 0;
    const send = async (): Promise<void> => {
      if (batch.length === 0) return;
      const res = await clients.broker.produceBatch({ topic, records: batch.map(record), ...(partition === undefined ? {} : { partition }) });
      if (values.json) res.partitions.forEach((p, i) => io.out(json({ partition: p, offset: res.offsets[i] })));
      total += batch.length;
      batch = [];
    };
    for await (const line of createInterface({ input: io.stdin, crlfDelay: Infinity })) {
      batch.push(line);
      if (batch.length >= STDIN_BATCH) await send();
    }
    await send();
    if (!values.json) io.out(`produced ${total} record(s) to ${topic}`);
    return 0;
  } finally {
    clients.close();
  }
}
