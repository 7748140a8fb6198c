import { Registry } from 'prom-client';
import { tpKey, type BusConsumer, type RecordBatch, type TopicPartition } from '../bus/bus.js';
import { systemClock, type Clock } from '../clock.js';
import { GridlakeError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { DeadLetterWriter, deadLetter, DEAD_LETTER_TOPIC } from './dead-letters.js';
import { schemaForTopic } from './lake-schemas.js';
import { PartitionBuffer } from './partition-buffer.js';
import { compileDecoder, DecodedRow, type FastDecode } from './record-fast-decoder.js';
import { backoffDelay, isRetryable } from '../backoff.js';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.js';
import { SinkProgress } from './sink-progress.js';
import { resumePoint } from './sink-state.js';
import { FlushAborted, FlushJob } from './flush.js';
import { sinkLimits, type LakeSinkOptions, type SinkLimits } from './sink-options.js';

export type { LakeSinkOptions } from './sink-options.js';

const noopLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

/**
 * LakeSink: consumes topics as one group, buffers per (topic, partition, KST
 * day), writes Parquet create-only and only then commits. Each partition
 * resumes from the lake's own write records (sink-state.ts), so every offset
 * lands in exactly one file even after a crash in the middle of a timer flush.
 */
export class LakeSink {
  readonly metrics: SinkMetrics;
  /** what the sink reports in its LakeSink's `status.progress` */
  readonly progress: SinkProgress;
  private readonly o: SinkLimits;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly deadLetters: DeadLetterWriter;
  private readonly partitions = new Map<string, PartitionBuffer>();
  private consumer: BusConsumer | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly stopSignal = new AbortController();
  private ticker: Promise<void> | undefined;
  private stopping = false;
  /** set while the store is failing: consumption paused, flushes retried with backoff */
  private outage: { attempt: number; retryAt: number } | undefined;
  private readonly lagByPartition = new Map<string, number>();
  private readonly highWatermarks = new Map<string, number>();
  /** one compiled decoder per schema, and the row every decoded record of that schema goes through */
  private readonly decoders = new Map<string, { decode: FastDecode; row: DecodedRow }>();

  constructor(private readonly options: LakeSinkOptions) {
    this.progress = options.progress ?? new SinkProgress();
    this.o = sinkLimits(options);
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? noopLog;
    this.metrics = createSinkMetrics(options.registry ?? new Registry());
    // At 0 from the start, so `increase()` sees the first dead letter.
    for (const stage of ['parse', 'validate']) this.metrics.deadLetters.inc({ stage, source: options.name }, 0);
    this.deadLetters = new DeadLetterWriter(options.bus, options.store, options.deadLetterTopic ?? DEAD_LETTER_TOPIC);
  }

  async start(): Promise<void> {
    for (const topic of this.options.topics)
      if (!schemaForTopic(topic, this.options.topicKinds))
        throw new GridlakeError('GL_CONFIG_INVALID', 'no lake schema for topic', { context: { topic } });
    this.consumer = this.options.bus.consumer({
      groupId: this.options.groupId,
      topics: this.options.topics,
      fromBeginning: true,
      maxBatchRecords: this.options.maxBatchRecords ?? 5000,
      onError: (err) => this.log.warn({ err }, 'sink batch failed; it is delivered again'),
    });
    await this.consumer.start({
      onBatch: (batch) => this.locked(() => this.onBatch(batch)),
      onRevoke: (tps, lost) => this.locked(() => this.onRevoke(tps, lost)),
    });
    this.ticker = this.tickLoop();
  }

  /** Flushes what is buffered (best effort), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopSignal.abort();
    await this.ticker;
    await this.locked(async () => {
      for (const p of this.partitions.values())
        await this.flush(p, 'shutdown', true).catch((err: unknown) =>
          this.log.warn(
            { err, topic: p.tp.topic, partition: p.tp.partition },
            'flush at shutdown failed; the range is replayed',
          ),
        );
      this.partitions.clear();
    });
    await this.consumer?.stop();
  }

  /** Bytes buffered over all partitions. */
  bufferedBytes(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.bytes + (p.pending?.bytes ?? 0);
    return n;
  }

  /** Per assigned partition, the next offset the sink takes: everything before it is buffered or in the lake. */
  positions(): (TopicPartition & { offset: number })[] {
    return [...this.partitions.values()].map((p) => ({ ...p.tp, offset: p.next ?? p.unitStart }));
  }

  /** Whether the store is failing and consumption is paused. */
  get inOutage(): boolean {
    return this.outage !== undefined;
  }

  private async onBatch(batch: RecordBatch): Promise<number> {
    if (this.stopping) return 0;
    let p: PartitionBuffer;
    try {
      p = await this.partition(batch);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      this.beginOutage(err);
      return 0;
    }
    if (batch.highWatermark !== undefined) this.setLag(p, batch.highWatermark);
    const first = batch.records[0];
    if (first === undefined) return 0;
    if (p.next !== undefined && first.offset > p.next) {
      if (!p.soughtTo(p.next)) {
        // The bus delivered past the lake's resume point (the group commit is ahead): go back.
        p.markSeek(p.next);
        this.consumer!.seek({ ...p.tp, offset: p.next });
        return 0;
      }
      // Still past it after a seek: those offsets are gone from the bus (retention).
      this.log.warn(
        { ...p.tp, expected: p.next, got: first.offset },
        'offsets missing on the bus; continuing after the gap',
      );
      p.acceptGap(first.offset);
    }
    const { decode, row } = this.decoderFor(p);
    // The records of a batch arrived together: one clock reading, taken again after anything awaited.
    let now = this.clock.now();
    // The global buffer, kept up to date here rather than summed per record. It only ever
    // overstates (uploads finishing free bytes meanwhile), so it is summed afresh before a cap flush.
    let buffered = this.totalBytes();
    let taken = 0;
    for (const r of batch.records) {
      if (p.next !== undefined && r.offset < p.next) {
        taken++;
        continue;
      }
      if (p.redoLast !== undefined && r.offset > p.redoLast) {
        if (!(await this.tryFlush(p, 'redo'))) return taken;
        now = this.clock.now();
        buffered = this.totalBytes();
      }
      if (buffered >= this.o.maxBufferedBytes && (buffered = this.totalBytes()) >= this.o.maxBufferedBytes) {
        if (!(await this.flushOldest())) return taken;
        now = this.clock.now();
        buffered = this.totalBytes();
      }
      const rejection = decode(r.value, r.partition, r.offset, row);
      if (rejection === undefined) {
        const before = p.bytes;
        p.add(r.offset, row, r.value.length, now);
        buffered += p.bytes - before;
      } else {
        const where = `${r.topic}+${r.partition}+${r.offset}`;
        const dl = deadLetter(
          this.options.name,
          rejection.stage,
          `${where}: ${rejection.reason}`,
          r.value,
          this.clock.now(),
        );
        await this.deadLetters.write(dl);
        this.metrics.deadLetters.inc({ stage: dl.stage, source: this.options.name });
        now = this.clock.now();
        p.skip(r.offset, now);
      }
      taken++;
      if (
        p.redoLast !== undefined
          ? r.offset === p.redoLast
          : p.records >= this.o.maxRecords || p.bytes >= this.o.maxBytes
      ) {
        if (!(await this.tryFlush(p, p.redoLast !== undefined ? 'redo' : 'size'))) return taken;
        now = this.clock.now();
        buffered = this.totalBytes();
      }
    }
    this.metrics.bufferedBytes.set({ sink: this.options.name }, this.totalBytes());
    return taken;
  }

  private async onRevoke(tps: readonly TopicPartition[], lost: boolean): Promise<void> {
    for (const tp of tps) {
      const p = this.partitions.get(tpKey(tp));
      if (!p) continue;
      // A lost partition may already be written by its new owner: drop, never flush;
      // an upload under way stops before its next store call, and is waited for, so
      // the lake is quiet before anyone (this member included) resumes from it.
      if (lost && p.pending) {
        p.pending.abort();
        await p.pending.attempt.catch(() => undefined);
      } else if (!lost)
        await this.flush(p, 'revoke', true).catch((err: unknown) =>
          this.log.warn({ err, ...tp }, 'flush on revoke failed; the range is replayed'),
        );
      this.partitions.delete(tpKey(tp));
      this.lagByPartition.delete(tpKey(tp));
    }
  }

  private async partition(batch: RecordBatch): Promise<PartitionBuffer> {
    const key = tpKey(batch);
    let p = this.partitions.get(key);
    if (p) return p;
    const schema = schemaForTopic(batch.topic, this.options.topicKinds)!;
    const resume = await resumePoint(this.options.store, batch.topic, batch.partition);
    for (const k of resume.olderKeys) await this.options.store.delete(k).catch(() => undefined);
    p = new PartitionBuffer(
      { topic: batch.topic, partition: batch.partition },
      schema,
      resume.next,
      resume.redoLast,
      resume.latestKey,
    );
    this.partitions.set(key, p);
    this.log.info(
      { topic: batch.topic, partition: batch.partition, next: resume.next, redoLast: resume.redoLast },
      'partition resumes from the lake',
    );
    return p;
  }

  /**
   * Flushes; on a store failure enters the outage mode and returns false.
   * `wait` false lets the upload run while consumption goes on (the next flush
   * of the same partition waits for it).
   */
  private async tryFlush(p: PartitionBuffer, why: string, wait = false): Promise<boolean> {
    try {
      await this.flush(p, why, wait);
      if (this.outage && !this.anyFailed()) this.endOutage();
      return true;
    } catch (err) {
      if (!isRetryable(err)) throw err;
      this.beginOutage(err);
      return false;
    }
  }

  /** Cuts and encodes the buffered range, then uploads it (see FlushJob) after the partition's previous one. */
  private async flush(p: PartitionBuffer, why: string, wait: boolean): Promise<void> {
    await this.settle(p);
    if (!p.flushable) return;
    const job = new FlushJob(p, { rowGroupSize: this.options.rowGroupSize });
    job.previousKey = p.completeFlush(job.stateKey);
    p.pending = job;
    this.upload(p, job, why);
    if (wait) await job.attempt;
  }

  /** Waits for the partition's upload under way; retries it once when it had failed (throws if it fails again). */
  private async settle(p: PartitionBuffer): Promise<void> {
    const job = p.pending;
    if (!job) return;
    await job.attempt.catch(() => undefined);
    if (p.pending !== job) return;
    this.upload(p, job, 'retry');
    await job.attempt;
  }

  /** Starts an attempt of a job; its outcome is seen through `job.attempt`. */
  private upload(p: PartitionBuffer, job: FlushJob, why: string): void {
    job.failed = false;
    job.attempt = (async () => {
      try {
        await job.run(this.options.store);
      } catch (err) {
        job.failed = true;
        if (!(err instanceof FlushAborted) && isRetryable(err)) this.beginOutage(err);
        throw err;
      }
      if (p.pending === job) p.pending = undefined;
      this.setLag(p);
      job.plan.files.forEach((f, i) => {
        this.metrics.files.inc({ sink: this.options.name, topic: p.tp.topic });
        this.metrics.records.inc({ sink: this.options.name, topic: p.tp.topic }, f.records);
        this.metrics.bytes.inc({ sink: this.options.name, topic: p.tp.topic }, job.sizes[i]!);
      });
      this.progress.flushed(
        p.tp.topic,
        job.plan.files.map((f, i) => ({ records: f.records, bytes: job.sizes[i]! })),
        this.clock.now(),
      );
      // From the cut to the last file: encoding, uploads and any retries after an outage.
      this.metrics.flushDuration.observe({ sink: this.options.name }, (performance.now() - job.startedAt) / 1000);
      const previous = job.previousKey;
      await Promise.all([
        previous !== undefined && previous !== job.stateKey
          ? this.options.store.delete(previous).catch(() => undefined)
          : undefined,
        this.consumer
          ?.commit([{ ...p.tp, offset: job.last + 1 }])
          .catch((err: unknown) =>
            this.log.warn({ err, ...p.tp }, 'offset commit failed; the lake record decides on restart'),
          ),
      ]);
      this.log.debug(
        { ...p.tp, why, first: job.first, last: job.last, files: job.plan.files.length },
        'partition flushed',
      );
    })();
    // Seen later through settle(); never an unhandled rejection meanwhile.
    job.attempt.catch(() => undefined);
  }

  private anyFailed(): boolean {
    for (const p of this.partitions.values()) if (p.pending?.failed) return true;
    return false;
  }

  private async flushOldest(): Promise<boolean> {
    let oldest: PartitionBuffer | undefined;
    for (const p of this.partitions.values())
      if (p.flushable && (!oldest || p.oldestAt! < oldest.oldestAt!)) oldest = p;
    if (!oldest) {
      // Everything held is uploads under way: wait for one.
      for (const p of this.partitions.values()) if (p.pending) return this.tryFlush(p, 'cap');
      return true;
    }
    return this.tryFlush(oldest, 'cap');
  }

  private beginOutage(err: unknown): void {
    const attempt = (this.outage?.attempt ?? 0) + 1;
    this.outage = {
      attempt,
      retryAt:
        this.clock.now() +
        backoffDelay(attempt - 1, { baseMs: this.o.retryInitialMs, maxMs: this.o.retryMaxMs, jitter: 'equal' }),
    };
    if (attempt === 1) this.log.warn({ err }, 'lake store failing; consumption paused');
    this.progress.storeFailed(err, this.clock.now());
    this.consumer?.pause(this.consumer.assignment());
  }

  private endOutage(): void {
    this.outage = undefined;
    this.log.info('lake store back; consumption resumed');
    this.progress.storeRecovered();
    this.consumer?.resume(this.consumer.assignment());
  }

  private async tickLoop(): Promise<void> {
    while (!this.stopSignal.signal.aborted) {
      await this.clock.sleep(this.nextTickIn(), this.stopSignal.signal);
      if (this.stopSignal.signal.aborted) break;
      await this.locked(() => this.tick()).catch((err: unknown) => this.log.error({ err }, 'sink tick failed'));
    }
  }

  /**
   * Time to the next tick: `tickMs`, or less when an age flush or an outage
   * retry falls due sooner, so a buffer is flushed when it reaches `maxAgeMs`
   * rather than up to a tick later (never sooner than 20 ms, so no busy loop).
   */
  private nextTickIn(): number {
    const now = this.clock.now();
    let due = now + this.o.tickMs;
    if (this.outage) due = Math.min(due, this.outage.retryAt);
    else
      for (const p of this.partitions.values())
        if (p.flushable && p.oldestAt !== undefined) due = Math.min(due, p.oldestAt + this.o.maxAgeMs);
    return Math.max(20, due - now);
  }

  /** Age flushes, and outage retries once their backoff has passed. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    if (this.outage && now < this.outage.retryAt) return;
    const due = [...this.partitions.values()].filter(
      (p) =>
        p.pending?.failed === true ||
        (p.flushable && (this.outage !== undefined || now - p.oldestAt! >= this.o.maxAgeMs)),
    );
    due.sort((a, b) => (a.oldestAt ?? 0) - (b.oldestAt ?? 0));
    for (const p of due) if (!(await this.tryFlush(p, this.outage ? 'retry' : 'age', true))) return;
    if (this.outage && due.length === 0) this.endOutage();
    this.metrics.bufferedBytes.set({ sink: this.options.name }, this.totalBytes());
  }

  private decoderFor(p: PartitionBuffer): { decode: FastDecode; row: DecodedRow } {
    let d = this.decoders.get(p.schema.kind);
    if (!d) this.decoders.set(p.schema.kind, (d = { decode: compileDecoder(p.schema), row: new DecodedRow(p.schema) }));
    return d;
  }

  private totalBytes(): number {
    return this.bufferedBytes();
  }

  /**
   * Lag = end offset − first offset not yet in the lake (the start of an upload
   * under way, else of the open range). Recomputed on every batch and after
   * every upload, so a quiet topic reads 0 once its last records land.
   */
  private setLag(p: PartitionBuffer, highWatermark = this.highWatermarks.get(tpKey(p.tp))): void {
    if (highWatermark === undefined) return;
    this.highWatermarks.set(tpKey(p.tp), highWatermark);
    this.lagByPartition.set(tpKey(p.tp), Math.max(0, highWatermark - (p.pending?.first ?? p.unitStart)));
    let sum = 0;
    for (const [k, v] of this.lagByPartition) if (k.startsWith(`${p.tp.topic}\u0000`)) sum += v;
    this.metrics.lag.set({ sink: this.options.name, topic: p.tp.topic }, sum);
    this.progress.lag(p.tp.topic, sum);
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
