/** The orders the example places: the issue's two, the failure cases, or N generated ones. */
import type { Order } from "./order-service.js";

/** The two orders from the issue; both end `shipped`. */
export const ISSUE_ORDERS: readonly Order[] = [
  { order_id: 1001, customer_id: 501, items: [{ id: 1, qty: 2 }, { id: 2, qty: 1 }] },
  { order_id: 1002, customer_id: 502, items: [{ id: 3, qty: 5 }] },
];

/** Customer 503's card is declined: inventory reserved, payment declined → reservation released. */
export const DECLINED_ORDER: Order = { order_id: 1003, customer_id: 503, items: [{ id: 2, qty: 1 }] };
/** More of item 3 than in stock: payment taken, inventory rejected → payment refunded. */
export const OUT_OF_STOCK_ORDER: Order = { order_id: 1004, customer_id: 504, items: [{ id: 3, qty: 500 }] };
/**
 * Item 99 is in stock but has no price: billing throws, retries with backoff, and the
 * event is dead-lettered; the saga then cancels the order and inventory releases it.
 */
export const POISON_ORDER: Order = { order_id: 1005, customer_id: 505, items: [{ id: 99, qty: 1 }] };

export const DEMO_ORDERS: readonly Order[] = [...ISSUE_ORDERS, DECLINED_ORDER, OUT_OF_STOCK_ORDER, POISON_ORDER];
export const DECLINED_CUSTOMERS: ReadonlySet<number> = new Set([DECLINED_ORDER.customer_id]);
/** Inventory's redelivery demo: it "crashes" once after reserving this order, before acking. */
export const CRASH_BEFORE_ACK_ORDER = 1001;

export const DEMO_STOCK: Readonly<Record<number, number>> = { 1: 100, 2: 100, 3: 100, 99: 10 };

/** `count` orders that all succeed (ids from 100001), with stock to match. */
export function generatedOrders(count: number): { orders: Order[]; stock: Record<number, number> } {
  const orders: Order[] = [];
  for (let i = 0; i < count; i++) {
    const items = [{ id: 1 + (i % 3), qty: 1 + (i % 4) }];
    if (i % 2 === 0) items.push({ id: 1 + ((i + 1) % 3), qty: 1 });
    orders.push({ order_id: 100_001 + i, customer_id: 600 + (i % 100), items });
  }
  return { orders, stock: { 1: count * 10, 2: count * 10, 3: count * 10 } };
}
