import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { sourceKey, type SiteSourceKind } from '../api/agent-lease.js';
import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import type { Bus } from '../bus/bus.js';
import type { DecodedRecord } from '../bus/local-log/record-codec.js';
import { systemClock, type Clock } from '../clock.js';
import type { Forwarder } from './ports.js';
import { FORWARDER_GROUP, type LocalSpool } from './spool.js';

export interface ForwarderOptions {
  readonly spool: LocalSpool;
  /** hub Kafka as the site's user (KafkaBus with ssl + sasl); its producer is idempotent with acks=all */
  readonly hub: Bus;
  /** which source kind a topic carries; undefined (the dead-letter topic) forwards without moving a watermark */
  readonly kindOfTopic: (topic: string) => SiteSourceKind | undefined;
  readonly log: Logger;
  /** `site` label of the metrics */
  readonly site: string;
  readonly registry?: Registry;
  /** records per send (default 10,000); `batchBytes` usually binds first */
  readonly batchRecords?: number;
  /** bytes per send, about (default 900 KB: under Kafka's 1 MiB default batch limit, as the hub sends uncompressed) */
  readonly batchBytes?: number;
  /** waits between failed attempts (default 500 ms doubling to 30 s, equal jitter) */
  readonly backoff?: BackoffPolicy;
  readonly clock?: Clock;
}

interface TopicState {
  failing: boolean;
  retries: number;
  /** epoch ms before which this topic is not tried again */
  retryAt: number;
  error?: string;
}

const IDLE_WAIT_MS = 200;
/** Batches sent from one topic before the next topic's turn. */
const BATCHES_PER_PASS = 8;
const WATERMARK_FILE = '_forwarded-watermarks.json';
const WATERMARK_SAVE_EVERY_MS = 1000;

/**
 * Copies the spool to hub Kafka: each topic in spool order, one batch at a
 * time, with every record's key and value unchanged. The spool's commit moves
 * only after hub Kafka acknowledged the batch, so a crash re-sends at most the
 * batch in flight (at least once; the join's identity dedupe removes copies).
 * A topic the hub refuses backs off on its own; the others keep flowing.
 */
class SpoolForwarder implements Forwarder {
  private readonly clock: Clock;
  private readonly policy: BackoffPolicy;
  private readonly states = new Map<string, TopicState>();
  private readonly marks: Record<string, number>;
  private readonly marksFile: string;
  private marksDirty = false;
  private marksSavedAt = 0;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;
  private readonly forwarded: Counter | undefined;

  constructor(private readonly o: ForwarderOptions) {
    this.clock = o.clock ?? systemClock;
    this.policy = o.backoff ?? { baseMs: 500, maxMs: 30_000, jitter: 'equal' };
    this.marksFile = join(o.spool.dir, WATERMARK_FILE);
    this.marks = loadMarks(this.marksFile);
    if (o.registry) {
      const linked = (): boolean => this.linked();
      new Gauge({
        name: 'gridlake_forwarder_linked',
        help: 'Whether hub Kafka accepts what the forwarder sends (1) or refuses or cannot be reached (0).',
        labelNames: ['site'],
        registers: [o.registry],
        collect() {
          this.set({ site: o.site }, linked() ? 1 : 0);
        },
      });
      this.forwarded = new Counter({
        name: 'gridlake_forwarded_records_total',
        help: 'Records hub Kafka acknowledged from the spool.',
        labelNames: ['site', 'topic'],
        registers: [o.registry],
      });
    }
    const onAppend = (): void => this.wake?.();
    o.spool.log.events.on('append', onAppend);
    this.loop = this.run().finally(() => {
      o.spool.log.events.off('append', onAppend);
      this.saveMarks(true);
    });
  }

  watermarks(): Readonly<Record<string, number>> {
    return { ...this.marks };
  }

  linked(): boolean {
    for (const s of this.states.values()) if (s.failing) return false;
    return true;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { spool } = this.o;
    const group = spool.log.group(FORWARDER_GROUP);
    while (!this.abort.signal.aborted) {
      let moved = false;
      let nextRetry = Infinity;
      for (const topic of [...spool.topics()]) {
        if (this.abort.signal.aborted) break;
        const state = this.state(topic);
        if (state.failing && state.retryAt > this.clock.now()) {
          nextRetry = Math.min(nextRetry, state.retryAt);
          continue;
        }
        const parts = spool.log.partitions(topic);
        const records = this.o.batchRecords ?? 10_000;
        const bytes = this.o.batchBytes ?? 900_000;
        partitions: for (let partition = 0; partition < parts.length; partition++) {
          const log = parts[partition]!;
          const from = Math.max(group.get({ topic, partition }) ?? log.startOffset, log.startOffset);
          let batch = log.read(from, records, bytes);
          // A few batches of a topic per pass, so one topic's backlog does not hold back the others' watermarks.
          for (let n = 0; batch.length > 0 && n < BATCHES_PER_PASS && !this.abort.signal.aborted; n++) {
            // The spool's records are sendable as they are (key and value; no partition: the key picks it).
            const sending = this.o.hub.send(topic, batch);
            // Read ahead while hub Kafka acknowledges: decoding the spool overlaps the round trip.
            let next: DecodedRecord[] = [];
            try {
              next = n + 1 < BATCHES_PER_PASS ? log.read(batch.at(-1)!.offset + 1, records, bytes) : [];
            } catch {
              // read again on the next pass
            }
            try {
              await sending;
            } catch (err) {
              this.failed(topic, state, err);
              nextRetry = Math.min(nextRetry, state.retryAt);
              break partitions;
            }
            // Acknowledged by hub Kafka: only now may the spool forget these records.
            group.commit([{ topic, partition, offset: batch.at(-1)!.offset + 1 }]);
            spool.release();
            this.advance(topic, batch);
            this.succeeded(topic, state, batch.length);
            moved = true;
            batch = next;
          }
        }
      }
      this.saveMarks(false);
      if (!moved && !this.abort.signal.aborted) {
        const wait = Math.max(0, Math.min(IDLE_WAIT_MS, nextRetry - this.clock.now()));
        await this.idle(nextRetry === Infinity ? IDLE_WAIT_MS : wait);
      }
    }
  }

