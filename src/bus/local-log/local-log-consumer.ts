import { glError } from '../../errors.js';
import type { BusConsumer, BusRecord, ConsumerHandlers, ConsumerOptions } from '../bus.js';
import { tpKey, type TopicPartition, type TopicPartitionOffset } from '../bus.js';
import type { LocalLogBus } from './local-log-bus.js';

interface GroupState {
  readonly members: LocalLogConsumer[];
  /** partition → member that holds it; a member takes a partition only once it is free */
  readonly owners: Map<string, LocalLogConsumer>;
  /** serialises the members' iterations so a hand-over is never concurrent */
  lock: Promise<void>;
}

const groupStates = new WeakMap<LocalLogBus, Map<string, GroupState>>();
const IDLE_WAIT_MS = 200;

/**
 * A consumer-group member on the local log. Members of a group in one process
 * split the partitions round-robin; a partition changes hands only after its
 * old owner's onRevoke has finished (lost = false), so a sink can flush first.
 */
export class LocalLogConsumer implements BusConsumer {
  private handlers: ConsumerHandlers | undefined;
  private readonly positions = new Map<string, number>();
  private readonly owned = new Map<string, TopicPartition>();
  private readonly paused = new Set<string>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly bus: LocalLogBus,
    private readonly options: ConsumerOptions,
  ) {}

  async start(handlers: ConsumerHandlers): Promise<void> {
    if (this.running)
      throw glError('GL_BUS_INVALID', 'consumer already started', { context: { groupId: this.options.groupId } });
    this.handlers = handlers;
    this.running = true;
    this.state().members.push(this);
    const onAppend = (): void => this.wake?.();
    this.bus.events.on('append', onAppend);
    this.bus.events.once('close', () => void this.stop());
    this.loop = this.run().finally(() => this.bus.events.off('append', onAppend));
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.bus.isClosed) throw glError('GL_BUS_CLOSED', 'local log is closed');
    this.bus.group(this.options.groupId).commit(offsets);
  }

  async committed(tp: TopicPartition): Promise<number | null> {
    return this.bus.group(this.options.groupId).get(tp);
  }

  seek(tpo: TopicPartitionOffset): void {
    this.positions.set(tpKey(tpo), tpo.offset);
    this.wake?.();
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.paused.add(tpKey(tp));
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.paused.delete(tpKey(tp));
    this.wake?.();
  }

  assignment(): readonly TopicPartition[] {
    return [...this.owned.values()];
  }

  async stop(): Promise<void> {
    if (!this.running) return this.loop;
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.locked(async () => {
      await this.release([...this.owned.values()]);
      const members = this.state().members;
      members.splice(members.indexOf(this), 1);
    });
  }

  private async run(): Promise<void> {
    while (this.running && !this.bus.isClosed) {
      let delivered = false;
      try {
        await this.locked(async () => {
          await this.rebalance();
          delivered = await this.deliverOnce();
        });
      } catch (err) {
        // The batch is delivered again after the pause; the handler decides what failed.
        this.options.onError?.(err);
      }
      if (!delivered && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, IDLE_WAIT_MS);
          this.wake = done;
          function done(): void {
            clearTimeout(t);
            resolve();
          }
        });
        this.wake = undefined;
      }
    }
  }

  /** Releases partitions no longer meant for this member and takes free ones that are. */
  private async rebalance(): Promise<void> {
    const state = this.state();
    const all: TopicPartition[] = [];
    for (const topic of [...this.options.topics].sort()) {
      if (!this.bus.hasTopic(topic)) continue;
      this.bus.partitions(topic).forEach((_, partition) => all.push({ topic, partition }));
    }
    const index = state.members.indexOf(this);
    const target = new Map(all.filter((_, i) => i % state.members.length === index).map((tp) => [tpKey(tp), tp]));
    const lose = [...this.owned.entries()].filter(([k]) => !target.has(k)).map(([, tp]) => tp);
    if (lose.length > 0) await this.release(lose);
    const take = [...target.entries()].filter(([k]) => !this.owned.has(k) && !state.owners.has(k));
    if (take.length === 0) return;
    const group = this.bus.group(this.options.groupId);
    for (const [k, tp] of take) {
      state.owners.set(k, this);
      this.owned.set(k, tp);
      if (!this.positions.has(k)) {
        const log = this.bus.partitions(tp.topic)[tp.partition]!;
        const committed = group.get(tp);
        this.positions.set(k, committed ?? ((this.options.fromBeginning ?? true) ? log.startOffset : log.endOffset));
      }
    }
    await this.handlers?.onAssign?.(take.map(([, tp]) => tp));
  }

  private async release(tps: TopicPartition[]): Promise<void> {
    if (tps.length === 0) return;
    await this.handlers?.onRevoke?.(tps, false);
    const state = this.state();
    for (const tp of tps) {
      const k = tpKey(tp);
      this.owned.delete(k);
      this.positions.delete(k);
      if (state.owners.get(k) === this) state.owners.delete(k);
    }
  }

  private async deliverOnce(): Promise<boolean> {
    let delivered = false;
    const max = this.options.maxBatchRecords ?? 2000;
    for (const [k, tp] of this.owned) {
      if (!this.running) break;
      if (this.paused.has(k)) continue;
      const log = this.bus.partitions(tp.topic)[tp.partition]!;
      let position = this.positions.get(k) ?? log.startOffset;
      if (position < log.startOffset) position = log.startOffset;
      const decoded = log.read(position, max);
      if (decoded.length === 0) continue;
      const records: BusRecord[] = decoded.map((d) => ({
        topic: tp.topic,
        partition: tp.partition,
        offset: d.offset,
        key: d.key,
        value: d.value,
        timestamp: d.timestamp,
      }));
      const before = this.positions.get(k);
      const taken =
        (await this.handlers!.onBatch({
          topic: tp.topic,
          partition: tp.partition,
          records,
          highWatermark: log.endOffset,
        })) ?? records.length;
      // A seek inside onBatch wins over the automatic advance.
      if (this.positions.get(k) === before && this.owned.has(k))
        this.positions.set(k, taken > 0 ? records[taken - 1]!.offset + 1 : position);
      if (taken > 0) delivered = true;
    }
    return delivered;
  }

  private state(): GroupState {
    let byGroup = groupStates.get(this.bus);
    if (!byGroup) groupStates.set(this.bus, (byGroup = new Map()));
    let s = byGroup.get(this.options.groupId);
    if (!s) byGroup.set(this.options.groupId, (s = { members: [], owners: new Map(), lock: Promise.resolve() }));
    return s;
  }

  private locked(fn: () => Promise<void>): Promise<void> {
    const state = this.state();
    const run = state.lock.then(fn);
    state.lock = run.catch(() => undefined);
    return run;
  }
}
