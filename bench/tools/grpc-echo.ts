/**
 * The grpc-js floor: a bare grpc-js server that answers ferry.v1.BrokerService/Produce
 * with a constant reply and does nothing else (no parsing, no storage). Driving it with
 * ghz exactly as the broker is driven shows how much of a unary call's cost is grpc-js
 * and Node's HTTP/2 alone. Prints its port on stdout once listening.
 */
import * as grpc from "@grpc/grpc-js";

const identity = (b: Buffer): Buffer => b;
const definition = {
  Produce: {
    path: "/ferry.v1.BrokerService/Produce",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
// ProduceResponse { partition: 0, offset: 1 }
const reply = Buffer.from([0x10, 0x01]);
const server = new grpc.Server();
server.addService(definition, { Produce: (_call: unknown, cb: (err: null, res: Buffer) => void) => cb(null, reply) });
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${port}\n`);
});
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
