/**
 * A promise-based grpc-js client for a protobuf-es service, used by the CLI and
 * the tests. Unary methods return the decoded response; server-streaming methods
 * return an AsyncIterable of responses, cancelled by an AbortSignal.
 */
import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";

type In<M> = M extends { input: infer I extends DescMessage } ? MessageInitShape<I> : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? MessageShape<O> : never;

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly deadlineMs?: number;
}

export type RpcClient<S extends GenServiceMethods> = {
  [K in keyof S]: S[K] extends { methodKind: "server_streaming" }
    ? (request: In<S[K]>, options?: CallOptions) => AsyncIterable<Out<S[K]>>
    : (request: In<S[K]>, options?: CallOptions) => Promise<Out<S[K]>>;
} & { close(): void; channel: grpc.Client };

/** Unary calls without their own deadline give up after this long (a broker that accepts
 * connections but never answers must not hang the CLI). */
export const DEFAULT_UNARY_DEADLINE_MS = 30_000;

export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  "grpc-node.flow_control_window": 8 * 1024 * 1024,
};

export function createRpcClient<S extends GenServiceMethods>(service: GenService<S>, address: string, channel?: grpc.Client): RpcClient<S> {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (value: unknown) => Buffer.from(toBinary(method.input, create(method.input, value as never))),
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (v: unknown) => v as Buffer,
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition, service.typeName);
  const client = channel
    ? new Ctor(address, grpc.credentials.createInsecure(), { channelOverride: channel.getChannel() })
    : new Ctor(address, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  const out: Record<string, unknown> = {
    close: () => client.close(),
    channel: client,
  };
  for (const method of service.methods) {
    const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method.localName]!.bind(client);
    const callOptions = (o: CallOptions | undefined, fallbackMs: number | undefined): grpc.CallOptions => {
      const ms = o?.deadlineMs ?? fallbackMs;
      return ms ? { deadline: Date.now() + ms } : {};
    };
    if (method.methodKind === "server_streaming") {
      out[method.localName] = (request: unknown, options?: CallOptions) => {
        const call = fn(request, new grpc.Metadata(), callOptions(options, undefined)) as grpc.ClientReadableStream<unknown>;
        options?.signal?.addEventListener("abort", () => call.cancel(), { once: true });
        return call as AsyncIterable<unknown>;
      };
    } else {
      out[method.localName] = (request: unknown, options?: CallOptions) =>
        new Promise((resolve, reject) => {
          const call = fn(request, new grpc.Metadata(), callOptions(options, DEFAULT_UNARY_DEADLINE_MS), (err: grpc.ServiceError | null, res: unknown) =>
            err ? reject(err) : resolve(res),
          ) as grpc.ClientUnaryCall;
          options?.signal?.addEventListener("abort", () => call.cancel(), { once: true });
        });
    }
  }
  return out as RpcClient<S>;
}

/** The `ferry-error-reason` of a failed call, if the server sent one. */
export function errorReason(err: unknown): string | undefined {
  const metadata = (err as { metadata?: grpc.Metadata }).metadata;
  const value = metadata?.get("ferry-error-reason")[0];
  return typeof value === "string" ? value : undefined;
}
