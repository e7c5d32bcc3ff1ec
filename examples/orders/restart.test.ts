/**
 * A broker restart in the middle of a run loses nothing and duplicates nothing: the
 * broker is a child process, stopped with SIGTERM while orders are in flight and
 * started again on the same port and data dir; orders keep being placed meanwhile.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { spawnBroker, tempDir, type ChildBroker } from "../../test/helpers/broker.js";
import { generatedOrders } from "./demo-orders.js";
import { formatEvent, type EventType } from "./events.js";
import { startPipeline } from "./pipeline.js";
import { readEvents } from "./report.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stop(child: ChildBroker): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGTERM");
  await child.exited;
}

describe("examples/orders across a broker restart", () => {
  it("ships every order exactly once when the broker restarts mid-run", async () => {
    const dataDir = tempDir("ferry-orders-restart-");
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await spawnBroker(dataDir);
    let current = first;
    cleanups.push(() => stop(current));

    const { orders, stock } = generatedOrders(300);
    const log: string[] = [];
    const pipeline = await startPipeline({ address: first.address, stock, log: (l) => log.push(l) });
    cleanups.push(() => pipeline.close());
    const ids = orders.map((o) => o.order_id);
    const firstHalf = orders.slice(0, 150);
    const secondHalf = orders.slice(150);

    await Promise.all(firstHalf.map((o) => pipeline.orders.place(o)));
    await pipeline.saga.whenFinal(firstHalf.slice(0, 1).map((o) => o.order_id), AbortSignal.timeout(20_000));
    const finalBeforeRestart = ids.filter((id) => pipeline.saga.isFinal(id)).length;
    await stop(first);
    // Placed while the broker is down: the producer retries until it is back.
    const placing = Promise.all(secondHalf.map((o) => pipeline.orders.place(o)));
    current = await spawnBroker(dataDir, first.port);
    await placing;
    await pipeline.saga.whenFinal(ids, AbortSignal.timeout(60_000));

    // The restart really happened mid-run: some placed orders were done, others in flight.
    expect(finalBeforeRestart).toBeGreaterThan(0);
    expect(finalBeforeRestart).toBeLessThan(firstHalf.length);

    await pipeline.stop();
    const count = async (topic: string, type: EventType): Promise<Map<number, number>> => {
      const counts = new Map<number, number>();
      for (const e of await readEvents(pipeline.client, topic)) if (e.type === type) counts.set(e.payload.order_id, (counts.get(e.payload.order_id) ?? 0) + 1);
      return counts;
    };
    const exactlyOnce = (counts: Map<number, number>): void => {
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(ids);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    };
    const { topics } = pipeline;
    exactlyOnce(await count(topics.orders, "OrderPlaced"));
    exactlyOnce(await count(topics.orders, "OrderConfirmed"));
    exactlyOnce(await count(topics.orders, "OrderShipped"));
    exactlyOnce(await count(topics.inventory, "InventoryReserved"));
    exactlyOnce(await count(topics.billing, "PaymentProcessed"));
    exactlyOnce(await count(topics.shipping, "ShipmentPrepared"));
    expect([...pipeline.saga.orders.values()].every((s) => s.status === "shipped")).toBe(true);
    // Stock went down exactly once per order.
    const ordered = new Map<number, number>();
    for (const o of orders) for (const item of o.items) ordered.set(item.id, (ordered.get(item.id) ?? 0) + item.qty);
    for (const [id, qty] of ordered) expect(pipeline.inventory.stock.get(id)).toBe(stock[id]! - qty);
    // One spot check of the content, not just the counts.
    const sample = orders[200]!;
    expect((await readEvents(pipeline.client, topics.shipping)).filter((e) => e.payload.order_id === sample.order_id).map(formatEvent)).toEqual([
      `Prepare Shipment: {order_id: ${sample.order_id}, customer_id: ${sample.customer_id}}`,
    ]);
  });
});
