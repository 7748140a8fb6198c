import { tpKey } from '../bus/bus.js';
import type { Bus, BusConsumer, ConsumerHandlers, ConsumerOptions, TopicPartitionOffset } from '../bus/bus.js';

/**
 * Wraps a Bus so the embedded pipeline can tell when a consumer group has
 * taken every record sent so far (a sink has it in its buffers), without
 * reaching into the sink. Used once at start: the catch-up waits for the
 * sink to hold the collectors' backfill, then has it flushed.
 */
export class WatchedBus implements Bus {
  /** next offset taken, per group and topic partition */
  readonly #taken = new Map<string, Map<string, number>>();
  readonly #consumers = new Map<string, BusConsumer>();

  constructor(readonly inner: Bus) {}

  send: Bus['send'] = (topic, records) => this.inner.send(topic, records);
  endOffsets: Bus['endOffsets'] = (topic) => this.inner.endOffsets(topic);
  ensureTopic: Bus['ensureTopic'] = (topic, partitions) => this.inner.ensureTopic(topic, partitions);
  close: Bus['close'] = () => this.inner.close();

  consumer(options: ConsumerOptions): BusConsumer {
    const real = this.inner.consumer(options);
    this.#consumers.set(options.groupId, real);
    let taken = this.#taken.get(options.groupId);
    if (taken === undefined) this.#taken.set(options.groupId, (taken = new Map()));
    const seen = taken;
    const start = (handlers: ConsumerHandlers): Promise<void> =>
      real.start({
        ...handlers,
        onBatch: async (batch) => {
          const n = await handlers.onBatch(batch);
          const count = n ?? batch.records.length;
          const last = batch.records[count - 1];
          if (last !== undefined) seen.set(tpKey(batch), Math.max(seen.get(tpKey(batch)) ?? 0, last.offset + 1));
          return n;
        },
      });
    return {
      start,
      commit: (offsets) => real.commit(offsets),
      committed: (tp) => real.committed(tp),
      seek: (tpo) => real.seek(tpo),
      pause: (tps) => real.pause(tps),
      resume: (tps) => real.resume(tps),
      assignment: () => real.assignment(),
      stop: () => real.stop(),
    };
  }

  /** Whether the group has taken every record of these topics up to their current end. */
  async caughtUp(groupId: string, topics: readonly string[]): Promise<boolean> {
    const seen = this.#taken.get(groupId) ?? new Map<string, number>();
    for (const topic of topics) {
      let ends: TopicPartitionOffset[];
      try {
        ends = await this.inner.endOffsets(topic);
      } catch {
        continue; // no such topic yet: nothing to take
      }
      for (const end of ends) {
        if (end.offset === 0 || (seen.get(tpKey(end)) ?? 0) >= end.offset) continue;
        // Taken by an earlier run of the process: the group's commit says so.
        const committed =
          (await this.#consumers
            .get(groupId)
            ?.committed(end)
            .catch(() => null)) ?? 0;
        if (committed < end.offset) return false;
      }
    }
    return true;
  }
}
