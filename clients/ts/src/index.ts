/** @ferry-broker/client: Producer, Consumer, Reader and Admin for the Ferry broker. */
export const VERSION = "0.1.0";

export {
  Client,
  connect,
  DEFAULT_FLOW_CONTROL_WINDOW_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_KEEPALIVE_TIME_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  type ClientOptions,
} from "./client.js";
export {
  Producer,
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_BATCH_RECORDS,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_RECORDS,
  type ProducerOptions,
  type ProducerRecord,
  type RecordPosition,
} from "./producer.js";
export {
  Consumer,
  DEFAULT_ACK_LINGER_MS,
  DEFAULT_ACK_BATCH_SIZE,
  DEFAULT_RECONNECT_BACKOFF_MIN_MS,
  DEFAULT_RECONNECT_BACKOFF_MAX_MS,
  type ConsumerOptions,
  type GroupOptions,
  type Assignment,
} from "./consumer.js";
export { Reader, type ReaderOptions } from "./reader.js";
export { Message, type NackOptions } from "./message.js";
export {
  Admin,
  type TopicInfo,
  type TopicDescription,
  type CreateTopicOptions,
  type GroupSummary,
  type GroupDescription,
  type GroupMemberInfo,
  type GroupPartitionInfo,
} from "./admin.js";
export * from "./errors.js";
export { murmur2, partitionForKey } from "./murmur2.js";
export type { Bytes, StartPosition } from "./values.js";
export { status as GrpcStatus } from "@grpc/grpc-js";
