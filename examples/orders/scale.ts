/** `--orders N`: N generated orders through the whole pipeline, and the throughput. */
import { generatedOrders } from "./demo-orders.js";
import { startPipeline } from "./pipeline.js";
import type { Out } from "./report.js";

/** Events per successful order: placed, reserved, paid, confirmed, shipment prepared, shipped. */
export const EVENTS_PER_ORDER = 6;

export async function runScale(options: { address: string; namespace?: string; orders: number; timeoutMs?: number }, out: Out): Promise<{ ordersPerSecond: number }> {
  const { orders, stock } = generatedOrders(options.orders);
  const pipeline = await startPipeline({ address: options.address, ...(options.namespace === undefined ? {} : { namespace: options.namespace }), stock, log: out });
  try {
    out(`placing ${orders.length} orders…`);
    const started = performance.now();
    await Promise.all(orders.map((order) => pipeline.orders.place(order)));
    const placed = performance.now();
    await pipeline.saga.whenFinal(
      orders.map((o) => o.order_id),
      AbortSignal.timeout(options.timeoutMs ?? 10 * 60_000),
    );
    const seconds = (performance.now() - started) / 1000;
    const shipped = [...pipeline.saga.orders.values()].filter((s) => s.status === "shipped").length;
    const ordersPerSecond = orders.length / seconds;
    out(`placed ${orders.length} orders in ${((placed - started) / 1000).toFixed(2)} s (${(orders.length / ((placed - started) / 1000)).toFixed(0)} orders/s)`);
    out(`all ${shipped} shipped after ${seconds.toFixed(2)} s: ${ordersPerSecond.toFixed(0)} orders/s end to end, ${(ordersPerSecond * EVENTS_PER_ORDER).toFixed(0)} events/s`);
    return { ordersPerSecond };
  } finally {
    await pipeline.close();
  }
}
