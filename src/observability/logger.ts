import { pino, type Logger } from "pino";

export type { Logger };

/** The root logger: JSON lines on stderr; `level` "silent" turns it off. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: "ferry" } }, pino.destination(2));
}
