// Quick start: produce a record, consume it in a group, ack it.
// Run: npx vite-node clients/ts/examples/quickstart.ts [HOST:PORT]   (or set FERRY_BROKER)
import { connect } from "@ferry-broker/client";

const address = process.argv[2] ?? process.env["FERRY_BROKER"] ?? "127.0.0.1:7070";
const client = connect(address);

// Produce: send() resolves once the record is on disk. Sends are batched for you.
const producer = client.producer({ topic: "greetings" });
const { partition, offset } = await producer.send({ key: "user-1", value: "hello, ferry" });
console.log(`sent to partition ${partition} at offset ${offset}`);
await producer.close();

// Consume in a group: each group gets every record; ack each one when done.
const consumer = client.consumer({ topic: "greetings", group: "greeters" });
for await (const msg of consumer) {
  console.log(`received '${msg.text()}' (key ${msg.keyText()}, attempt ${msg.attempt})`);
  msg.ack();
  break; // leaves the group; pending acks are sent first
}
client.close();
