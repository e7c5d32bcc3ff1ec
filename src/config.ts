/**
 * One typed broker configuration. Precedence: DEFAULTS < config file (JSON) <
 * environment (FERRY_*) < flags. Unknown keys and bad values are rejected with a
 * message that names the key and its source. No other module reads process.env.
 */
import { readFileSync } from "node:fs";

export interface BrokerConfig {
  /** Interface to listen on. @defaultValue "127.0.0.1" */
  readonly host: string;
  /** gRPC port; 0 picks a free one. @defaultValue 7070 */
  readonly port: number;
  /** Where the LMDB environment lives. @defaultValue "./data" */
  readonly dataDir: string;
  /** When set, the bound address is written there as JSON {"grpc": "host:port"}. */
  readonly portsFile: string;
  /** fsync every commit before acknowledging. false trades durability on power loss for speed. */
  readonly sync: boolean;
  /** Create a topic on first produce (and DescribeTopic create_if_missing). */
  readonly autoCreateTopics: boolean;
  /** Partitions of an auto-created topic, or of CreateTopic with partitions 0. */
  readonly defaultPartitions: number;
  /** The most partitions a topic may have. */
  readonly maxPartitions: number;
  /** The largest encoded record accepted. */
  readonly maxRecordBytes: number;
  /** The most records in one ProduceBatch, Fetch or Ack. */
  readonly maxBatchRecords: number;
  /** The largest request message accepted. */
  readonly maxRequestBytes: number;
  /** Group default: how long a delivery may stay unacked. */
  readonly ackDeadlineMs: number;
  /** Group default: failed deliveries before dead-lettering. */
  readonly maxAttempts: number;
  /** Group default: first retry delay. */
  readonly backoffMinMs: number;
  /** Group default: largest retry delay. */
  readonly backoffMaxMs: number;
  /** Default per-member cap on unsettled records. */
  readonly maxInFlight: number;
  /** HTTP/2 keepalive ping interval, to find dead peers. */
  readonly keepaliveTimeMs: number;
  /** How long a keepalive ping may go unanswered before the connection is dropped. */
  readonly keepaliveTimeoutMs: number;
  /** How long an idle producer id's deduplication state is kept. */
  readonly producerStateRetentionMs: number;
  /** How often topics with retention_ms are trimmed. */
  readonly retentionCheckMs: number;
  /** After activity, keep polling for I/O this long instead of sleeping (see util/busy-poll.ts); 0 = off. */
  readonly busyPollUs: number;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: string;
}

export const DEFAULT_PORT = 7070;

export const DEFAULTS: BrokerConfig = Object.freeze({
  host: "127.0.0.1",
  port: DEFAULT_PORT,
  dataDir: "./data",
  portsFile: "",
  sync: true,
  autoCreateTopics: true,
  defaultPartitions: 4,
  maxPartitions: 1024,
  maxRecordBytes: 1024 * 1024,
  maxBatchRecords: 10_000,
  maxRequestBytes: 64 * 1024 * 1024,
  ackDeadlineMs: 30_000,
  maxAttempts: 5,
  backoffMinMs: 1_000,
  backoffMaxMs: 60_000,
  maxInFlight: 1_000,
  keepaliveTimeMs: 10_000,
  keepaliveTimeoutMs: 5_000,
  producerStateRetentionMs: 7 * 24 * 3600 * 1000,
  retentionCheckMs: 30_000,
  busyPollUs: 0,
  logLevel: "info",
});

