/**
 * Starts a broker: LMDB store, engine, grpc-js server with BrokerService,
 * AdminService, reflection and health. `close()` stops accepting calls, ends
 * open streams with UNAVAILABLE, finishes in-flight commits and closes LMDB.
 */
import { setMaxListeners } from "node:events";
import { writeFileSync, renameSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { BrokerConfig } from "../config.js";
import { Broker } from "../engine/broker.js";
import { viewAck, viewProduce, viewProduceBatch, type AckView, type ProduceBatchView } from "../engine/wire-views.js";
import { AdminService } from "../gen/ferry/v1/admin_pb.js";
import { BrokerService } from "../gen/ferry/v1/broker_pb.js";
import { GroupCoordinator } from "../groups/group-coordinator.js";
import type { Logger } from "../observability/logger.js";
import { LmdbStore } from "../storage/lmdb-store.js";
import type { Store } from "../storage/store.js";
import { BusyPoll } from "../util/busy-poll.js";
import { systemClock, type Clock } from "../util/clock.js";
import { adaptService, type AdapterOptions } from "./grpc-adapter.js";
import { addHealth } from "./health.js";
import { fetch } from "./handlers/fetch.js";
import { ack, deleteGroup, describeGroup, listGroups, resetGroupOffsets, subscribe } from "./handlers/groups.js";
import { produce, produceBatch } from "./handlers/produce.js";
import { createTopic, deleteTopic, describeTopic, listTopics } from "./handlers/topics.js";
import { addReflection } from "./reflection.js";
import { raiseReceiveWindow } from "./receive-window.js";

export interface RunningBroker {
  /** "host:port" actually bound. */
  readonly address: string;
  readonly port: number;
  readonly broker: Broker;
  readonly groups: GroupCoordinator;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
  /** Resolves once closed; never rejects. */
  readonly closed: Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** A store to use instead of opening LMDB at config.dataDir (tests). */
  readonly store?: Store;
}

export async function startBroker(config: BrokerConfig, logger: Logger, options: StartOptions = {}): Promise<RunningBroker> {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? new LmdbStore({ path: config.dataDir, sync: config.sync });
  const broker = new Broker(store, config, clock, logger.child({ c: "engine" }));
  const groups = new GroupCoordinator(broker, config, clock, logger.child({ c: "groups" }));
  const shutdown = new AbortController();
  // Every open call listens for shutdown: there is no meaningful listener limit.
  setMaxListeners(0, shutdown.signal);
  const server = new grpc.Server({
    "grpc.max_receive_message_length": config.maxRequestBytes,
    "grpc.max_send_message_length": config.maxRequestBytes,
    "grpc.keepalive_time_ms": config.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": config.keepaliveTimeoutMs,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc-node.max_session_memory": 64,
  });
  const busyPoll = new BusyPoll(config.busyPollUs);
  const adapterOptions: AdapterOptions = {
    shutdown: shutdown.signal,
    onInternalError: (err, method) => logger.error({ err, method }, "internal error"),
    // Off by default: then calls and stream writes carry no hook at all.
    ...(config.busyPollUs > 0 ? { onActivity: () => busyPoll.touch() } : {}),
  };
  const brokerService = adaptService<typeof BrokerService.method, { produce: ProduceBatchView; produceBatch: ProduceBatchView; ack: AckView }>(
    BrokerService,
    {
      produce: (req) => produce(broker, req),
      produceBatch: (req) => produceBatch(broker, req),
      fetch: async (req) => fetch(broker, req),
      subscribe: (req, ctx) => subscribe(groups, broker, req, ctx),
      ack: async (req) => ack(groups, req),
    },
    { produce: viewProduce, produceBatch: viewProduceBatch, ack: viewAck },
    adapterOptions,
  );
  const adminService = adaptService<typeof AdminService.method, Record<never, never>>(
    AdminService,
    {
      createTopic: (req) => createTopic(broker, req),
      deleteTopic: (req) => deleteTopic(broker, req),
      listTopics: async () => listTopics(broker),
      describeTopic: (req) => describeTopic(broker, req),
      listGroups: async (req) => listGroups(groups, req),
      describeGroup: async (req) => describeGroup(groups, req),
      resetGroupOffsets: (req) => resetGroupOffsets(groups, req),
      deleteGroup: (req) => deleteGroup(groups, req),
    },
    {},
    adapterOptions,
  );
  server.addService(brokerService.definition, brokerService.handlers);
  server.addService(adminService.definition, adminService.handlers);
  const serviceNames = [BrokerService.typeName, AdminService.typeName];
  const health = addHealth(server, serviceNames);
  addReflection(server, [...serviceNames, "grpc.health.v1.Health"]);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${config.host}:${config.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  }).catch(async (err: unknown) => {
    await broker.close();
    throw err;
  });
  if (!raiseReceiveWindow(server)) logger.warn("could not raise the HTTP/2 receive window (grpc-js internals changed): large requests will be slower");
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const address = `${host}:${port}`;
  if (config.portsFile) {
    const tmp = `${config.portsFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ grpc: address }) + "\n");
    renameSync(tmp, config.portsFile);
  }
  logger.info({ address, dataDir: config.dataDir, sync: config.sync }, "listening");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info("shutting down");
      health.notServing();
      shutdown.abort();
      busyPoll.close();
      groups.close();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await groups.drain();
      await broker.close();
      logger.info("stopped");
    })().catch((err: unknown) => logger.error({ err }, "shutdown failed"));
    return closing;
  };
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => (markClosed = r));
  return {
    address,
    port,
    broker,
    groups,
    close: () => close().finally(markClosed),
    closed,
  };
}
