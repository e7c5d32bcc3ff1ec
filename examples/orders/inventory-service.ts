/**
 * Inventory: reserves stock for each placed order ("Update Inventory" with negative
 * quantities) or rejects it, and releases the reservation when the order is cancelled.
 * Idempotent: it remembers what it did per order, so a redelivered event changes nothing.
 */
import type { Producer } from "@ferry-broker/client";
import { toRecord, type EventOf, type Item, type OrderEvent, type Topics } from "./events.js";

export class InventoryService {
  readonly stock: Map<number, number>;
  /** Reservations still held, by order. */
  readonly reservations = new Map<number, readonly Item[]>();
  /** Orders whose OrderPlaced was handled (reserved or rejected). */
  private readonly handled = new Set<number>();
  private readonly cancelled = new Set<number>();

  constructor(
    private readonly producer: Producer,
    private readonly topics: Topics,
    stock: Record<number, number>,
  ) {
    this.stock = new Map(Object.entries(stock).map(([id, qty]) => [Number(id), qty]));
  }

  async handle(event: OrderEvent): Promise<void> {
    if (event.type === "OrderPlaced") await this.reserve(event);
    else if (event.type === "OrderCancelled") await this.release(event.payload.order_id);
  }

  private async reserve({ payload }: EventOf<"OrderPlaced">): Promise<void> {
    const orderId = payload.order_id;
    if (this.handled.has(orderId)) return; // a redelivery: already done
    if (this.cancelled.has(orderId)) {
      this.handled.add(orderId); // cancelled before we got here: nothing to reserve
      return;
    }
    const short = payload.items.find((item) => (this.stock.get(item.id) ?? 0) < item.qty);
    if (short) {
      const reason = this.stock.has(short.id) ? `not enough of item ${short.id} in stock (${short.qty} ordered)` : `unknown item ${short.id}`;
      await this.producer.send(toRecord(this.topics.inventory, { type: "InventoryRejected", payload: { order_id: orderId, reason } }));
    } else {
      const items = payload.items.map((item) => ({ id: item.id, qty: -item.qty }));
      await this.producer.send(toRecord(this.topics.inventory, { type: "InventoryReserved", payload: { order_id: orderId, items } }));
      for (const item of payload.items) this.stock.set(item.id, this.stock.get(item.id)! - item.qty);
      this.reservations.set(orderId, payload.items);
    }
    this.handled.add(orderId);
  }

  /** Compensation: put the reserved stock back. */
  private async release(orderId: number): Promise<void> {
    this.cancelled.add(orderId);
    const reserved = this.reservations.get(orderId);
    if (!reserved) return; // nothing held (rejected, never reserved, or already released)
    const items = reserved.map((item) => ({ id: item.id, qty: item.qty }));
    await this.producer.send(toRecord(this.topics.inventory, { type: "InventoryReleased", payload: { order_id: orderId, items } }));
    for (const item of reserved) this.stock.set(item.id, this.stock.get(item.id)! + item.qty);
    this.reservations.delete(orderId);
  }
}
