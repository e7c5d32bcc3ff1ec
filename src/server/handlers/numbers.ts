import { InvalidArgumentError } from "../../errors.js";

/** A proto int64 as a JS number, refusing values beyond 2^53. */
export function toSafeNumber(value: bigint, field: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${field} ${value} is out of range`);
  return n;
}
