/** `ferry consume TOPIC [--group G]`: prints records and, in a group, acks them. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AckAction, AckItemSchema } from "../gen/ferry/v1/broker_pb.js";
import { StartFrom } from "../gen/ferry/v1/common_pb.js";
import { UsageError, connect, brokerAddress, int, parse, type Io } from "./common.js";
import { recordJson, recordLine } from "./fetch.js";

export const CONSUME_HELP = `ferry consume TOPIC [--group G] [--from earliest|latest] [--max N] [--partition P]
  with --group: joins the consumer group, prints each record and acks it
  without --group: reads without acks (replay) from --from
  stops after N records (--max), else on Ctrl-C
  common: --broker HOST:PORT, --json`;

export async function consume(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parse(args, {
    group: { type: "string" },
    from: { type: "string", default: "earliest" },
    max: { type: "string" },
    partition: { type: "string" },
  });
  if (values.help) {
    io.out(CONSUME_HELP);
    return 0;
  }
  const [topic] = positionals;
  if (!topic) throw new UsageError("consume needs a topic");
  if (values.from !== "earliest" && values.from !== "latest") throw new UsageError("--from must be earliest or latest");
  const max = int(values.max, "max", Number.MAX_SAFE_INTEGER);
  const group = values.group ?? "";
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signal?.addEventListener("abort", stop);
  process.once("SIGINT", stop);
  const clients = connect(brokerAddress(values.broker, io.env));
  let memberId = "";
  let seen = 0;
  try {
    const stream = clients.broker.subscribe(
      {
        topic,
        group,
        start: { from: values.from === "latest" ? StartFrom.LATEST : StartFrom.EARLIEST },
        clientId: "ferry-cli",
        ...(values.partition === undefined ? {} : { partition: int(values.partition, "partition") }),
      },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      if (event.event.case === "assignment") {
        memberId = event.event.value.memberId;
        if (!values.json) io.err(`(member ${memberId} generation ${event.event.value.generation}: partitions [${event.event.value.partitions.join(", ")}])`);
        continue;
      }
      if (event.event.case !== "records") continue;
      const records = event.event.value.records.slice(0, max - seen);
      for (const r of records) io.out(values.json ? recordJson(r) : recordLine(topic, r));
      seen += records.length;
      if (group !== "" && records.length > 0) {
        const items: MessageInitShape<typeof AckItemSchema>[] = records.map((r) => ({ partition: r.partition, offset: r.offset, action: AckAction.ACK }));
        await clients.broker.ack({ topic, group, memberId, items });
      }
      if (seen >= max) break;
    }
    return 0;
  } catch (err) {
    if (controller.signal.aborted) return 0;
    throw err;
  } finally {
    process.off("SIGINT", stop);
    signal?.removeEventListener("abort", stop);
    controller.abort();
    clients.close();
  }
}
