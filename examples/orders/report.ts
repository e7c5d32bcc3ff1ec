/** Reads what the pipeline produced, by replaying its topics, and prints it readably. */
import type { Client, Message } from "@ferry-broker/client";
import { formatEvent, formatValue, fromMessage, type OrderEvent } from "./events.js";
import type { OrderHistory } from "./order-history.js";
import type { Pipeline } from "./pipeline.js";

export type Out = (line: string) => void;

/** Every event of a topic, replayed from offset 0 up to its current end, in append order. */
export async function readEvents(client: Client, topic: string): Promise<OrderEvent[]> {
  const messages = await readMessages(client, topic);
  return messages.map(fromMessage);
}

export async function readMessages(client: Client, topic: string): Promise<Message[]> {
  const messages: Message[] = [];
  for await (const msg of client.reader({ topic, untilEnd: true })) messages.push(msg);
  return messages.sort((a, b) => a.appendTimeMs - b.appendTimeMs || a.partition - b.partition || a.offset - b.offset);
}

export interface DeadLetter {
  readonly event: OrderEvent;
  readonly attempts: string;
  readonly lastError: string;
  readonly origin: string;
}

export async function readDeadLetters(client: Client, topic: string): Promise<DeadLetter[]> {
  try {
    await client.admin.describeTopic(topic);
  } catch {
    return []; // no dead letter yet: the broker creates the topic with the first one
  }
  return (await readMessages(client, topic)).map((msg) => ({
    event: fromMessage(msg),
    attempts: msg.header("ferry-attempts") ?? "?",
    lastError: msg.header("ferry-last-error") ?? "",
    origin: `${msg.header("ferry-origin-topic")}/${msg.header("ferry-origin-partition")}/${msg.header("ferry-origin-offset")}`,
  }));
}

/** Prints each service topic, the order statuses, redeliveries and dead letters. */
export async function printOutputs(pipeline: Pipeline, out: Out): Promise<void> {
  const { client, topics } = pipeline;
  const sections: [string, string][] = [
    ["order service and saga → " + topics.orders, topics.orders],
    ["inventory → " + topics.inventory, topics.inventory],
    ["billing → " + topics.billing, topics.billing],
    ["shipping → " + topics.shipping, topics.shipping],
  ];
  for (const [title, topic] of sections) {
    out("");
    out(`== ${title}`);
    for (const event of await readEvents(client, topic)) out(`  ${formatEvent(event)}`);
  }
  out("");
  out("== order status (saga)");
  for (const s of [...pipeline.saga.orders.values()].sort((a, b) => a.orderId - b.orderId)) {
    const why = s.status === "cancelled" ? ` (${s.reason ?? "failed"})` : "";
    const compensation = s.compensations.length > 0 ? `; compensation: ${s.compensations.join(", ")}` : "";
    out(`  ${s.orderId}: ${s.status}${why}${compensation}`);
  }
  out("");
  out("== redeliveries");
  const redeliveries = pipeline.services.flatMap((s) => s.redeliveries);
  for (const line of redeliveries) out(`  ${line}`);
  if (redeliveries.length === 0) out("  (none)");
  out("");
  out(`== dead letters → ${pipeline.billingDeadLetterTopic}`);
  const letters = await readDeadLetters(client, pipeline.billingDeadLetterTopic);
  for (const l of letters) out(`  ${formatEvent(l.event)} from ${l.origin} after ${l.attempts} attempts: ${l.lastError}`);
  if (letters.length === 0) out("  (none)");
}

export function printHistory(history: OrderHistory, out: Out): void {
  out("");
  out(`== event sourcing: order ${history.orderId} rebuilt by replaying its events from offset 0`);
  for (const event of history.events) out(`  ${formatEvent(event)}`);
  out(`  state: ${formatValue(history.state)}`);
}
