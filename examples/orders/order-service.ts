/** The order service: publishes "Order Placed", keyed by order id, to the orders topic. */
import type { Producer, RecordPosition } from "@ferry-broker/client";
import { toRecord, type EventOf, type Topics } from "./events.js";

export type Order = EventOf<"OrderPlaced">["payload"];

export class OrderService {
  constructor(
    private readonly producer: Producer,
    private readonly topics: Topics,
  ) {}

  place(order: Order): Promise<RecordPosition> {
    return this.producer.send(toRecord(this.topics.orders, { type: "OrderPlaced", payload: order }));
  }
}
