import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { glError } from '../../errors.js';
import type { Bus, BusConsumer, ConsumerOptions, OutgoingRecord, SendResult, TopicPartitionOffset } from '../bus.js';
import { systemClock, type Clock } from '../../clock.js';
import { GroupOffsets } from './group-offsets.js';
import { LocalLogConsumer } from './local-log-consumer.js';
import { PartitionLog } from './partition-log.js';
import { partitionForKey } from './partitioner.js';

/** When appended records are forced to disk. */
export type FsyncPolicy = 'always' | 'never' | { readonly intervalMs: number };

export interface LocalLogOptions {
  readonly dir: string;
  /** partitions of a topic created on first send (default 1) */
  readonly defaultPartitions?: number;
  /** segment roll size (default 16 MiB) */
  readonly segmentBytes?: number;
  /** default 'always': a send resolves only after fsync */
  readonly fsync?: FsyncPolicy;
  /** retention per partition; whole sealed segments are deleted */
  readonly retention?: { readonly maxBytes?: number; readonly maxAgeMs?: number };
  readonly clock?: Clock;
}

/**
 * The local durable log: the embedded default's bus and the agent's spool. One
 * process owns a directory at a time (a lock file with its pid; a dead owner's
 * lock is taken over).
 */
export class LocalLogBus implements Bus {
  /** emits 'append' after every send so idle consumers wake up */
  readonly events = new EventEmitter();
  readonly clock: Clock;
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, GroupOffsets>();
  private readonly syncTimer: NodeJS.Timeout | undefined;
  private readonly lockFile: string;
  private closed = false;
  private roundRobin = 0;

  constructor(private readonly options: LocalLogOptions) {
    this.clock = options.clock ?? systemClock;
    mkdirSync(options.dir, { recursive: true });
    this.lockFile = join(options.dir, '.lock');
    takeLock(this.lockFile);
    this.events.setMaxListeners(0);
    for (const name of readdirSync(options.dir)) {
      const meta = join(options.dir, name, '_topic.json');
      if (existsSync(meta))
        this.openTopic(
          decodeURIComponent(name),
          (JSON.parse(readFileSync(meta, 'utf8')) as { partitions: number }).partitions,
        );
    }
    const fsync = options.fsync ?? 'always';
    if (typeof fsync === 'object') {
      this.syncTimer = setInterval(() => this.syncAll(), fsync.intervalMs);
      this.syncTimer.unref();
    }
  }

  /** Torn-tail recovery done when the log was opened, per partition. */
  recoveryReport(): { topic: string; partition: number; truncatedBytes: number }[] {
    const out: { topic: string; partition: number; truncatedBytes: number }[] = [];
    for (const [topic, parts] of this.topics)
      parts.forEach((p, partition) => out.push({ topic, partition, truncatedBytes: p.recovery.truncatedBytes }));
    return out;
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    this.assertOpen();
    if (this.topics.has(topic)) return;
    const dir = join(this.options.dir, encodeURIComponent(topic));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '_topic.json'), JSON.stringify({ partitions }));
    this.openTopic(topic, partitions);
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<SendResult[]> {
    this.assertOpen();
    if (!this.topics.has(topic)) await this.ensureTopic(topic, this.options.defaultPartitions ?? 1);
    const parts = this.partitions(topic);
    const now = this.clock.now();
    const byPartition = new Map<number, { index: number; key: string | null; value: Buffer; timestamp: number }[]>();
    records.forEach((r, index) => {
      const p =
        r.partition ?? (r.key === null ? this.roundRobin++ % parts.length : partitionForKey(r.key, parts.length));
      if (p < 0 || p >= parts.length)
        throw glError('GL_BUS_INVALID', 'partition out of range', { context: { topic, partition: p } });
      const value = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value;
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push({ index, key: r.key, value, timestamp: now });
    });
    const results: SendResult[] = new Array<SendResult>(records.length);
    for (const [p, list] of byPartition) {
      const log = parts[p]!;
      const first = log.append(list);
      if ((this.options.fsync ?? 'always') === 'always') log.sync();
      list.forEach((r, i) => (results[r.index] = { topic, partition: p, offset: first + i }));
    }
    this.events.emit('append', topic);
    return results;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    this.assertOpen();
    return new LocalLogConsumer(this, options);
  }

  async endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    return this.partitions(topic).map((p, partition) => ({ topic, partition, offset: p.endOffset }));
  }

  /** First stored offset of every partition (retention moves it). */
  startOffsets(topic: string): TopicPartitionOffset[] {
    return this.partitions(topic).map((p, partition) => ({ topic, partition, offset: p.startOffset }));
  }

  /** Backlog of a group: records and bytes not yet committed, for spool metrics. */
  backlog(groupId: string, topic: string): { records: number; bytes: number } {
    const g = this.group(groupId);
    let records = 0;
    let bytes = 0;
    this.partitions(topic).forEach((p, partition) => {
      const committed = Math.max(g.get({ topic, partition }) ?? p.startOffset, p.startOffset);
      records += p.endOffset - committed;
      bytes += p.sizeBytes;
    });
    return { records, bytes };
  }

  /** Applies the retention limits now; returns the partitions' new start offsets. */
  applyRetention(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    const limits = this.options.retention ?? {};
    for (const [topic, parts] of this.topics)
      parts.forEach((p, partition) =>
        out.push({ topic, partition, offset: p.applyRetention(limits, this.clock.now()) }),
      );
    return out;
  }

  /**
   * Deletes, in every topic, the segments whose records a group has all
   * committed: a log whose reader is the only one that matters (the agent's
   * spool and its forwarder) stays as small as what is still unread.
   */
  deleteCommitted(groupId: string): void {
    this.assertOpen();
    const g = this.group(groupId);
    for (const [topic, parts] of this.topics)
      parts.forEach((p, partition) => {
        const committed = g.get({ topic, partition });
        if (committed !== null) p.deleteBefore(committed);
      });
  }

  /** Topics the log holds. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.events.emit('close');
    for (const parts of this.topics.values()) for (const p of parts) p.close();
    try {
      unlinkSync(this.lockFile);
    } catch {
      // already gone
    }
  }

  /** @internal partition logs of a topic, for the consumer */
  partitions(topic: string): PartitionLog[] {
    const parts = this.topics.get(topic);
    if (!parts) throw glError('GL_BUS_INVALID', 'unknown topic', { context: { topic } });
    return parts;
  }

  /** @internal */
  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** @internal committed offsets of a group, shared by its members */
  group(groupId: string): GroupOffsets {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new GroupOffsets(this.options.dir, groupId)));
    return g;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private openTopic(topic: string, partitions: number): void {
    const dir = join(this.options.dir, encodeURIComponent(topic));
    const segmentBytes = this.options.segmentBytes ?? 16 * 1024 * 1024;
    this.topics.set(
      topic,
      Array.from({ length: partitions }, (_, p) => new PartitionLog(join(dir, String(p)), { segmentBytes })),
    );
  }

  private syncAll(): void {
    for (const parts of this.topics.values()) for (const p of parts) p.sync();
  }

  private assertOpen(): void {
    if (this.closed) throw glError('GL_BUS_CLOSED', 'local log is closed', { context: { dir: this.options.dir } });
  }
}

function takeLock(file: string): void {
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(pid) && pid !== process.pid && alive(pid))
      throw glError('GL_BUS_INVALID', 'local log is owned by another process', { context: { file, pid } });
  }
  writeFileSync(file, String(process.pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
