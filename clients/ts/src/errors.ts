/**
 * Typed errors. The broker sends a stable reason in the trailing metadata key
 * `ferry-error-reason`; errors are rebuilt from that reason (never from the message
 * text), and from the gRPC status code when there is no reason or an unknown one.
 */
import { Metadata, status } from "@grpc/grpc-js";

/** The trailing metadata key that carries the broker's error reason. */
export const ERROR_REASON_KEY = "ferry-error-reason";

/** Every Ferry error: `reason` is a stable SCREAMING_SNAKE string, `code` a gRPC status code. */
export class FerryError extends Error {
  constructor(
    readonly reason: string,
    readonly code: status,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class TopicNotFoundError extends FerryError {}
export class GroupNotFoundError extends FerryError {}
export class TopicAlreadyExistsError extends FerryError {}
export class InvalidArgumentError extends FerryError {}
export class InvalidTopicNameError extends InvalidArgumentError {}
export class InvalidPartitionError extends InvalidArgumentError {}
export class RecordTooLargeError extends InvalidArgumentError {}
export class BatchTooLargeError extends InvalidArgumentError {}
export class OffsetOutOfRangeError extends FerryError {}
export class OutOfOrderSequenceError extends FerryError {}
export class DuplicateSequenceError extends FerryError {}
export class GroupHasMembersError extends FerryError {}
export class GroupOptionsMismatchError extends FerryError {}
export class NotImplementedError extends FerryError {}
/** The broker is shutting down (reason SHUTTING_DOWN) or cannot be reached (UNAVAILABLE). */
export class UnavailableError extends FerryError {}
export class ShuttingDownError extends UnavailableError {}
export class InternalError extends FerryError {}
export class DeadlineExceededError extends FerryError {}
export class CancelledError extends FerryError {}
/** A call on a Producer, Consumer or Client after close(). */
export class ClientClosedError extends FerryError {
  constructor(what: string) {
    super("CLIENT_CLOSED", status.CANCELLED, `${what} is closed`);
  }
}

type ErrorClass = new (reason: string, code: status, message: string, options?: { cause?: unknown }) => FerryError;

/** The broker's reason catalog (docs/broker-contract-for-clients.md). */
const BY_REASON: Readonly<Record<string, ErrorClass>> = {
  TOPIC_NOT_FOUND: TopicNotFoundError,
  GROUP_NOT_FOUND: GroupNotFoundError,
  TOPIC_ALREADY_EXISTS: TopicAlreadyExistsError,
  INVALID_ARGUMENT: InvalidArgumentError,
  INVALID_TOPIC_NAME: InvalidTopicNameError,
  INVALID_PARTITION: InvalidPartitionError,
  RECORD_TOO_LARGE: RecordTooLargeError,
  BATCH_TOO_LARGE: BatchTooLargeError,
  OFFSET_OUT_OF_RANGE: OffsetOutOfRangeError,
  OUT_OF_ORDER_SEQUENCE: OutOfOrderSequenceError,
  DUPLICATE_SEQUENCE: DuplicateSequenceError,
  GROUP_HAS_MEMBERS: GroupHasMembersError,
  GROUP_OPTIONS_MISMATCH: GroupOptionsMismatchError,
  NOT_IMPLEMENTED: NotImplementedError,
  SHUTTING_DOWN: ShuttingDownError,
  INTERNAL: InternalError,
};

/** Fallbacks when the reason is missing or unknown. */
const BY_CODE: Partial<Record<status, ErrorClass>> = {
  [status.NOT_FOUND]: FerryError,
  [status.INVALID_ARGUMENT]: InvalidArgumentError,
  [status.UNAVAILABLE]: UnavailableError,
  [status.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [status.CANCELLED]: CancelledError,
  [status.UNIMPLEMENTED]: NotImplementedError,
  [status.INTERNAL]: InternalError,
};

interface StatusLike {
  code: number;
  details?: string;
  message?: string;
  metadata?: Metadata;
}

function isStatusLike(err: unknown): err is StatusLike {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "number";
}

/** The reason in a status error's trailing metadata, if any. */
export function reasonOf(err: unknown): string | undefined {
  if (!isStatusLike(err) || !(err.metadata instanceof Metadata)) return undefined;
  const value = err.metadata.get(ERROR_REASON_KEY)[0];
  if (typeof value === "string") return value;
  return value instanceof Buffer ? value.toString("utf8") : undefined;
}

/** Rebuilds a typed error from a grpc-js status error; other values pass through as FerryError INTERNAL. */
export function toFerryError(err: unknown): FerryError {
  if (err instanceof FerryError) return err;
  if (!isStatusLike(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new FerryError("UNKNOWN", status.UNKNOWN, message, { cause: err });
  }
  const code = err.code as status;
  const reason = reasonOf(err);
  const known = reason === undefined ? undefined : BY_REASON[reason];
  const Class = known ?? BY_CODE[code] ?? FerryError;
  const message = err.details ?? err.message ?? "";
  return new Class(reason ?? status[code] ?? String(code), code, message, { cause: err });
}

/** Worth retrying as is: the broker could not be reached or answered too late. */
export function isRetryable(err: unknown): boolean {
  const code = err instanceof FerryError ? err.code : isStatusLike(err) ? err.code : undefined;
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
}
