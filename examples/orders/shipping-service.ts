/**
 * Shipping: learns each order's customer from "Order Placed", and once the saga
 * confirms the order (paid and reserved) publishes "Prepare Shipment". Idempotent.
 */
import type { Producer } from "@ferry-broker/client";
import { toRecord, type OrderEvent, type Topics } from "./events.js";

export class ShippingService {
  private readonly customers = new Map<number, number>();
  private readonly shipped = new Set<number>();

  constructor(
    private readonly producer: Producer,
    private readonly topics: Topics,
  ) {}

  async handle(event: OrderEvent): Promise<void> {
    const orderId = event.payload.order_id;
    if (event.type === "OrderPlaced") {
      this.customers.set(orderId, event.payload.customer_id);
    } else if (event.type === "OrderConfirmed" && !this.shipped.has(orderId)) {
      const customerId = this.customers.get(orderId);
      // Same key, same partition: OrderPlaced always comes first.
      if (customerId === undefined) throw new Error(`order ${orderId} confirmed before it was placed`);
      await this.producer.send(toRecord(this.topics.shipping, { type: "ShipmentPrepared", payload: { order_id: orderId, customer_id: customerId } }));
      this.shipped.add(orderId);
    }
  }
}
