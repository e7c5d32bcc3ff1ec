/**
 * The online-shop pipeline end to end on an in-process broker: the exact
 * outputs, the shipped and cancelled (compensated) paths, one redelivery that changes
 * nothing twice, one dead-lettered poison order, and the event-sourced rebuild.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestBroker, type TestBroker } from "../../test/helpers/broker.js";
import { runDemo } from "./demo.js";
import { DEMO_STOCK } from "./demo-orders.js";
import { formatEvent, type OrderEvent } from "./events.js";
import { rebuildOrder } from "./order-history.js";
import type { Pipeline } from "./pipeline.js";
import { readDeadLetters, readEvents } from "./report.js";

let broker: TestBroker;
let pipeline: Pipeline;
const printed: string[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
  pipeline = await runDemo({ address: broker.address, timeoutMs: 30_000 }, (line) => printed.push(line));
});

afterAll(async () => {
  await pipeline?.close();
  await broker?.close();
});

const lines = async (topic: string, orderIds?: number[]): Promise<string[]> =>
  (await readEvents(pipeline.client, topic)).filter((e: OrderEvent) => !orderIds || orderIds.includes(e.payload.order_id)).map(formatEvent);

describe("examples/orders", () => {
  it("publishes exactly the issue's outputs for orders 1001 and 1002", async () => {
    expect((await lines(pipeline.topics.orders, [1001, 1002])).filter((l) => l.startsWith("Order Placed")).sort()).toEqual([
      "Order Placed: {order_id: 1001, customer_id: 501, items: [{id: 1, qty: 2}, {id: 2, qty: 1}]}",
      "Order Placed: {order_id: 1002, customer_id: 502, items: [{id: 3, qty: 5}]}",
    ]);
    expect((await lines(pipeline.topics.inventory, [1001, 1002])).sort()).toEqual([
      "Update Inventory: {order_id: 1001, items: [{id: 1, qty: -2}, {id: 2, qty: -1}]}",
      "Update Inventory: {order_id: 1002, items: [{id: 3, qty: -5}]}",
    ]);
    expect((await lines(pipeline.topics.billing, [1001, 1002])).sort()).toEqual([
      "Process Payment: {order_id: 1001, amount: 150.00}",
      "Process Payment: {order_id: 1002, amount: 200.00}",
    ]);
    // Only shipped orders are prepared for shipment.
    expect((await lines(pipeline.topics.shipping)).sort()).toEqual([
      "Prepare Shipment: {order_id: 1001, customer_id: 501}",
      "Prepare Shipment: {order_id: 1002, customer_id: 502}",
    ]);
    for (const line of [
      "  Update Inventory: {order_id: 1001, items: [{id: 1, qty: -2}, {id: 2, qty: -1}]}",
      "  Process Payment: {order_id: 1002, amount: 200.00}",
      "  Prepare Shipment: {order_id: 1002, customer_id: 502}",
    ]) {
      expect(printed).toContain(line);
    }
  });

  it("ships an order that is paid and reserved", async () => {
    for (const id of [1001, 1002]) expect(pipeline.saga.orders.get(id)).toMatchObject({ status: "shipped", inventory: "reserved", payment: "paid", compensations: [] });
    expect(await lines(pipeline.topics.orders, [1001])).toEqual([
      "Order Placed: {order_id: 1001, customer_id: 501, items: [{id: 1, qty: 2}, {id: 2, qty: 1}]}",
      "Order Confirmed: {order_id: 1001}",
      "Order Shipped: {order_id: 1001}",
    ]);
  });

  it("cancels an order whose payment fails and releases its reservation", async () => {
    expect(pipeline.saga.orders.get(1003)).toMatchObject({ status: "cancelled", reason: "card declined", compensations: ["released reservation"] });
    expect(await lines(pipeline.topics.inventory, [1003])).toEqual([
      "Update Inventory: {order_id: 1003, items: [{id: 2, qty: -1}]}",
      "Release Inventory: {order_id: 1003, items: [{id: 2, qty: 1}]}",
    ]);
    expect(await lines(pipeline.topics.billing, [1003])).toEqual(['Payment Declined: {order_id: 1003, reason: "card declined"}']);
  });

  it("cancels an order that cannot be reserved and refunds its payment", async () => {
    expect(pipeline.saga.orders.get(1004)).toMatchObject({ status: "cancelled", inventory: "rejected", payment: "paid", compensations: ["refunded payment"] });
    expect(await lines(pipeline.topics.billing, [1004])).toEqual(["Process Payment: {order_id: 1004, amount: 20000.00}", "Refund Payment: {order_id: 1004, amount: 20000.00}"]);
    expect(pipeline.billing.charges.has(1004)).toBe(false);
    expect(await lines(pipeline.topics.shipping, [1003, 1004, 1005])).toEqual([]);
  });

  it("redelivers once after a crash before the ack, and changes nothing twice", async () => {
    const inventory = pipeline.services.find((s) => s.name === "inventory")!;
    expect(inventory.redeliveries).toEqual(["inventory: Order Placed 1001 redelivered (attempt 2)"]);
    expect((await lines(pipeline.topics.inventory, [1001])).length).toBe(1);
    // Stock went down once per reserved order; 1003 and 1005 were released again.
    expect(pipeline.inventory.stock.get(1)).toBe(DEMO_STOCK[1]! - 2);
    expect(pipeline.inventory.stock.get(2)).toBe(DEMO_STOCK[2]! - 1);
    expect(pipeline.inventory.stock.get(3)).toBe(DEMO_STOCK[3]! - 5);
    expect(pipeline.inventory.stock.get(99)).toBe(DEMO_STOCK[99]);
  });

  it("retries the poison order with backoff, dead-letters it with its reason, and lets the others through", async () => {
    const billing = pipeline.services.find((s) => s.name === "billing")!;
    expect(billing.redeliveries).toEqual(["billing: Order Placed 1005 redelivered (attempt 2)", "billing: Order Placed 1005 redelivered (attempt 3)"]);
    const letters = await readDeadLetters(pipeline.client, pipeline.billingDeadLetterTopic);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ attempts: "3", lastError: "no price for item 99" });
    expect(letters[0]!.event).toEqual({ type: "OrderPlaced", payload: { order_id: 1005, customer_id: 505, items: [{ id: 99, qty: 1 }] } });
    expect(pipeline.saga.orders.get(1005)).toMatchObject({ status: "cancelled", reason: "billing failed: no price for item 99", compensations: ["released reservation"] });
    expect(printed.some((l) => l.includes("after 3 attempts: no price for item 99"))).toBe(true);
  });

  it("rebuilds an order's state by replaying its events from offset 0", async () => {
    const cancelled = await rebuildOrder(pipeline.client, pipeline.topics, 1003);
    expect(cancelled.events.map((e) => e.type).sort()).toEqual(["InventoryReleased", "InventoryReserved", "OrderCancelled", "OrderPlaced", "PaymentDeclined"]);
    expect(cancelled.state).toEqual({ status: "cancelled", customerId: 503, reserved: { 2: 0 }, charged: 0, shipmentPrepared: false });
    const shipped = await rebuildOrder(pipeline.client, pipeline.topics, 1001);
    expect(shipped.state).toEqual({ status: "shipped", customerId: 501, reserved: { 1: -2, 2: -1 }, charged: 150, shipmentPrepared: true });
    expect(printed).toContain("== event sourcing: order 1003 rebuilt by replaying its events from offset 0");
  });

  it("runs as one command with --orders N and prints the throughput", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, "node_modules/vite-node/vite-node.mjs"), join(REPO_ROOT, "examples/orders/main.ts"), "--orders", "50"], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/broker started in-process/);
    expect(stdout).toMatch(/all 50 shipped after [\d.]+ s: \d+ orders\/s end to end/);
  });
});
