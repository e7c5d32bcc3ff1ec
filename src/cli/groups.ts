/** `ferry groups list|describe|reset|delete`. */
import { StartFrom } from "../gen/ferry/v1/common_pb.js";
import { UsageError, connect, brokerAddress, int, json, parse, type Io } from "./common.js";

export const GROUPS_HELP = `ferry groups list [--topic T]
ferry groups describe GROUP --topic T
ferry groups reset GROUP --topic T --to earliest|latest|offset:N|timestamp:MS [--partition P]...
ferry groups delete GROUP --topic T
  reset and delete need the group to have no live members
  common: --broker HOST:PORT, --json`;

function position(to: string | undefined): { from: StartFrom; offset?: bigint; timestampMs?: bigint } {
  if (to === "earliest") return { from: StartFrom.EARLIEST };
  if (to === "latest") return { from: StartFrom.LATEST };
  const m = /^(offset|timestamp):(\d+)$/.exec(to ?? "");
  if (!m) throw new UsageError("--to must be earliest, latest, offset:N or timestamp:MS");
  return m[1] === "offset" ? { from: StartFrom.OFFSET, offset: BigInt(m[2]!) } : { from: StartFrom.TIMESTAMP, timestampMs: BigInt(m[2]!) };
}

export async function groups(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    topic: { type: "string" },
    to: { type: "string" },
    partition: { type: "string", multiple: true },
  });
  const [action, group] = positionals;
  if (values.help || !action) {
    io.out(GROUPS_HELP);
    return action ? 0 : 2;
  }
  const target = (): { group: string; topic: string } => {
    if (!group) throw new UsageError(`groups ${action} needs a group name`);
    if (!values.topic) throw new UsageError(`groups ${action} needs --topic`);
    return { group, topic: values.topic };
  };
  const clients = connect(brokerAddress(values.broker, io.env));
  try {
    switch (action) {
      case "list": {
        const res = await clients.admin.listGroups({ topic: values.topic ?? "" });
        if (values.json) io.out(json(res.groups));
        else for (const g of res.groups) io.out(`${g.group}\ttopic=${g.topic}\tmembers=${g.members}\tgeneration=${g.generation}\tlag=${g.lag}`);
        return 0;
      }
      case "describe": {
        const res = await clients.admin.describeGroup(target());
        if (values.json) {
          io.out(json(res));
          return 0;
        }
        io.out(`group ${res.group} on ${res.topic}: generation ${res.generation}, ${res.members.length} member(s)`);
        for (const m of res.members) io.out(`  member ${m.memberId} (${m.clientId || "-"} ${m.peer}) partitions [${m.partitions.join(", ")}] in-flight ${m.inFlight}/${m.maxInFlight}`);
        for (const p of res.partitions) {
          io.out(`  partition ${p.partition}\tcommitted=${p.committedOffset}\tend=${p.logEndOffset}\tlag=${p.lag}\tin-flight=${p.inFlight}\toldest-unacked=${p.oldestUnackedAgeMs}ms\tmember=${p.memberId || "-"}`);
        }
        return 0;
      }
      case "reset": {
        const partitions = (values.partition ?? []).map((p) => int(p, "partition"));
        const res = await clients.admin.resetGroupOffsets({ ...target(), position: position(values.to), partitions });
        if (values.json) io.out(json(res.offsets));
        else for (const o of res.offsets) io.out(`partition ${o.partition}\tcommitted=${o.offset}`);
        return 0;
      }
      case "delete":
        await clients.admin.deleteGroup(target());
        io.out(values.json ? json({ deleted: group }) : `deleted group ${group}`);
        return 0;
      default:
        throw new UsageError(`unknown groups action '${action}'; use list, describe, reset or delete`);
    }
  } finally {
    clients.close();
  }
}
