import { describe, expect, it } from "vitest";
import { backoffMs } from "../../../src/delivery/backoff.js";

describe("backoffMs", () => {
  it("doubles from min and caps at max", () => {
    expect([1, 2, 3, 4, 5, 6].map((f) => backoffMs(f, 100, 1000))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it("is 0 before any failure and stays finite for huge counts", () => {
    expect(backoffMs(0, 100, 1000)).toBe(0);
    expect(backoffMs(10_000, 100, 60_000)).toBe(60_000);
  });
});
