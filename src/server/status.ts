/**
 * The ONLY place that picks a gRPC status code. Domain errors carry a reason;
 * the table below maps each reason to a code, and a reason without a code does
 * not compile. The reason also travels in trailing metadata `ferry-error-reason`.
 */
import { Metadata, status } from "@grpc/grpc-js";
import { BrokerError, type ErrorReason } from "../errors.js";

export const ERROR_REASON_METADATA_KEY = "ferry-error-reason";

export const REASON_TO_CODE = {
  TOPIC_NOT_FOUND: status.NOT_FOUND,
  GROUP_NOT_FOUND: status.NOT_FOUND,
  TOPIC_ALREADY_EXISTS: status.ALREADY_EXISTS,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  INVALID_TOPIC_NAME: status.INVALID_ARGUMENT,
  INVALID_PARTITION: status.INVALID_ARGUMENT,
  RECORD_TOO_LARGE: status.INVALID_ARGUMENT,
  BATCH_TOO_LARGE: status.INVALID_ARGUMENT,
  OFFSET_OUT_OF_RANGE: status.OUT_OF_RANGE,
  OUT_OF_ORDER_SEQUENCE: status.FAILED_PRECONDITION,
  DUPLICATE_SEQUENCE: status.ALREADY_EXISTS,
  GROUP_HAS_MEMBERS: status.FAILED_PRECONDITION,
  GROUP_OPTIONS_MISMATCH: status.FAILED_PRECONDITION,
  NOT_IMPLEMENTED: status.UNIMPLEMENTED,
  SHUTTING_DOWN: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
} as const satisfies Record<ErrorReason, status>;

export interface StatusError {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;
}

/** Turns anything thrown by a handler into the status sent to the client. */
export function toStatus(err: unknown, onInternal: (err: unknown) => void): StatusError {
  const reason: ErrorReason = err instanceof BrokerError ? err.reason : "INTERNAL";
  if (!(err instanceof BrokerError)) onInternal(err);
  const metadata = new Metadata();
  metadata.set(ERROR_REASON_METADATA_KEY, reason);
  const details = err instanceof BrokerError ? err.message : "internal error";
  return { code: REASON_TO_CODE[reason], details, metadata };
}
