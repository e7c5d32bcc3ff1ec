/**
 * The order saga (an orchestrator). Inventory and billing handle each order in
 * parallel; the saga listens to both:
 *  - both succeeded → "Order Confirmed" → shipping prepares the shipment → `shipped`;
 *  - either failed → "Order Cancelled" → inventory releases the reservation and billing
 *    refunds the payment (compensation) → `cancelled`.
 * An order billing could not handle at all (dead-lettered after its retries) counts as
 * a failed payment. Its decisions go to the orders topic, keyed by order id, so every
 * service sees them after the order itself. Events of one order are handled one at a time.
 */
import type { Producer } from "@ferry-broker/client";
import { toRecord, type OrderEvent, type Topics } from "./events.js";

export type OrderStatus = "pending" | "confirmed" | "shipped" | "cancelled";

export interface OrderSagaState {
  readonly orderId: number;
  status: OrderStatus;
  inventory?: "reserved" | "rejected";
  payment?: "paid" | "declined" | "failed";
  reason?: string;
  /** Compensations done: "released reservation", "refunded payment". */
  readonly compensations: string[];
}

export class OrderSaga {
  readonly orders = new Map<number, OrderSagaState>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly producer: Producer,
    private readonly topics: Topics,
  ) {}

  async handle(event: OrderEvent): Promise<void> {
    const state = this.state(event.payload.order_id);
    switch (event.type) {
      case "InventoryReserved":
      case "InventoryRejected":
        state.inventory ??= event.type === "InventoryReserved" ? "reserved" : "rejected";
        if (event.type === "InventoryRejected") state.reason ??= event.payload.reason;
        await this.decide(state);
        break;
      case "PaymentProcessed":
      case "PaymentDeclined":
        state.payment ??= event.type === "PaymentProcessed" ? "paid" : "declined";
        if (event.type === "PaymentDeclined") state.reason ??= event.payload.reason;
        await this.decide(state);
        break;
      case "ShipmentPrepared":
        if (state.status === "confirmed") await this.publish(state, "shipped", { type: "OrderShipped", payload: { order_id: state.orderId } });
        break;
      case "InventoryReleased":
        this.compensated(state, "released reservation");
        break;
      case "PaymentRefunded":
        this.compensated(state, "refunded payment");
        break;
      default:
        break;
    }
  }

  /** Billing dead-lettered this order's event: the payment failed. */
  async paymentFailed(orderId: number, reason: string): Promise<void> {
    const state = this.state(orderId);
    state.payment ??= "failed";
    state.reason ??= `billing failed: ${reason}`;
    await this.decide(state);
  }

  /** True once the order is shipped, or cancelled with every compensation it needs done. */
  isFinal(orderId: number): boolean {
    const s = this.orders.get(orderId);
    if (!s) return false;
    if (s.status === "shipped") return true;
    if (s.status !== "cancelled") return false;
    const needs = (s.inventory === "reserved" ? 1 : 0) + (s.payment === "paid" ? 1 : 0);
    return s.compensations.length >= needs;
  }

  /** Resolves once every order in `orderIds` is final. */
  whenFinal(orderIds: readonly number[], signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (signal?.aborted) {
          this.listeners.delete(check);
          reject(new Error("aborted while waiting for orders to finish"));
        } else if (orderIds.every((id) => this.isFinal(id))) {
          this.listeners.delete(check);
          resolve();
        }
      };
      this.listeners.add(check);
      signal?.addEventListener("abort", check, { once: true });
      check();
    });
  }

  private async decide(state: OrderSagaState): Promise<void> {
    if (state.status !== "pending") return;
    if (state.inventory === "rejected" || state.payment === "declined" || state.payment === "failed") {
      // Cancel at the first failure: the other side compensates if it had succeeded.
      await this.publish(state, "cancelled", { type: "OrderCancelled", payload: { order_id: state.orderId, reason: state.reason ?? "failed" } });
    } else if (state.inventory === "reserved" && state.payment === "paid") {
      await this.publish(state, "confirmed", { type: "OrderConfirmed", payload: { order_id: state.orderId } });
    }
  }

  /** Publishes the decision first; the state changes only once it is durable. */
  private async publish(state: OrderSagaState, status: OrderStatus, event: OrderEvent): Promise<void> {
    await this.producer.send(toRecord(this.topics.orders, event));
    state.status = status;
    this.changed();
  }

  private compensated(state: OrderSagaState, what: string): void {
    if (!state.compensations.includes(what)) state.compensations.push(what);
    this.changed();
  }

  private state(orderId: number): OrderSagaState {
    let state = this.orders.get(orderId);
    if (!state) {
      state = { orderId, status: "pending", compensations: [] };
      this.orders.set(orderId, state);
    }
    return state;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
