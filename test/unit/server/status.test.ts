import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { OffsetOutOfRangeError, RecordTooLargeError, TopicNotFoundError } from "../../../src/errors.js";
import { ERROR_REASON_METADATA_KEY, REASON_TO_CODE, toStatus } from "../../../src/server/status.js";

describe("status mapping", () => {
  it("maps domain errors to codes with their reason in trailing metadata", () => {
    const s = toStatus(new TopicNotFoundError("orders"), () => undefined);
    expect(s.code).toBe(status.NOT_FOUND);
    expect(s.metadata.get(ERROR_REASON_METADATA_KEY)).toEqual(["TOPIC_NOT_FOUND"]);
    expect(s.details).toMatch(/topic 'orders' does not exist/);
    expect(toStatus(new RecordTooLargeError(2097152, 1048576), () => undefined).details).toBe("record of 2097152 bytes exceeds max_record_bytes 1048576");
    expect(toStatus(new OffsetOutOfRangeError(9, 0, 3), () => undefined).code).toBe(status.OUT_OF_RANGE);
  });

  it("hides unexpected errors as INTERNAL 'internal error' and reports the cause", () => {
    const seen: unknown[] = [];
    const s = toStatus(new Error("secret stack"), (e) => seen.push(e));
    expect(s).toMatchObject({ code: status.INTERNAL, details: "internal error" });
    expect(seen).toHaveLength(1);
  });

  it("has a code for every reason", () => {
    for (const code of Object.values(REASON_TO_CODE)) expect(typeof code).toBe("number");
  });
});
