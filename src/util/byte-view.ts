/**
 * A view of `bytes[from, to)` as a plain Uint8Array. `Buffer#subarray` builds a
 * Buffer through its species constructor, 2–3× slower than this (scratch measure:
 * 0.07–0.12 µs against 0.03–0.04 µs per view), and the broker makes one view per
 * record on the produce and the delivery path. Nothing is copied.
 */
export function byteView(bytes: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from);
}
