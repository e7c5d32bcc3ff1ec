/** The `ferry` command: dispatches to one module per subcommand. */
import { reportError, UsageError, type Io } from "./common.js";
import { consume, CONSUME_HELP } from "./consume.js";
import { fetch, FETCH_HELP } from "./fetch.js";
import { groups, GROUPS_HELP } from "./groups.js";
import { produce, PRODUCE_HELP } from "./produce.js";
import { serve, SERVE_HELP } from "./serve.js";
import { topics, TOPICS_HELP } from "./topics.js";

const HELP = `ferry — a durable message broker with a gRPC API

${SERVE_HELP}

${TOPICS_HELP}

${PRODUCE_HELP}

${FETCH_HELP}

${CONSUME_HELP}

${GROUPS_HELP}`;

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = { serve, topics, produce, fetch, consume, groups };

export const processIo: Io = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
  stdin: process.stdin,
  env: process.env,
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    io.out(HELP);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command '${command}'`);
    return await run(rest, io);
  } catch (err) {
    return reportError(err, io);
  }
}