type Key = keyof BrokerConfig;
type Source = "file" | "env" | "flag";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** Range checks for numeric keys: [min, max]. */
const NUMBER_RANGES: Partial<Record<Key, readonly [number, number]>> = {
  port: [0, 65535],
  defaultPartitions: [1, 1_000_000],
  maxPartitions: [1, 1_000_000],
  maxRecordBytes: [1, 512 * 1024 * 1024],
  maxBatchRecords: [1, 1_000_000],
  maxRequestBytes: [1024, 1024 * 1024 * 1024],
  ackDeadlineMs: [1, 24 * 3600 * 1000],
  maxAttempts: [1, 1000],
  backoffMinMs: [0, 24 * 3600 * 1000],
  backoffMaxMs: [0, 24 * 3600 * 1000],
  maxInFlight: [1, 1_000_000],
  keepaliveTimeMs: [100, 24 * 3600 * 1000],
  keepaliveTimeoutMs: [100, 3600 * 1000],
  producerStateRetentionMs: [1000, 365 * 24 * 3600 * 1000],
  retentionCheckMs: [100, 3600 * 1000],
  busyPollUs: [0, 100_000],
};

function envName(key: Key): string {
  return "FERRY_" + key.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}

/** Parses one raw value (string from env/flags, or JSON value from a file) for `key`. */
function coerce(key: Key, raw: unknown, source: Source): BrokerConfig[Key] {
  const where = source === "env" ? envName(key) : source === "flag" ? `--${kebab(key)}` : `"${key}" in the config file`;
  const def = DEFAULTS[key];
  if (typeof def === "number") {
    const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
    const range = NUMBER_RANGES[key];
    if (!Number.isSafeInteger(n)) throw new ConfigError(`${where} must be a whole number, got ${JSON.stringify(raw)}`);
    if (range && (n < range[0] || n > range[1])) {
      throw new ConfigError(`${where} must be between ${range[0]} and ${range[1]}, got ${n}`);
    }
    return n;
  }
  if (typeof def === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(raw)}`);
  }
  if (typeof raw !== "string") throw new ConfigError(`${where} must be a string, got ${JSON.stringify(raw)}`);
  if (key === "logLevel" && !LOG_LEVELS.has(raw)) {
    throw new ConfigError(`${where} must be one of ${[...LOG_LEVELS].join(", ")}, got ${JSON.stringify(raw)}`);
  }
  if (key === "host" && raw === "") throw new ConfigError(`${where} must not be empty`);
  return raw;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

function isKey(k: string): k is Key {
  return Object.hasOwn(DEFAULTS, k);
}

export interface LoadConfigOptions {
  /** Path of a JSON config file; empty = none. */
  readonly file?: string;
  /** The environment; only FERRY_* entries are read. */
  readonly env?: NodeJS.ProcessEnv;
  /** Flag values by config key (already parsed from argv). */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** Builds the validated, frozen configuration from all sources. */
export function loadConfig(options: LoadConfigOptions = {}): BrokerConfig {
  const out: Record<string, unknown> = { ...DEFAULTS };
  if (options.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(options.file, "utf8"));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(err as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${options.file} must hold a JSON object`);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (!isKey(k)) throw new ConfigError(`unknown key "${k}" in config file ${options.file}; known keys: ${Object.keys(DEFAULTS).join(", ")}`);
      out[k] = coerce(k, v, "file");
    }
  }
  const env = options.env ?? {};
  for (const key of Object.keys(DEFAULTS) as Key[]) {
    const v = env[envName(key)];
    if (v !== undefined) out[key] = coerce(key, v, "env");
  }
  for (const [k, v] of Object.entries(options.flags ?? {})) {
    if (!isKey(k)) throw new ConfigError(`unknown option --${kebab(k)}`);
    out[k] = coerce(k, v, "flag");
  }
  const config = out as unknown as BrokerConfig;
  if (config.backoffMinMs > config.backoffMaxMs) {
    throw new ConfigError(`backoffMinMs (${config.backoffMinMs}) must not exceed backoffMaxMs (${config.backoffMaxMs})`);
  }
  if (config.defaultPartitions > config.maxPartitions) {
    throw new ConfigError(`defaultPartitions (${config.defaultPartitions}) must not exceed maxPartitions (${config.maxPartitions})`);
  }
  return Object.freeze(config);
}

/** The config keys, for flag parsing and help. */
export const CONFIG_KEYS = Object.keys(DEFAULTS) as readonly Key[];
