/** Conversions between what users pass (strings or bytes) and the wire's bytes. */
import { StartFrom, type StartPositionSchema } from "./gen/ferry/v1/common_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";

/** Bytes, or a string sent as UTF-8. */
export type Bytes = Uint8Array | string;

const EMPTY = new Uint8Array(0);

export function toBytes(value: Bytes | undefined): Uint8Array {
  if (value === undefined) return EMPTY;
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}

export function toText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/**
 * Where a new group, or a group-less reader, starts: the earliest retained record,
 * the next record to arrive, an offset (in every partition), or the first record
 * appended at or after a time.
 */
export type StartPosition = "earliest" | "latest" | { readonly offset: number } | { readonly timestampMs: number };

export function toStartPosition(start: StartPosition | undefined): MessageInitShape<typeof StartPositionSchema> {
  if (start === undefined || start === "earliest") return { from: StartFrom.EARLIEST };
  if (start === "latest") return { from: StartFrom.LATEST };
  if ("offset" in start) return { from: StartFrom.OFFSET, offset: BigInt(start.offset) };
  return { from: StartFrom.TIMESTAMP, timestampMs: BigInt(start.timestampMs) };
}
