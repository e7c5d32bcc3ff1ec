import { describe, expect, it } from "vitest";
import { CommitArena } from "../../../src/storage/commit-arena.js";

describe("CommitArena", () => {
  it("hands out contiguous regions over one shared buffer and wraps once the oldest are released", () => {
    const arena = new CommitArena(100);
    const a = arena.alloc(40)!;
    const b = arena.alloc(40)!;
    expect(a.bytes.byteOffset).toBe(0);
    expect(b.bytes.byteOffset).toBe(40);
    expect(a.bytes.buffer).toBe(arena.buffer);
    // 30 more do not fit at the end (20 left) nor before the oldest region (at 0).
    expect(arena.alloc(30)).toBeUndefined();
    arena.release(a.region);
    // Now they fit before b, at the start.
    const c = arena.alloc(30)!;
    expect(c.bytes.byteOffset).toBe(0);
    expect(arena.usedBytes).toBe(100 - 40 + 30);
    // Wrapped: only the gap between c's end (30) and b (40) is free, kept strictly apart.
    expect(arena.alloc(10)).toBeUndefined();
    expect(arena.alloc(9)!.bytes.byteOffset).toBe(30);
  });

  it("reuses space only when every older region is released, and starts over when empty", () => {
    const arena = new CommitArena(100);
    const a = arena.alloc(50)!;
    const b = arena.alloc(50)!;
    arena.release(b.region);
    // a is still live: nothing is free.
    expect(arena.alloc(1)).toBeUndefined();
    arena.release(a.region);
    expect(arena.usedBytes).toBe(0);
    expect(arena.alloc(100)!.bytes.byteOffset).toBe(0);
  });

  it("refuses sizes it can never hold, and empty ones", () => {
    const arena = new CommitArena(100);
    expect(arena.alloc(101)).toBeUndefined();
    expect(arena.alloc(0)).toBeUndefined();
    expect(arena.alloc(100)!.bytes.length).toBe(100);
  });
});
