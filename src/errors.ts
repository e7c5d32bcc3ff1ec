/**
 * Domain errors. Domain code throws these and never imports grpc; the server maps
 * each reason to a gRPC status in one place (server/status.ts).
 */

/** The catalog of stable error reasons, sent to clients in `ferry-error-reason`. */
export type ErrorReason =
  | "TOPIC_NOT_FOUND"
  | "GROUP_NOT_FOUND"
  | "TOPIC_ALREADY_EXISTS"
  | "INVALID_ARGUMENT"
  | "INVALID_TOPIC_NAME"
  | "INVALID_PARTITION"
  | "RECORD_TOO_LARGE"
  | "BATCH_TOO_LARGE"
  | "OFFSET_OUT_OF_RANGE"
  | "OUT_OF_ORDER_SEQUENCE"
  | "DUPLICATE_SEQUENCE"
  | "GROUP_HAS_MEMBERS"
  | "GROUP_OPTIONS_MISMATCH"
  | "NOT_IMPLEMENTED"
  | "SHUTTING_DOWN"
  | "INTERNAL";

export class BrokerError extends Error {
  constructor(
    readonly reason: ErrorReason,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class TopicNotFoundError extends BrokerError {
  constructor(topic: string) {
    super("TOPIC_NOT_FOUND", `topic '${topic}' does not exist; create it with CreateTopic or 'ferry topics create ${topic}'`);
  }
}

export class GroupNotFoundError extends BrokerError {
  constructor(group: string, topic: string) {
    super("GROUP_NOT_FOUND", `group '${group}' on topic '${topic}' does not exist`);
  }
}

export class TopicAlreadyExistsError extends BrokerError {
  constructor(topic: string) {
    super("TOPIC_ALREADY_EXISTS", `topic '${topic}' already exists`);
  }
}

export class InvalidArgumentError extends BrokerError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}

export class InvalidTopicNameError extends BrokerError {
  constructor(message: string) {
    super("INVALID_TOPIC_NAME", message);
  }
}

export class InvalidPartitionError extends BrokerError {
  constructor(topic: string, partition: number, partitions: number) {
    super(
      "INVALID_PARTITION",
      `partition ${partition} does not exist in topic '${topic}', which has partitions 0 to ${partitions - 1}`,
    );
  }
}

export class RecordTooLargeError extends BrokerError {
  constructor(bytes: number, maxBytes: number) {
    super("RECORD_TOO_LARGE", `record of ${bytes} bytes exceeds max_record_bytes ${maxBytes}`);
  }
}

export class BatchTooLargeError extends BrokerError {
  constructor(message: string) {
    super("BATCH_TOO_LARGE", message);
  }
}

export class OffsetOutOfRangeError extends BrokerError {
  constructor(offset: number, start: number, end: number) {
    super(
      "OFFSET_OUT_OF_RANGE",
      `offset ${offset} is outside the partition's stored range [${start}, ${end}]; read from log_start_offset ${start} or up to log_end_offset ${end}`,
    );
  }
}

export class OutOfOrderSequenceError extends BrokerError {
  constructor(producerId: string, partition: number, expected: number, got: number) {
    super(
      "OUT_OF_ORDER_SEQUENCE",
      `producer '${producerId}' sent sequence ${got} to partition ${partition}, expected ${expected}; send sequences one by one without gaps`,
    );
  }
}

export class DuplicateSequenceError extends BrokerError {
  constructor(producerId: string, partition: number, sequence: number) {
    super(
      "DUPLICATE_SEQUENCE",
      `producer '${producerId}' sequence ${sequence} on partition ${partition} was appended before and is older than the deduplication window; it is not appended again`,
    );
  }
}

export class GroupHasMembersError extends BrokerError {
  constructor(group: string, members: number) {
    super(
      "GROUP_HAS_MEMBERS",
      `group '${group}' has ${members} live member(s); stop its consumers before changing or deleting it`,
    );
  }
}

export class GroupOptionsMismatchError extends BrokerError {
  constructor(message: string) {
    super("GROUP_OPTIONS_MISMATCH", message);
  }
}

export class NotImplementedError extends BrokerError {
  constructor(message: string) {
    super("NOT_IMPLEMENTED", message);
  }
}

export class ShuttingDownError extends BrokerError {
  constructor() {
    super("SHUTTING_DOWN", "the broker is shutting down; retry against it once it is back");
  }
}
