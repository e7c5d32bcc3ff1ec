/**
 * The pipeline's events: one union type, the topics they travel on, and the
 * readable form the example prints (`Process Payment: {order_id: 1001, amount: 150.00}`).
 * Every event is keyed by its order id, so one order's events stay in order.
 */
import type { Message, ProducerRecord } from "@ferry-broker/client";

export interface Item {
  readonly id: number;
  readonly qty: number;
}

export type OrderEvent =
  | { readonly type: "OrderPlaced"; readonly payload: { readonly order_id: number; readonly customer_id: number; readonly items: readonly Item[] } }
  | { readonly type: "OrderConfirmed"; readonly payload: { readonly order_id: number } }
  | { readonly type: "OrderShipped"; readonly payload: { readonly order_id: number } }
  | { readonly type: "OrderCancelled"; readonly payload: { readonly order_id: number; readonly reason: string } }
  | { readonly type: "InventoryReserved"; readonly payload: { readonly order_id: number; readonly items: readonly Item[] } }
  | { readonly type: "InventoryRejected"; readonly payload: { readonly order_id: number; readonly reason: string } }
  | { readonly type: "InventoryReleased"; readonly payload: { readonly order_id: number; readonly items: readonly Item[] } }
  | { readonly type: "PaymentProcessed"; readonly payload: { readonly order_id: number; readonly amount: number } }
  | { readonly type: "PaymentDeclined"; readonly payload: { readonly order_id: number; readonly reason: string } }
  | { readonly type: "PaymentRefunded"; readonly payload: { readonly order_id: number; readonly amount: number } }
  | { readonly type: "ShipmentPrepared"; readonly payload: { readonly order_id: number; readonly customer_id: number } };

export type EventType = OrderEvent["type"];
export type EventOf<T extends EventType> = Extract<OrderEvent, { type: T }>;

/** How each event reads in the output. */
export const LABELS: Readonly<Record<EventType, string>> = {
  OrderPlaced: "Order Placed",
  OrderConfirmed: "Order Confirmed",
  OrderShipped: "Order Shipped",
  OrderCancelled: "Order Cancelled",
  InventoryReserved: "Update Inventory",
  InventoryRejected: "Inventory Rejected",
  InventoryReleased: "Release Inventory",
  PaymentProcessed: "Process Payment",
  PaymentDeclined: "Payment Declined",
  PaymentRefunded: "Refund Payment",
  ShipmentPrepared: "Prepare Shipment",
};

/** The topics, optionally under a namespace (`ns.orders`) so runs can share a broker. */
export interface Topics {
  readonly orders: string;
  readonly inventory: string;
  readonly billing: string;
  readonly shipping: string;
}

export function topicNames(namespace = ""): Topics {
  const name = (t: string): string => (namespace ? `${namespace}.${t}` : t);
  return { orders: name("orders"), inventory: name("inventory"), billing: name("billing"), shipping: name("shipping") };
}

export const TYPE_HEADER = "type";

/** The record for an event: keyed by order id, type in a header, payload as JSON. */
export function toRecord(topic: string, event: OrderEvent): ProducerRecord {
  return { topic, key: String(event.payload.order_id), value: JSON.stringify(event.payload), headers: { [TYPE_HEADER]: event.type } };
}

/** Parses a delivered record; throws on anything malformed (a poison record). */
export function fromMessage(msg: Message): OrderEvent {
  const type = msg.header(TYPE_HEADER);
  if (type === undefined || !Object.hasOwn(LABELS, type)) throw new Error(`unknown event type '${type ?? ""}'`);
  const payload = msg.json<{ order_id?: unknown }>();
  if (typeof payload !== "object" || payload === null || typeof payload.order_id !== "number") throw new Error("event without a numeric order_id");
  return { type, payload } as OrderEvent;
}

/** `{order_id: 1001, items: [{id: 1, qty: -2}]}`, amounts with two decimals. */
export function formatValue(value: unknown, key = ""): string {
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v)).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v, k)}`).join(", ")}}`;
  }
  if (typeof value === "number" && key === "amount") return value.toFixed(2);
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

export function formatEvent(event: OrderEvent): string {
  return `${LABELS[event.type]}: ${formatValue(event.payload)}`;
}
