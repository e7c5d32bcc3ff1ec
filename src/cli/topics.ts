/** `ferry topics create|list|describe|delete`. */
import type { TopicInfo } from "../gen/ferry/v1/admin_pb.js";
import { UsageError, connect, brokerAddress, int, json, parse, type Io } from "./common.js";

export const TOPICS_HELP = `ferry topics create NAME [--partitions N] [--retention-ms MS]
ferry topics list
ferry topics describe NAME
ferry topics delete NAME
  common: --broker HOST:PORT (default $FERRY_BROKER or 127.0.0.1:7070), --json`;

function describeLine(t: TopicInfo): string {
  const retention = t.retentionMs > 0n ? ` retention=${t.retentionMs}ms` : "";
  return `${t.name}\tpartitions=${t.partitions}${retention}`;
}

export async function topics(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    partitions: { type: "string" },
    "retention-ms": { type: "string" },
  });
  const [action, name] = positionals;
  if (values.help || !action) {
    io.out(TOPICS_HELP);
    return action ? 0 : 2;
  }
  const needName = (): string => {
    if (!name) throw new UsageError(`topics ${action} needs a topic name`);
    return name;
  };
  const clients = connect(brokerAddress(values.broker, io.env));
  try {
    switch (action) {
      case "create": {
        const res = await clients.admin.createTopic({
          name: needName(),
          partitions: int(values.partitions, "partitions", 0),
          retentionMs: BigInt(int(values["retention-ms"], "retention-ms", 0)),
        });
        io.out(values.json ? json(res.topic) : `created ${describeLine(res.topic!)}`);
        return 0;
      }
      case "list": {
        const res = await clients.admin.listTopics({});
        if (values.json) io.out(json(res.topics));
        else for (const t of res.topics) io.out(describeLine(t));
        return 0;
      }
      case "describe": {
        const res = await clients.admin.describeTopic({ name: needName() });
        if (values.json) io.out(json(res));
        else {
          io.out(describeLine(res.topic!));
          for (const p of res.partitions) io.out(`  partition ${p.partition}\tstart=${p.startOffset}\tend=${p.endOffset}`);
        }
        return 0;
      }
      case "delete":
        await clients.admin.deleteTopic({ name: needName() });
        io.out(values.json ? json({ deleted: name }) : `deleted ${name}`);
        return 0;
      default:
        throw new UsageError(`unknown topics action '${action}'; use create, list, describe or delete`);
    }
  } finally {
    clients.close();
  }
}
