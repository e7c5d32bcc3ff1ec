/**
 * Retry delay after a failed delivery: exponential from `minMs`, doubling per
 * failure, capped at `maxMs`. A nack's own delay, when given, wins.
 */
export function backoffMs(failures: number, minMs: number, maxMs: number): number {
  if (failures < 1) return 0;
  const exponent = Math.min(failures - 1, 52);
  return Math.min(maxMs, minMs * 2 ** exponent);
}
