import type { Broker } from "../../engine/broker.js";
import { InvalidArgumentError } from "../../errors.js";
import type { FetchRequest } from "../../gen/ferry/v1/broker_pb.js";
import { encodeFetchResponse } from "../record-encoding.js";
import { toSafeNumber } from "./numbers.js";

/** Fetch: a partition's records from an offset, encoded from their stored bytes. */
export function fetch(broker: Broker, request: FetchRequest): Uint8Array {
  if (request.topic === "") throw new InvalidArgumentError("topic is required");
  const offset = toSafeNumber(request.offset, "offset");
  const maxBytes = toSafeNumber(request.maxBytes, "max_bytes");
  const result = broker.fetch(request.topic, request.partition, offset, request.maxRecords, maxBytes);
  return encodeFetchResponse(request.partition, result.records, result.nextOffset, result.logStartOffset, result.logEndOffset);
}
