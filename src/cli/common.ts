/** What every CLI command shares: the broker address, output, and error reporting. */
import { status } from "@grpc/grpc-js";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AdminService } from "../gen/ferry/v1/admin_pb.js";
import { BrokerService } from "../gen/ferry/v1/broker_pb.js";
import { DEFAULT_PORT } from "../config.js";
import { createRpcClient, errorReason, type RpcClient } from "./rpc-client.js";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const BROKER_OPTIONS = {
  broker: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

export function parse<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...BROKER_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function brokerAddress(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env["FERRY_BROKER"] || `127.0.0.1:${DEFAULT_PORT}`;
}

export interface Clients {
  readonly broker: RpcClient<typeof BrokerService.method>;
  readonly admin: RpcClient<typeof AdminService.method>;
  close(): void;
}

export function connect(address: string): Clients {
  const broker = createRpcClient(BrokerService, address);
  const admin = createRpcClient(AdminService, address, broker.channel);
  return { broker, admin, close: () => broker.close() };
}

/**
 * A JSON line with bigints as numbers (safe: offsets stay below 2^53), bytes as UTF-8 text,
 * and without protobuf-es's internal `$typeName` fields.
 */
export function json(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) =>
    k === "$typeName" ? undefined : typeof v === "bigint" ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : v,
  );
}

export function int(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number, got '${value}'`);
  return n;
}

/** Prints an error a person can act on and returns the exit code. */
export function reportError(err: unknown, io: Io): number {
  if (err instanceof UsageError) {
    io.err(`ferry: ${err.message} (see 'ferry help')`);
    return 2;
  }
  const e = err as { code?: number; details?: string; message?: string };
  if (typeof e.code === "number" && e.details !== undefined) {
    const reason = errorReason(err) ?? status[e.code] ?? String(e.code);
    const hint = e.code === status.UNAVAILABLE ? " (is the broker running? start it with 'npm start' or 'ferry serve')" : "";
    io.err(`ferry: ${reason}: ${e.details}${hint}`);
    return 1;
  }
  io.err(`ferry: ${e.message ?? String(err)}`);
  return 1;
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("utf8");
}
