/**
 * Serves protobuf-es generated services with grpc-js. Each method is a grpc-js
 * MethodDefinition whose request bytes reach the handler wrapper undecoded, so a
 * malformed request becomes INVALID_ARGUMENT (not INTERNAL) and hot methods can
 * read the wire format directly. Responses may be messages or pre-encoded bytes.
 * This is the only code that calls `call.write()`; it waits for 'drain', and after
 * every message it lets the event loop poll I/O before producing the next one.
 */
import { once } from "node:events";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import type * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { InvalidArgumentError, ShuttingDownError } from "../errors.js";
import { toStatus } from "./status.js";

/** What a handler knows about its call. */
export interface CallContext {
  /** Aborted when the client cancels, the deadline passes, or the server shuts down. */
  readonly signal: AbortSignal;
  /** The client's address. */
  readonly peer: string;
}

type Req<M> = M extends { input: infer I extends DescMessage } ? MessageShape<I> : never;
type Res<M> = M extends { output: infer O extends DescMessage } ? MessageShape<O> : never;

/** Handlers for a service: unary methods return a response, streaming methods an AsyncIterable.
 * A response may be given as its encoded bytes. Requests may be parsed by `parsers`. */
export type ServiceImpl<S extends GenServiceMethods, P extends Partial<Record<keyof S, unknown>> = Record<never, never>> = {
  [K in keyof S]: S[K] extends { methodKind: "server_streaming" }
    ? (request: K extends keyof P ? P[K] : Req<S[K]>, ctx: CallContext) => AsyncIterable<Res<S[K]> | Uint8Array>
    : (request: K extends keyof P ? P[K] : Req<S[K]>, ctx: CallContext) => Promise<Res<S[K]> | Uint8Array>;
};

/** Custom request parsers by method name: bytes in, handler input out. */
export type RequestParsers<S extends GenServiceMethods> = { [K in keyof S]?: (bytes: Uint8Array) => unknown };

export interface AdapterOptions {
  /** Aborts every open call (server shutdown). */
  readonly shutdown: AbortSignal;
  /** Logs unexpected handler errors (they reach the client as INTERNAL "internal error"). */
  readonly onInternalError: (err: unknown, method: string) => void;
  /** Called when a call starts, answers or writes (keeps busy-polling going). */
  readonly onActivity?: () => void;
}

const identity = (b: Buffer): Buffer => b;

function encode(schema: DescMessage, value: unknown): Buffer {
  const bytes = value instanceof Uint8Array ? value : toBinary(schema, value as never);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A per-call signal, aborted by client cancel or server shutdown. `dispose` detaches it
 * once the call is over, without aborting: grpc-js emits 'cancelled' even after a
 * completed call, and building an abort reason costs a stack trace. */
function linkSignal(shutdown: AbortSignal, call: { on(ev: "cancelled", fn: () => void): unknown }): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let over = false;
  const abort = (): void => {
    if (!over) controller.abort();
  };
  if (shutdown.aborted) controller.abort();
  else shutdown.addEventListener("abort", abort, { once: true });
  call.on("cancelled", abort);
  return {
    signal: controller.signal,
    dispose: () => {
      over = true;
      shutdown.removeEventListener("abort", abort);
    },
  };
}

/** Builds the grpc-js service definition and handlers for `service`. */
export function adaptService<S extends GenServiceMethods, P extends Partial<Record<keyof S, unknown>>>(
  service: GenService<S>,
  impl: ServiceImpl<S, P>,
  parsers: RequestParsers<S>,
  options: AdapterOptions,
): { definition: grpc.ServiceDefinition; handlers: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<Buffer, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const name = method.localName as keyof S & string;
    const path = `/${service.typeName}/${method.name}`;
    const custom = parsers[name];
    const parse = (bytes: Buffer): unknown => {
      try {
        return custom ? custom(bytes) : fromBinary(method.input, bytes);
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw err;
        throw new InvalidArgumentError(`request is not a valid ${method.input.typeName}: ${(err as Error).message}`);
      }
    };
    const streaming = method.methodKind === "server_streaming";
    definition[method.name] = {
      path,
      requestStream: false,
      responseStream: streaming,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: (value: unknown) => encode(method.output, value),
      responseDeserialize: identity,
      originalName: method.localName,
    };
    const fn = impl[name] as unknown as (req: unknown, ctx: CallContext) => unknown;
    const onInternal = (err: unknown): void => options.onInternalError(err, path);
    const active = options.onActivity ?? ((): void => undefined);
    if (!streaming) {
      handlers[method.name] = (call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        active();
        const link = linkSignal(options.shutdown, call);
        const ctx: CallContext = { signal: link.signal, peer: call.getPeer() };
        Promise.resolve()
          .then(() => fn(parse(call.request), ctx) as Promise<unknown>)
          .then(
            (response) => callback(null, response),
            (err: unknown) => callback(toStatus(err, onInternal)),
          )
          .finally(() => {
            link.dispose();
            active();
          });
      };
    } else {
      handlers[method.name] = (call: grpc.ServerWritableStream<Buffer, unknown>) => {
        const link = linkSignal(options.shutdown, call);
        const ctx: CallContext = { signal: link.signal, peer: call.getPeer() };
        void (async () => {
          try {
            const stream = fn(parse(call.request), ctx) as AsyncIterable<unknown>;
            for await (const message of stream) {
              if (call.cancelled) break;
              active();
              if (!call.write(message)) await once(call, "drain", { signal: link.signal });
              // A write that fits HTTP/2's window returns true at once, so without this a
              // subscription would fill a member's whole max_in_flight (tens of thousands
              // of records) in one macrotask while every other call's bytes wait unread.
              else await nextMacrotask();
            }
            if (options.shutdown.aborted) throw new ShuttingDownError();
            if (!call.cancelled) call.end();
          } catch (err) {
            if (call.cancelled) return;
            call.emit("error", toStatus(options.shutdown.aborted ? new ShuttingDownError() : err, onInternal));
          } finally {
            link.dispose();
          }
        })();
      };
    }
  }
  return { definition: definition as grpc.ServiceDefinition, handlers };
}
