import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULTS, loadConfig } from "../../src/config.js";

function fileWith(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "ferry-config-")), "ferry.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("loadConfig", () => {
  it("returns frozen defaults", () => {
    const config = loadConfig();
    expect(config).toEqual(DEFAULTS);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("applies defaults < file < env < flags", () => {
    const file = fileWith({ port: 1000, defaultPartitions: 2, logLevel: "debug" });
    const config = loadConfig({ file, env: { FERRY_PORT: "2000", FERRY_DEFAULT_PARTITIONS: "3" }, flags: { port: "3000" } });
    expect(config.port).toBe(3000);
    expect(config.defaultPartitions).toBe(3);
    expect(config.logLevel).toBe("debug");
  });

  it("parses booleans from env and flags", () => {
    expect(loadConfig({ env: { FERRY_SYNC: "false" } }).sync).toBe(false);
    expect(loadConfig({ flags: { autoCreateTopics: "false" } }).autoCreateTopics).toBe(false);
  });

  it("rejects an unknown key in the file, naming it", () => {
    expect(() => loadConfig({ file: fileWith({ prot: 1 }) })).toThrow(/unknown key "prot"/);
  });

  it("rejects bad values with the source in the message", () => {
    expect(() => loadConfig({ env: { FERRY_PORT: "http" } })).toThrow(/FERRY_PORT must be a whole number/);
    expect(() => loadConfig({ flags: { port: "70000" } })).toThrow(/--port must be between 0 and 65535/);
    expect(() => loadConfig({ flags: { logLevel: "loud" } })).toThrow(ConfigError);
    expect(() => loadConfig({ file: fileWith("{not json") })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ flags: { backoffMinMs: "10", backoffMaxMs: "5" } })).toThrow(/backoffMinMs/);
  });
});

describe("busyPollUs", () => {
  it("is off by default, may be set and is bounded", () => {
    expect(DEFAULTS.busyPollUs).toBe(0);
    expect(loadConfig({ flags: { busyPollUs: "1000" } }).busyPollUs).toBe(1000);
    expect(loadConfig({ env: { FERRY_BUSY_POLL_US: "250" } }).busyPollUs).toBe(250);
    expect(() => loadConfig({ flags: { busyPollUs: "-1" } })).toThrow(/--busy-poll-us must be between 0 and 100000/);
  });
});
