/** The connection to one broker: one grpc-js channel shared by producers, consumers and admin. */
import * as grpc from "@grpc/grpc-js";
import { AdminService } from "./gen/ferry/v1/admin_pb.js";
import { BrokerService } from "./gen/ferry/v1/broker_pb.js";
import { Admin } from "./admin.js";
import { Consumer, type ConsumerOptions } from "./consumer.js";
import { Producer, type ProducerOptions } from "./producer.js";
import { Reader, type ReaderOptions } from "./reader.js";
import { createRpc, type Rpc } from "./rpc.js";

/** @defaultValue 4 MiB: larger than one 1000-record batch (the HTTP/2 default is 64 KiB). */
export const DEFAULT_FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;
/** @defaultValue 64 MiB, as the broker's max_request_bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** @defaultValue 10000: ping a quiet connection this often (with or without calls open)… */
export const DEFAULT_KEEPALIVE_TIME_MS = 10_000;
/** @defaultValue 5000: …and drop it (UNAVAILABLE) when no answer comes within this. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 5_000;

export interface ClientOptions {
  /** HTTP/2 flow-control window. @defaultValue DEFAULT_FLOW_CONTROL_WINDOW_BYTES */
  readonly flowControlWindowBytes?: number;
  /** Largest message sent or received. @defaultValue DEFAULT_MAX_MESSAGE_BYTES */
  readonly maxMessageBytes?: number;
  /**
   * HTTP/2 keepalive, also while no call is open (as the Go and Python clients), so a consumer
   * notices a broker that froze or vanished without closing the connection and reconnects,
   * and an idle producer's next call dials afresh. @defaultValue DEFAULT_KEEPALIVE_TIME_MS
   */
  readonly keepaliveTimeMs?: number;
  /** @defaultValue DEFAULT_KEEPALIVE_TIMEOUT_MS */
  readonly keepaliveTimeoutMs?: number;
  /** Extra grpc-js channel options; they win over the ones above. */
  readonly channelOptions?: grpc.ChannelOptions;
}

export class Client {
  readonly broker: Rpc<typeof BrokerService.method>;
  readonly adminRpc: Rpc<typeof AdminService.method>;
  /** Topic and group administration. */
  readonly admin: Admin;
  private readonly channel: grpc.Channel;
  private isClosed = false;

  /** `address` is `host:port`. Connecting is lazy: the first call dials. */
  constructor(
    readonly address: string,
    options: ClientOptions = {},
  ) {
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.channel = new grpc.Channel(address, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": maxMessageBytes,
      "grpc.max_send_message_length": maxMessageBytes,
      "grpc-node.flow_control_window": options.flowControlWindowBytes ?? DEFAULT_FLOW_CONTROL_WINDOW_BYTES,
      "grpc.keepalive_time_ms": options.keepaliveTimeMs ?? DEFAULT_KEEPALIVE_TIME_MS,
      "grpc.keepalive_timeout_ms": options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
      "grpc.keepalive_permit_without_calls": 1,
      ...options.channelOptions,
    });
    this.broker = createRpc(BrokerService, this.channel);
    this.adminRpc = createRpc(AdminService, this.channel);
    this.admin = new Admin(this.adminRpc);
  }

  /** A new Producer on this connection. */
  producer(options: ProducerOptions = {}): Producer {
    return new Producer(this, options);
  }

  /** A new Consumer in a group on this connection; it joins at once. */
  consumer(options: ConsumerOptions): Consumer {
    return new Consumer(this, options);
  }

  /** A new group-less Reader (replay) on this connection. */
  reader(options: ReaderOptions): Reader {
    return new Reader(this, options);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Closes the channel. Close producers and consumers first. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.channel.close();
  }
}

/** Connects to a broker at `host:port`. */
export function connect(address: string, options: ClientOptions = {}): Client {
  return new Client(address, options);
}
