/** An engine and coordinator over the memory store with a fake clock, for unit tests. */
import { create, toBinary } from "@bufbuild/protobuf";
import { loadConfig, type BrokerConfig } from "../../src/config.js";
import { Broker } from "../../src/engine/broker.js";
import { viewRecord } from "../../src/engine/wire-views.js";
import { RecordSchema } from "../../src/gen/ferry/v1/common_pb.js";
import { GroupCoordinator, type GroupSubscription } from "../../src/groups/group-coordinator.js";
import { createLogger } from "../../src/observability/logger.js";
import { MemoryStore } from "../../src/storage/memory-store.js";
import { FakeClock } from "./fake-clock.js";

export interface TestEngine {
  readonly clock: FakeClock;
  readonly store: MemoryStore;
  readonly broker: Broker;
  readonly groups: GroupCoordinator;
  readonly config: BrokerConfig;
  produce(topic: string, values: string[], key?: string): Promise<number[]>;
}

export function testEngine(flags: Record<string, unknown> = {}, store = new MemoryStore()): TestEngine {
  const clock = new FakeClock();
  const config = loadConfig({ flags: { ackDeadlineMs: "1000", backoffMinMs: "100", backoffMaxMs: "400", ...flags } });
  const log = createLogger("silent");
  const broker = new Broker(store, config, clock, log);
  const groups = new GroupCoordinator(broker, config, clock, log);
  return {
    clock,
    store,
    broker,
    groups,
    config,
    async produce(topic, values, key) {
      const records = values.map((v) =>
        viewRecord(toBinary(RecordSchema, create(RecordSchema, { value: new TextEncoder().encode(v), key: new TextEncoder().encode(key ?? "") }))),
      );
      const res = await broker.produce({ topic, records, partition: undefined, producerId: "", firstSequence: 0 });
      return res.offsets;
    },
  };
}

export function subscription(topic: string, group: string, over: Partial<GroupSubscription> = {}): GroupSubscription {
  return {
    topic,
    group,
    start: { from: "earliest", offset: 0, timestampMs: 0 },
    maxInFlight: 0,
    clientId: "test",
    peer: "test",
    options: { ackDeadlineMs: 0, maxAttempts: 0, backoffMinMs: 0, backoffMaxMs: 0, deadLetterTopic: "" },
    ...over,
  };
}

