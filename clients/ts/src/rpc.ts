/**
 * A small promise-based grpc-js client for protobuf-es services. Unary calls
 * resolve to the decoded response or reject with a typed FerryError; server
 * streams are AsyncIterables cancelled through an AbortSignal. A request may be
 * given already encoded (a Uint8Array), which the Producer uses for its batches.
 */
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { toFerryError } from "./errors.js";

type In<M> = M extends { input: infer I extends DescMessage } ? MessageInitShape<I> : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? MessageShape<O> : never;

export interface CallOptions {
  /** Cancels the call. */
  readonly signal?: AbortSignal | undefined;
  /** The call's deadline, counted from now. */
  readonly timeoutMs?: number | undefined;
}

/** A running server stream: iterate it; `cancel()` ends it. */
export interface ServerStream<T> extends AsyncIterable<T> {
  cancel(): void;
}

export type Rpc<S extends GenServiceMethods> = {
  [K in keyof S]: S[K] extends { methodKind: "server_streaming" }
    ? (request: In<S[K]>, options?: CallOptions) => ServerStream<Out<S[K]>>
    : (request: In<S[K]> | Uint8Array, options?: CallOptions) => Promise<Out<S[K]>>;
};

type UnaryFn = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;
type StreamFn = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

function callOptions(options: CallOptions | undefined): grpc.CallOptions {
  return options?.timeoutMs ? { deadline: Date.now() + options.timeoutMs } : {};
}

/** Wraps a grpc-js stream so iteration errors come out as typed FerryErrors. */
async function* typed<T>(call: grpc.ClientReadableStream<unknown>, signal: AbortSignal | undefined, onAbort: () => void): AsyncGenerator<T> {
  try {
    for await (const value of call) yield value as T;
  } catch (err) {
    throw toFerryError(err);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    call.cancel();
  }
}

/** Creates a typed client for `service` on an existing grpc-js channel. */
export function createRpc<S extends GenServiceMethods>(service: GenService<S>, channel: grpc.Channel): Rpc<S> {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : Buffer.from(toBinary(method.input, create(method.input, value as MessageInitShape<DescMessage>))),
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: unknown) => value as Buffer,
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition, service.typeName);
  // The address is ignored: channelOverride supplies the connection.
  const client = new Ctor("unused", grpc.credentials.createInsecure(), { channelOverride: channel });
  const out: Record<string, unknown> = {};
  for (const method of service.methods) {
    const fn = (client as unknown as Record<string, UnaryFn & StreamFn>)[method.localName]!.bind(client);
    if (method.methodKind === "server_streaming") {
      out[method.localName] = (request: unknown, options?: CallOptions) => {
        const call = (fn as StreamFn)(request, new grpc.Metadata(), callOptions(options));
        const signal = options?.signal;
        const onAbort = (): void => call.cancel();
        if (signal?.aborted) call.cancel();
        else signal?.addEventListener("abort", onAbort, { once: true });
        const iterable = typed<unknown>(call, signal, onAbort);
        return { cancel: () => call.cancel(), [Symbol.asyncIterator]: () => iterable };
      };
    } else {
      out[method.localName] = (request: unknown, options?: CallOptions) =>
        new Promise((resolve, reject) => {
          const signal = options?.signal;
          const call = (fn as UnaryFn)(request, new grpc.Metadata(), callOptions(options), (err, res) => {
            signal?.removeEventListener("abort", onAbort);
            if (err) reject(toFerryError(err));
            else resolve(res);
          });
          function onAbort(): void {
            call.cancel();
          }
          if (signal?.aborted) call.cancel();
          else signal?.addEventListener("abort", onAbort, { once: true });
        });
    }
  }
  return out as Rpc<S>;
}
