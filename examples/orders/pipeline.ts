/**
 * Wires the online shop together against one broker: the order service, the
 * inventory, billing and shipping services (each its own consumer group on the
 * orders topic), and the saga (its own group on the three service topics). Each
 * service has its own connection and producer, as separate processes would.
 */
import { Client, Producer, TopicAlreadyExistsError, type GroupOptions } from "@ferry-broker/client";
import { BillingService } from "./billing-service.js";
import { DECLINED_CUSTOMERS, DEMO_STOCK } from "./demo-orders.js";
import { topicNames, type Topics } from "./events.js";
import { InventoryService } from "./inventory-service.js";
import { KeyedSerializer } from "./keyed-serializer.js";
import { OrderService } from "./order-service.js";
import { OrderSaga } from "./saga.js";
import { runService, type Log, type RunningService } from "./service-runner.js";
import { ShippingService } from "./shipping-service.js";

/** Every group: a failing event is retried after 100 ms, 200 ms, … and dead-lettered after 3 attempts. */
export const SERVICE_GROUP_OPTIONS: GroupOptions = { maxAttempts: 3, backoffMinMs: 100, backoffMaxMs: 1000 };

export interface PipelineOptions {
  /** Broker address, host:port. */
  readonly address: string;
  /** Prefix for topic and group names, so runs can share a broker. */
  readonly namespace?: string;
  readonly stock?: Readonly<Record<number, number>>;
  readonly declinedCustomers?: ReadonlySet<number>;
  /** Inventory acts as if it crashed after reserving this order, before its ack (once). */
  readonly crashBeforeAckOrder?: number;
  readonly log?: Log;
}

export interface Pipeline {
  readonly topics: Topics;
  readonly groups: { readonly inventory: string; readonly billing: string; readonly shipping: string; readonly saga: string };
  /** Where billing's dead letters go. */
  readonly billingDeadLetterTopic: string;
  readonly orders: OrderService;
  readonly inventory: InventoryService;
  readonly billing: BillingService;
  readonly shipping: ShippingService;
  readonly saga: OrderSaga;
  readonly services: readonly RunningService[];
  /** A connection for admin calls and replays; it stays open after stop(). */
  readonly client: Client;
  /** Stops the services (pending work first) and their connections. Idempotent. */
  stop(): Promise<void>;
  /** stop(), then closes `client`. */
  close(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const log = options.log ?? (() => undefined);
  const ns = options.namespace ?? "";
  const topics = topicNames(ns);
  const group = (name: string): string => (ns ? `${ns}.${name}` : name);
  const groups = { inventory: group("inventory"), billing: group("billing"), shipping: group("shipping"), saga: group("order-saga") };

  const clients: Client[] = [];
  const producers: Producer[] = [];
  const connection = (): { client: Client; producer: Producer } => {
    const client = new Client(options.address);
    const producer = new Producer(client);
    clients.push(client);
    producers.push(producer);
    return { client, producer };
  };

  const admin = new Client(options.address);
  for (const topic of Object.values(topics)) await admin.admin.describeTopic(topic, { createIfMissing: true });
  // The broker creates a dead-letter topic (1 partition) with the first dead letter; the
  // saga subscribes to billing's before that, so create it the same way now.
  const billingDeadLetterTopic = `${topics.orders}.${groups.billing}.dlq`;
  await admin.admin.createTopic(billingDeadLetterTopic, { partitions: 1 }).catch((err: unknown) => {
    if (!(err instanceof TopicAlreadyExistsError)) throw err;
  });

  const orderSide = connection();
  const inventorySide = connection();
  const billingSide = connection();
  const shippingSide = connection();
  const sagaSide = connection();
  const orders = new OrderService(orderSide.producer, topics);
  const inventory = new InventoryService(inventorySide.producer, topics, options.stock ?? DEMO_STOCK);
  const billing = new BillingService(billingSide.producer, topics, options.declinedCustomers ?? DECLINED_CUSTOMERS);
  const shipping = new ShippingService(shippingSide.producer, topics);
  const saga = new OrderSaga(sagaSide.producer, topics);

  let crashesLeft = options.crashBeforeAckOrder === undefined ? 0 : 1;
  const sagaSerializer = new KeyedSerializer();
  const common = { groupOptions: SERVICE_GROUP_OPTIONS };
  const services = [
    runService(
      inventorySide.client,
      {
        ...common,
        name: "inventory",
        topic: topics.orders,
        group: groups.inventory,
        handle: (e) => inventory.handle(e),
        crashBeforeAck: (e) => e.type === "OrderPlaced" && e.payload.order_id === options.crashBeforeAckOrder && crashesLeft-- > 0,
      },
      log,
    ),
    runService(billingSide.client, { ...common, name: "billing", topic: topics.orders, group: groups.billing, handle: (e) => billing.handle(e) }, log),
    runService(shippingSide.client, { ...common, name: "shipping", topic: topics.orders, group: groups.shipping, handle: (e) => shipping.handle(e) }, log),
    ...[topics.inventory, topics.billing, topics.shipping].map((topic) =>
      runService(sagaSide.client, { ...common, name: "saga", topic, group: groups.saga, serializer: sagaSerializer, handle: (e) => saga.handle(e) }, log),
    ),
    runService(
      sagaSide.client,
      {
        ...common,
        name: "saga",
        topic: billingDeadLetterTopic,
        group: groups.saga,
        serializer: sagaSerializer,
        handle: (e, msg) => saga.paymentFailed(e.payload.order_id, msg.header("ferry-last-error") ?? "unknown error"),
      },
      log,
    ),
  ];

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(services.map((s) => s.stop()));
      await Promise.all(producers.map((p) => p.close()));
      for (const c of clients) c.close();
    })();
    return stopping;
  };

  return {
    topics,
    groups,
    billingDeadLetterTopic,
    orders,
    inventory,
    billing,
    shipping,
    saga,
    services,
    client: admin,
    stop,
    async close() {
      await stop();
      admin.close();
    },
  };
}
