import { Metadata, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import {
  FerryError,
  GroupOptionsMismatchError,
  InvalidArgumentError,
  RecordTooLargeError,
  ShuttingDownError,
  TopicNotFoundError,
  UnavailableError,
  isRetryable,
  toFerryError,
} from "../src/errors.js";

function statusError(code: status, details: string, reason?: string): Error & { code: number; details: string; metadata: Metadata } {
  const metadata = new Metadata();
  if (reason !== undefined) metadata.set("ferry-error-reason", reason);
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

describe("typed errors from ferry-error-reason", () => {
  it("rebuilds the class from the reason, keeping reason, code and message", () => {
    const err = toFerryError(statusError(status.NOT_FOUND, "topic 'x' does not exist", "TOPIC_NOT_FOUND"));
    expect(err).toBeInstanceOf(TopicNotFoundError);
    expect(err).toBeInstanceOf(FerryError);
    expect(err.name).toBe("TopicNotFoundError");
    expect(err.reason).toBe("TOPIC_NOT_FOUND");
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.message).toBe("topic 'x' does not exist");
  });

  it("uses the reason, not the text", () => {
    const err = toFerryError(statusError(status.INVALID_ARGUMENT, "topic not found (misleading text)", "RECORD_TOO_LARGE"));
    expect(err).toBeInstanceOf(RecordTooLargeError);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).not.toBeInstanceOf(TopicNotFoundError);
  });

  it.each([
    ["GROUP_OPTIONS_MISMATCH", status.FAILED_PRECONDITION, GroupOptionsMismatchError],
    ["SHUTTING_DOWN", status.UNAVAILABLE, ShuttingDownError],
  ] as const)("maps %s", (reason, code, Class) => {
    const err = toFerryError(statusError(code, "x", reason));
    expect(err).toBeInstanceOf(Class);
    expect(err.reason).toBe(reason);
  });

  it("falls back to the gRPC code when the reason is missing or unknown", () => {
    const none = toFerryError(statusError(status.UNAVAILABLE, "connection refused"));
    expect(none).toBeInstanceOf(UnavailableError);
    expect(none.reason).toBe("UNAVAILABLE");
    const unknown = toFerryError(statusError(status.NOT_FOUND, "x", "SOMETHING_NEW"));
    expect(unknown.constructor).toBe(FerryError);
    expect(unknown.reason).toBe("SOMETHING_NEW");
    expect(unknown.code).toBe(status.NOT_FOUND);
  });

  it("retries only UNAVAILABLE and DEADLINE_EXCEEDED", () => {
    expect(isRetryable(toFerryError(statusError(status.UNAVAILABLE, "x", "SHUTTING_DOWN")))).toBe(true);
    expect(isRetryable(statusError(status.DEADLINE_EXCEEDED, "x"))).toBe(true);
    expect(isRetryable(statusError(status.INVALID_ARGUMENT, "x", "RECORD_TOO_LARGE"))).toBe(false);
    expect(isRetryable(new Error("plain"))).toBe(false);
  });
});
