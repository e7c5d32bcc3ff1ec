/**
 * The demo run: place the orders plus a declined, an out-of-stock and a
 * poison order; wait until every order is shipped or cancelled (with compensation)
 * and the poison event is dead-lettered; print everything; rebuild one order by replay.
 */
import { waitUntil } from "./wait.js";
import { CRASH_BEFORE_ACK_ORDER, DECLINED_ORDER, DEMO_ORDERS, DEMO_STOCK } from "./demo-orders.js";
import { formatEvent, type OrderEvent } from "./events.js";
import { rebuildOrder } from "./order-history.js";
import { startPipeline, type Pipeline } from "./pipeline.js";
import { printHistory, printOutputs, readDeadLetters, type Out } from "./report.js";

export interface DemoOptions {
  readonly address: string;
  readonly namespace?: string;
  readonly timeoutMs?: number;
}

/** Runs the demo and prints it; returns the stopped pipeline for inspection (close() it). */
export async function runDemo(options: DemoOptions, out: Out): Promise<Pipeline> {
  const pipeline = await startPipeline({
    address: options.address,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    stock: DEMO_STOCK,
    crashBeforeAckOrder: CRASH_BEFORE_ACK_ORDER,
    log: (line) => out(`  · ${line}`),
  });
  try {
    out("placing orders:");
    for (const order of DEMO_ORDERS) {
      const event: OrderEvent = { type: "OrderPlaced", payload: order };
      const { partition, offset } = await pipeline.orders.place(order);
      out(`  ${formatEvent(event)}  → ${pipeline.topics.orders} ${partition}/${offset}`);
    }
    const ids = DEMO_ORDERS.map((o) => o.order_id);
    const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    await pipeline.saga.whenFinal(ids, signal);
    await waitUntil(async () => (await readDeadLetters(pipeline.client, pipeline.billingDeadLetterTopic)).length > 0, signal, "the poison order's dead letter");
    await pipeline.stop();
    await printOutputs(pipeline, out);
    printHistory(await rebuildOrder(pipeline.client, pipeline.topics, DECLINED_ORDER.order_id), out);
    return pipeline;
  } catch (err) {
    await pipeline.close();
    throw err;
  }
}
