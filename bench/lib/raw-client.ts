/**
 * A grpc-js client for ferry.v1.BrokerService that sends and receives raw bytes
 * (requests are pre-encoded by wire.ts; responses are scanned, not decoded), so
 * the load generator spends its CPU on load, not on protobuf objects.
 */
import * as grpc from "@grpc/grpc-js";

const identity = (b: Buffer): Buffer => b;

function method(name: string, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path: `/ferry.v1.BrokerService/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

const definition = {
  Produce: method("Produce", false),
  ProduceBatch: method("ProduceBatch", false),
  Subscribe: method("Subscribe", true),
  Ack: method("Ack", false),
};

type UnaryName = "Produce" | "ProduceBatch" | "Ack";

const RawCtor = grpc.makeGenericClientConstructor(definition, "BrokerService");

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  "grpc-node.flow_control_window": 8 * 1024 * 1024,
  // one TCP connection per RawClient, so producers and consumers do not share one
  "grpc.use_local_subchannel_pool": 1,
};

export class RawClient {
  private readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new RawCtor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  unary(name: UnaryName, request: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
      fn.call(this.client, request, (err: grpc.ServiceError | null, res: Buffer) => (err ? reject(err) : resolve(res)));
    });
  }

  subscribe(request: Buffer): grpc.ClientReadableStream<Buffer> {
    const fn = (this.client as unknown as Record<string, (...a: unknown[]) => unknown>)["Subscribe"]!;
    return fn.call(this.client, request) as grpc.ClientReadableStream<Buffer>;
  }

  waitForReady(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    this.client.close();
  }
}
