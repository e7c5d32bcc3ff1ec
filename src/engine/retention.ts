/**
 * Time retention: every `checkMs`, each topic with retention_ms loses the chunks of
 * records appended longer ago than that (whole appends at a time, never a
 * partition's newest one), and its log start offset moves forward.
 */
import type { Broker } from "./broker.js";

/** Starts the sweeps; the returned function stops them and waits for a running one. */
export function scheduleRetention(broker: Broker, checkMs: number, onError: (err: unknown) => void): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let cancel = (): void => undefined;
  const sweep = async (): Promise<void> => {
    for (const topic of broker.topics.all()) {
      if (topic.meta.retentionMs <= 0) continue;
      const cutoff = broker.clock.nowMs() - topic.meta.retentionMs;
      for (const log of topic.logs) {
        if (stopped || broker.topics.find(topic.meta.name) !== topic) return;
        const start = await broker.store.trimBefore(topic.meta.id, log.partition, cutoff);
        if (start > log.startOffset) {
          log.startOffset = Math.min(start, log.durableEnd);
          broker.onTrimmed(topic.meta.id, log.partition, log.startOffset);
        }
      }
    }
  };
  const tick = (): void => {
    running = sweep()
      .catch(onError)
      .finally(() => {
        if (!stopped) cancel = broker.clock.setTimer(checkMs, tick);
      });
  };
  cancel = broker.clock.setTimer(checkMs, tick);
  return async () => {
    stopped = true;
    cancel();
    await running;
  };
}
