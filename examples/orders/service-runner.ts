/**
 * The consume loop every service shares: join the service's group, handle each
 * event (one order at a time, many orders at once), ack on success, nack with the
 * error as reason on failure, so the broker retries with backoff and finally
 * dead-letters a poison event while the other orders keep flowing.
 */
import { Consumer, type Client, type GroupOptions, type Message } from "@ferry-broker/client";
import { fromMessage, LABELS, type OrderEvent } from "./events.js";
import { KeyedSerializer } from "./keyed-serializer.js";

export type Log = (line: string) => void;

export interface ServiceSpec {
  /** For the logs: "inventory", "billing", … */
  readonly name: string;
  readonly topic: string;
  readonly group: string;
  readonly groupOptions?: GroupOptions;
  /** Handles one event; throwing makes it a failed delivery. */
  readonly handle: (event: OrderEvent, msg: Message) => Promise<void>;
  /**
   * Fault injection for the demo: true makes the service behave as if it crashed
   * after handling the event but before acking it, so the event is redelivered.
   */
  readonly crashBeforeAck?: (event: OrderEvent, msg: Message) => boolean;
  /** Share one between consumers that update the same per-order state (the saga's). */
  readonly serializer?: KeyedSerializer;
}

export interface RunningService {
  readonly name: string;
  readonly consumer: Consumer;
  /** Every delivery after the first: `<service>: <event> <order> redelivered (attempt n)`. */
  readonly redeliveries: string[];
  stop(): Promise<void>;
}

export function runService(client: Client, spec: ServiceSpec, log: Log): RunningService {
  const consumer = new Consumer(client, { topic: spec.topic, group: spec.group, clientId: spec.name, ...(spec.groupOptions ? { groupOptions: spec.groupOptions } : {}) });
  const serializer = spec.serializer ?? new KeyedSerializer();
  const redeliveries: string[] = [];

  const deliver = async (msg: Message): Promise<void> => {
    let event: OrderEvent | undefined;
    try {
      event = fromMessage(msg);
      if (msg.attempt > 1) {
        const line = `${spec.name}: ${LABELS[event.type]} ${event.payload.order_id} redelivered (attempt ${msg.attempt})`;
        redeliveries.push(line);
        log(line);
      }
      await spec.handle(event, msg);
      if (spec.crashBeforeAck?.(event, msg)) {
        log(`${spec.name}: simulated crash after handling ${LABELS[event.type]} ${event.payload.order_id}, before its ack`);
        msg.nack({ reason: "simulated crash before ack" });
        return;
      }
      msg.ack();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const what = event ? `${LABELS[event.type]} ${event.payload.order_id}` : `record ${msg.partition}/${msg.offset}`;
      log(`${spec.name}: ${what} failed on attempt ${msg.attempt}: ${reason}`);
      msg.nack({ reason });
    }
  };

  const loop = (async () => {
    for await (const msg of consumer) void serializer.run(msg.keyText(), () => deliver(msg));
  })();

  return {
    name: spec.name,
    consumer,
    redeliveries,
    async stop() {
      await serializer.idle();
      await consumer.close();
      await loop;
    },
  };
}
