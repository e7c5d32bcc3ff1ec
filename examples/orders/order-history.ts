/**
 * Event sourcing: rebuild one order's state from its events alone, by replaying each
 * topic from offset 0 with a group-less Reader. Every event is keyed by order id, so
 * only the one partition holding that key needs reading in each topic.
 */
import { partitionForKey, type Client } from "@ferry-broker/client";
import { fromMessage, type OrderEvent, type Topics } from "./events.js";

export interface OrderHistory {
  readonly orderId: number;
  /** The order's events in append order (by the broker's append time across topics). */
  readonly events: readonly OrderEvent[];
  /** The state those events add up to. */
  readonly state: {
    status: "unknown" | "placed" | "confirmed" | "shipped" | "cancelled";
    customerId: number;
    /** Net reserved quantity per item (negative while held). */
    reserved: Record<number, number>;
    /** Net amount charged. */
    charged: number;
    shipmentPrepared: boolean;
  };
}

export async function rebuildOrder(client: Client, topics: Topics, orderId: number): Promise<OrderHistory> {
  const key = Buffer.from(String(orderId));
  const found: { event: OrderEvent; at: number; seq: number }[] = [];
  for (const topic of [topics.orders, topics.inventory, topics.billing, topics.shipping]) {
    const { topic: info } = await client.admin.describeTopic(topic);
    const partition = partitionForKey(key, info.partitions);
    for await (const msg of client.reader({ topic, partition, start: "earliest", untilEnd: true })) {
      if (msg.keyText() === String(orderId)) found.push({ event: fromMessage(msg), at: msg.appendTimeMs, seq: found.length });
    }
  }
  const events = found.sort((a, b) => a.at - b.at || a.seq - b.seq).map((f) => f.event);
  const state: OrderHistory["state"] = { status: "unknown", customerId: 0, reserved: {}, charged: 0, shipmentPrepared: false };
  for (const event of events) apply(state, event);
  return { orderId, events, state };
}

function apply(state: OrderHistory["state"], event: OrderEvent): void {
  switch (event.type) {
    case "OrderPlaced":
      state.status = "placed";
      state.customerId = event.payload.customer_id;
      break;
    case "OrderConfirmed":
      state.status = "confirmed";
      break;
    case "OrderShipped":
      state.status = "shipped";
      break;
    case "OrderCancelled":
      state.status = "cancelled";
      break;
    case "InventoryReserved":
    case "InventoryReleased":
      for (const item of event.payload.items) state.reserved[item.id] = (state.reserved[item.id] ?? 0) + item.qty;
      break;
    case "PaymentProcessed":
      state.charged += event.payload.amount;
      break;
    case "PaymentRefunded":
      state.charged -= event.payload.amount;
      break;
    case "ShipmentPrepared":
      state.shipmentPrepared = true;
      break;
    default:
      break;
  }
}
