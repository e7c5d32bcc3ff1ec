/** `ferry serve`: runs the broker until SIGINT or SIGTERM. */
import { CONFIG_KEYS, DEFAULTS, kebab, loadConfig, type BrokerConfig } from "../config.js";
import { createLogger } from "../observability/logger.js";
import { startBroker } from "../server/broker-server.js";
import { UsageError, type Io } from "./common.js";

export const SERVE_HELP = `ferry serve [options]
  --host HOST             interface to listen on (default ${DEFAULTS.host})
  --port PORT             gRPC port; 0 picks a free one and prints it (default ${DEFAULTS.port})
  --data-dir DIR          LMDB data directory (default ${DEFAULTS.dataDir})
  --config FILE           JSON config file (keys as below, camelCase)
  --ports-file FILE       write {"grpc":"host:port"} there once listening
  --no-sync               do not fsync commits (faster; loses recent records on power loss)
  every other config key works as a flag too: ${CONFIG_KEYS.filter((k) => !["host", "port", "dataDir", "portsFile", "sync"].includes(k)).map((k) => "--" + kebab(k)).join(" ")}
  environment: FERRY_<KEY> (e.g. FERRY_DATA_DIR); precedence: defaults < file < env < flags`;

/** Parses `--key value`, `--key=value` and `--no-sync` into config flags. */
function parseServeFlags(args: string[]): { flags: Record<string, unknown>; file: string | undefined } {
  const byFlag = new Map(CONFIG_KEYS.map((k) => [kebab(k), k] as const));
  const flags: Record<string, unknown> = {};
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--no-sync") {
      flags["sync"] = false;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument '${arg}' for serve`);
    const name = match[1]!;
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (name === "config") file = value;
    else {
      const key = byFlag.get(name);
      if (!key) throw new UsageError(`unknown option --${name} for serve`);
      flags[key] = value;
    }
  }
  return { flags, file };
}

export async function serve(args: string[], io: Io): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.out(SERVE_HELP);
    return 0;
  }
  const { flags, file } = parseServeFlags(args);
  const config: BrokerConfig = loadConfig({ env: io.env, flags, ...(file ? { file } : {}) });
  const logger = createLogger(config.logLevel);
  const running = await startBroker(config, logger);
  if (config.port === 0) io.out(`ferry listening on ${running.address}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void running.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}