  private state(topic: string): TopicState {
    let s = this.states.get(topic);
    if (!s) this.states.set(topic, (s = { failing: false, retries: 0, retryAt: 0 }));
    return s;
  }

  private failed(topic: string, state: TopicState, err: unknown): void {
    const error = describeError(err);
    const delay = backoffDelay(state.retries, this.policy);
    state.retries++;
    state.retryAt = this.clock.now() + delay;
    // One line per change of state (link lost, or another error), not one per retry.
    if (!state.failing || state.error !== error)
      this.o.log.warn(
        { topic, error, retryInMs: delay },
        'hub Kafka refused or could not be reached; readings stay in the spool',
      );
    state.failing = true;
    state.error = error;
  }

  private succeeded(topic: string, state: TopicState, records: number): void {
    this.forwarded?.inc({ site: this.o.site, topic }, records);
    if (state.failing) this.o.log.info({ topic, after: state.retries }, 'hub Kafka accepts again; the spool drains');
    state.failing = false;
    state.retries = 0;
    state.retryAt = 0;
    delete state.error;
  }

  /** Moves the watermark of each source in the batch to its newest acknowledged baseTime. */
  private advance(topic: string, batch: readonly DecodedRecord[]): void {
    const kind = this.o.kindOfTopic(topic);
    if (kind === undefined) return;
    for (const r of batch) {
      const id = sourceAndBaseTime(r.value);
      if (id === undefined) continue;
      const key = sourceKey(kind, id.name);
      const prev = this.marks[key];
      if (prev === undefined || id.baseMs > prev) {
        this.marks[key] = id.baseMs;
        this.marksDirty = true;
      }
    }
  }

  /**
   * Keeps the watermarks across restarts. Not fsynced: after a crash the file
   * may be older than the truth, which only makes a watermark late, never early.
   */
  private saveMarks(force: boolean): void {
    if (!this.marksDirty) return;
    const now = this.clock.now();
    if (!force && now - this.marksSavedAt < WATERMARK_SAVE_EVERY_MS) return;
    const tmp = `${this.marksFile}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this.marks));
      renameSync(tmp, this.marksFile);
      this.marksDirty = false;
      this.marksSavedAt = now;
    } catch (err) {
      this.o.log.warn({ error: describeError(err) }, 'forwarded watermarks could not be saved');
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** Starts forwarding the spool to hub Kafka; `stop()` ends it after the batch in flight. */
export function startForwarder(options: ForwarderOptions): Forwarder {
  return new SpoolForwarder(options);
}

function loadMarks(file: string): Record<string, number> {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(saved).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])),
    );
  } catch {
    return {};
  }
}

const SOURCE_FIELD = Buffer.from('"source":"');
const BASE_TIME_FIELD = Buffer.from('"baseTime":"');

/**
 * The source's name (from `namespace/name`) and baseTime of a reading's JSON
 * value. Two string fields of every reading (docs/messages.md), found without
 * parsing the whole value: the drain touches every record, and a full
 * JSON.parse was a large share of its CPU. A value written otherwise (spaces,
 * escapes) falls back to JSON.parse.
 */
function sourceAndBaseTime(value: Buffer): { name: string; baseMs: number } | undefined {
  const source = stringField(value, SOURCE_FIELD);
  const baseTime = stringField(value, BASE_TIME_FIELD);
  if (source === undefined || baseTime === undefined) return parsed(value);
  const baseMs = Date.parse(baseTime);
  if (Number.isNaN(baseMs)) return undefined;
  return { name: source.slice(source.indexOf('/') + 1), baseMs };
}

function stringField(value: Buffer, field: Buffer): string | undefined {
  const at = value.indexOf(field);
  if (at < 0) return undefined;
  const start = at + field.length;
  const end = value.indexOf(0x22, start);
  if (end < 0) return undefined;
  const text = value.toString('utf8', start, end);
  return text.includes('\\') ? undefined : text;
}

function parsed(value: Buffer): { name: string; baseMs: number } | undefined {
  let v: { source?: unknown; baseTime?: unknown };
  try {
    v = JSON.parse(value.toString('utf8')) as typeof v;
  } catch {
    return undefined;
  }
  if (typeof v.source !== 'string' || typeof v.baseTime !== 'string') return undefined;
  const baseMs = Date.parse(v.baseTime);
  if (Number.isNaN(baseMs)) return undefined;
  return { name: v.source.slice(v.source.indexOf('/') + 1), baseMs };
}

/**
 * One line naming what went wrong: the error and its causes (kafkajs wraps the
 * protocol error, e.g. TOPIC_AUTHORIZATION_FAILED, a level or two down).
 */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      const type = (e as { type?: unknown }).type;
      parts.push(`${e.message}${typeof type === 'string' ? ` [${type}]` : ''}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return [...new Set(parts)].join(': ');
}
