/** Shared bits of the client tests: unique names and collecting a consumer's messages. */
import { randomBytes } from "node:crypto";
import type { Consumer, Message } from "../src/index.js";

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** Iterates `consumer` in the background, handing every message to `onMessage`. */
export function drain(consumer: Consumer, onMessage: (msg: Message) => void): Promise<void> {
  return (async () => {
    for await (const msg of consumer) onMessage(msg);
  })();
}
