/**
 * A dead letter: the original record (key, value, headers, timestamp) plus
 * headers naming where it came from and why it failed.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RecordSchema } from "../gen/ferry/v1/common_pb.js";

export const DEAD_LETTER_HEADERS = {
  originTopic: "ferry-origin-topic",
  originPartition: "ferry-origin-partition",
  originOffset: "ferry-origin-offset",
  attempts: "ferry-attempts",
  lastError: "ferry-last-error",
  group: "ferry-group",
} as const;

export function deadLetterTopicName(topic: string, group: string): string {
  return `${topic}.${group}.dlq`;
}

export interface DeadLetterOrigin {
  readonly topic: string;
  readonly group: string;
  readonly partition: number;
  readonly offset: number;
  readonly attempts: number;
  readonly lastError: string;
}

/** The dead letter's Record bytes, built from the original's. */
export function deadLetterRecord(originalBytes: Uint8Array, origin: DeadLetterOrigin): Uint8Array {
  const record = fromBinary(RecordSchema, originalBytes);
  const text = new TextEncoder();
  const headers = {
    ...record.headers,
    [DEAD_LETTER_HEADERS.originTopic]: text.encode(origin.topic),
    [DEAD_LETTER_HEADERS.originPartition]: text.encode(String(origin.partition)),
    [DEAD_LETTER_HEADERS.originOffset]: text.encode(String(origin.offset)),
    [DEAD_LETTER_HEADERS.attempts]: text.encode(String(origin.attempts)),
    [DEAD_LETTER_HEADERS.lastError]: text.encode(origin.lastError),
    [DEAD_LETTER_HEADERS.group]: text.encode(origin.group),
  };
  return toBinary(RecordSchema, create(RecordSchema, { ...record, headers }));
}
