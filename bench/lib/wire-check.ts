/**
 * Checks the hand-written codec in wire.ts against the generated protobuf-es
 * code. The harness runs it before any scenario (it takes a few milliseconds),
 * so a wrong byte can never produce a fast but meaningless number.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  AckAction,
  AckRequestSchema,
  ProduceBatchRequestSchema,
  ProduceRequestSchema,
  SubscribeRequestSchema,
  SubscribeResponseSchema,
} from "../../src/gen/ferry/v1/broker_pb.js";
import { AckEncoder, BatchTemplate, encodeProduce, encodeSubscribe, scanSubscribeResponse, START_EARLIEST } from "./wire.js";

function assert(cond: boolean, what: string): void {
  if (!cond) throw new Error(`bench wire codec disagrees with protobuf-es: ${what}`);
}

export function checkWire(): void {
  const value = Buffer.alloc(100, 7);
  const p = fromBinary(ProduceRequestSchema, encodeProduce("t1", value));
  assert(p.topic === "t1" && Buffer.from(p.record!.value).equals(value) && p.partition === undefined, "ProduceRequest");

  const tpl = new BatchTemplate("topic-x", 300, 1024);
  const stamped = tpl.stamp(1234.5678);
  const b = fromBinary(ProduceBatchRequestSchema, stamped);
  assert(b.topic === "topic-x" && b.records.length === 300, "ProduceBatchRequest count");
  assert(b.records.every((r) => r.value.length === 1024 && Buffer.from(r.value).readDoubleLE(0) === 1234.5678), "ProduceBatchRequest values");

  const s = fromBinary(SubscribeRequestSchema, encodeSubscribe({ topic: "t", group: "g", from: START_EARLIEST, maxInFlight: 300_000, clientId: "c" }));
  assert(s.topic === "t" && s.group === "g" && s.start?.from === START_EARLIEST && s.maxInFlight === 300_000 && s.clientId === "c", "SubscribeRequest");
  const withDeadline = fromBinary(SubscribeRequestSchema, encodeSubscribe({ topic: "t", group: "g", from: START_EARLIEST, maxInFlight: 5, clientId: "c", ackDeadlineMs: 2000 }));
  assert(withDeadline.options?.ackDeadlineMs === 2000n && withDeadline.clientId === "c" && withDeadline.maxInFlight === 5, "SubscribeRequest options");

  const ack = new AckEncoder("t", "g", "m-1");
  ack.add(9, 1);
  ack.add(9, 300);
  const first = fromBinary(AckRequestSchema, ack.take(1).request); // takes the run 9@1 only
  assert(first.items.length === 1 && first.items[0]!.offset === 1n && ack.count === 1, "AckRequest prefix");
  const second = fromBinary(AckRequestSchema, ack.take().request);
  assert(second.items.length === 1 && second.items[0]!.offset === 300n && ack.count === 0, "AckRequest rest");
  ack.add(3, 2 ** 40 + 5);
  ack.add(0, 0);
  ack.add(3, 2 ** 40 + 6);
  ack.add(0, 1);
  ack.add(0, 2);
  const taken = ack.take();
  const a = fromBinary(AckRequestSchema, taken.request);
  assert(a.topic === "t" && a.group === "g" && a.memberId === "m-1" && a.items.length === 2 && taken.records === 5, "AckRequest");
  assert(a.items[0]!.partition === 3 && a.items[0]!.offset === BigInt(2 ** 40 + 5) && a.items[0]!.action === AckAction.ACK && a.items[0]!.count === 2n, "AckItem");
  assert(a.items[1]!.partition === 0 && a.items[1]!.offset === 0n && a.items[1]!.count === 3n, "AckItem run");
  for (let o = 0; o < 5; o++) ack.add(1, o);
  const head = ack.take(3);
  const tail = ack.take();
  const h = fromBinary(AckRequestSchema, head.request).items;
  const t = fromBinary(AckRequestSchema, tail.request).items;
  assert(head.records === 3 && h.length === 1 && h[0]!.offset === 0n && h[0]!.count === 3n, "AckRequest split run, head");
  assert(tail.records === 2 && t.length === 1 && t[0]!.offset === 3n && t[0]!.count === 2n && ack.count === 0, "AckRequest split run, tail");

  const assignment = toBinary(
    SubscribeResponseSchema,
    create(SubscribeResponseSchema, { event: { case: "assignment", value: { memberId: "abc", generation: 7n, partitions: [0, 2, 3] } } }),
  );
  let seen = "";
  scanSubscribeResponse(Buffer.from(assignment), () => undefined, (x) => (seen = `${x.memberId}/${x.generation}/${x.partitions.join(",")}`));
  assert(seen === "abc/7/0,2,3", `Assignment (${seen})`);

  const records = toBinary(
    SubscribeResponseSchema,
    create(SubscribeResponseSchema, {
      event: {
        case: "records",
        value: {
          records: [
            { partition: 2, offset: 99n, attempt: 1, appendTimeMs: 5n, record: { key: new Uint8Array([1]), value, headers: { h: new Uint8Array([2]) }, timestampMs: 9n } },
            { partition: 0, offset: 2n ** 35n, attempt: 3, record: { value: new Uint8Array(0) } },
          ],
        },
      },
    }),
  );
  const got: string[] = [];
  const n = scanSubscribeResponse(
    Buffer.from(records),
    (part, off, att, buf, vs, ve) => got.push(`${part}:${off}:${att}:${ve - vs}:${ve > vs ? buf[vs] : "-"}`),
    () => undefined,
  );
  assert(n === 2 && got.join(" ") === `2:99:1:100:7 0:${2 ** 35}:3:0:-`, `RecordBatch (${got.join(" ")})`);
}
