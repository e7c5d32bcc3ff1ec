import { create } from "@bufbuild/protobuf";
import type { Broker } from "../../engine/broker.js";
import type { ProduceBatchView } from "../../engine/wire-views.js";
import { ProduceResponseSchema, type ProduceResponse } from "../../gen/ferry/v1/broker_pb.js";
import { encodeProduceBatchResponse } from "../record-encoding.js";

/** Produce: one record, answered once it is durable. */
export async function produce(broker: Broker, request: ProduceBatchView): Promise<ProduceResponse> {
  const result = await broker.produce(request);
  return create(ProduceResponseSchema, {
    partition: result.partitions[0]!,
    offset: BigInt(result.offsets[0]!),
    appendTimeMs: BigInt(result.appendTimeMs),
    duplicate: result.duplicates > 0,
  });
}

/** ProduceBatch: many records in one durable commit, positions in request order. */
export async function produceBatch(broker: Broker, request: ProduceBatchView): Promise<Uint8Array> {
  return encodeProduceBatchResponse(await broker.produce(request));
}
