/**
 * `npm run example:orders [-- --broker HOST:PORT] [--orders N] [--namespace NS]`
 *
 * Starts a broker in-process (a temporary data dir) unless --broker is given, then
 * runs the demo (or N generated orders with --orders) and prints the outputs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/observability/logger.js";
import { startBroker } from "../../src/server/broker-server.js";
import { runDemo } from "./demo.js";
import { runScale } from "./scale.js";

const { values } = parseArgs({
  options: { broker: { type: "string" }, orders: { type: "string" }, namespace: { type: "string" }, help: { type: "boolean", short: "h" } },
  allowPositionals: false,
});
if (values.help) {
  console.log("usage: npm run example:orders [-- --broker HOST:PORT] [--orders N] [--namespace NS]");
  process.exit(0);
}
const orders = values.orders === undefined ? undefined : Number(values.orders);
if (orders !== undefined && (!Number.isSafeInteger(orders) || orders < 1)) {
  console.error(`--orders must be a whole number above 0, got '${values.orders}'`);
  process.exit(2);
}

let address = values.broker;
let stopBroker = async (): Promise<void> => undefined;
if (address === undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), "ferry-orders-"));
  const config = loadConfig({ env: {}, flags: { host: "127.0.0.1", port: 0, dataDir, logLevel: "warn" } });
  const broker = await startBroker(config, createLogger(config.logLevel));
  address = broker.address;
  stopBroker = async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  console.log(`broker started in-process on ${address} (data in ${dataDir})`);
}

const out = (line: string): void => console.log(line);
try {
  const namespace = values.namespace === undefined ? {} : { namespace: values.namespace };
  if (orders === undefined) {
    const pipeline = await runDemo({ address, ...namespace }, out);
    await pipeline.close();
  } else {
    await runScale({ address, orders, ...namespace }, out);
  }
} finally {
  await stopBroker();
}
