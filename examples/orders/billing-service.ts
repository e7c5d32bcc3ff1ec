/**
 * Billing: charges each placed order from the price list ("Process Payment"), or
 * declines it, and refunds the payment when the order is cancelled. An item missing
 * from the price list is a bug in the data, not a business outcome: the handler
 * throws, the broker retries with backoff, and the event ends in the dead-letter topic.
 * Idempotent: it remembers each order's charge.
 */
import type { Producer } from "@ferry-broker/client";
import { toRecord, type EventOf, type OrderEvent, type Topics } from "./events.js";

/** Prices in cents. */
export const PRICE_LIST_CENTS: Readonly<Record<number, number>> = { 1: 5000, 2: 5000, 3: 4000 };

export class BillingService {
  /** Amounts charged and not refunded, by order (in cents). */
  readonly charges = new Map<number, number>();
  private readonly handled = new Set<number>();
  private readonly cancelled = new Set<number>();

  constructor(
    private readonly producer: Producer,
    private readonly topics: Topics,
    /** Customers whose card is declined. */
    private readonly declinedCustomers: ReadonlySet<number>,
  ) {}

  async handle(event: OrderEvent): Promise<void> {
    if (event.type === "OrderPlaced") await this.charge(event);
    else if (event.type === "OrderCancelled") await this.refund(event.payload.order_id);
  }

  private async charge({ payload }: EventOf<"OrderPlaced">): Promise<void> {
    const orderId = payload.order_id;
    if (this.handled.has(orderId)) return; // a redelivery: already charged or declined
    if (this.cancelled.has(orderId)) {
      this.handled.add(orderId);
      return;
    }
    let cents = 0;
    for (const item of payload.items) {
      const price = PRICE_LIST_CENTS[item.id];
      if (price === undefined) throw new Error(`no price for item ${item.id}`);
      cents += price * item.qty;
    }
    if (this.declinedCustomers.has(payload.customer_id)) {
      await this.producer.send(toRecord(this.topics.billing, { type: "PaymentDeclined", payload: { order_id: orderId, reason: "card declined" } }));
    } else {
      await this.producer.send(toRecord(this.topics.billing, { type: "PaymentProcessed", payload: { order_id: orderId, amount: cents / 100 } }));
      this.charges.set(orderId, cents);
    }
    this.handled.add(orderId);
  }

  /** Compensation: give the money back. */
  private async refund(orderId: number): Promise<void> {
    this.cancelled.add(orderId);
    const cents = this.charges.get(orderId);
    if (cents === undefined) return;
    await this.producer.send(toRecord(this.topics.billing, { type: "PaymentRefunded", payload: { order_id: orderId, amount: cents / 100 } }));
    this.charges.delete(orderId);
  }
}
