import type { TopicPartition } from '../bus/bus.js';
import { DAY_MS, KST_OFFSET_MS } from '../kst.js';
import { ColumnBatch } from './column-batch.js';
import type { FlushJob } from './flush.js';
import type { LakeSchema } from './lake-schemas.js';
import type { DecodedRow } from './record-fast-decoder.js';

/** Per-row overhead counted against the byte limits besides the value bytes. */
const ROW_OVERHEAD_BYTES = 64;

/**
 * What one partition has consumed since its last flush: rows per KST day plus
 * the contiguous offset range they came from (dead-lettered offsets included).
 * Days are keyed by their KST day number (days since 1970-01-01 KST).
 */
export class PartitionBuffer {
  readonly days = new Map<number, ColumnBatch>();
  private lastDay = NaN;
  private lastBatch: ColumnBatch | undefined;
  private readonly daySlot: number;
  /** first offset of the current (unflushed) range */
  unitStart: number;
  /** last offset taken into the current range, undefined when nothing was */
  lastConsumed: number | undefined;
  records = 0;
  bytes = 0;
  /** clock time the oldest buffered record arrived */
  oldestAt: number | undefined;
  private sought: number | undefined;
  /** the previous range, cut and encoded, while it uploads (or waits for a retry) */
  pending: FlushJob | undefined;

  constructor(
    readonly tp: TopicPartition,
    readonly schema: LakeSchema,
    /** next offset to take; undefined until the first record when the lake knows nothing */
    public next: number | undefined,
    /** when set, the next flush must end exactly at this offset (a redo) */
    public redoLast: number | undefined,
    /** key of the newest write record, deleted after the next flush */
    public latestStateKey: string | undefined,
  ) {
    this.unitStart = next ?? 0;
    this.daySlot = schema.columns.findIndex((c) => c.column === schema.dayColumn);
  }

  get empty(): boolean {
    return this.lastConsumed === undefined;
  }

  /** Something to flush, and (for a pinned range) all of it taken. */
  get flushable(): boolean {
    return this.lastConsumed !== undefined && (this.redoLast === undefined || this.lastConsumed === this.redoLast);
  }

  /** Takes a decoded record (see record-fast-decoder.ts). */
  add(offset: number, row: DecodedRow, valueBytes: number, now: number): void {
    this.take(offset, now);
    const day = Math.floor((row.nums[this.daySlot]! + KST_OFFSET_MS) / DAY_MS);
    let batch = day === this.lastDay ? this.lastBatch : this.days.get(day);
    if (!batch) this.days.set(day, (batch = new ColumnBatch(this.schema)));
    this.lastDay = day;
    this.lastBatch = batch;
    batch.appendRow(row);
    this.records++;
    this.bytes += valueBytes + ROW_OVERHEAD_BYTES;
  }

  /** Takes an offset that produced no row (dead letter): it still belongs to the range. */
  skip(offset: number, now: number): void {
    this.take(offset, now);
    this.records++;
  }

  /** Continues after offsets the bus no longer has. */
  acceptGap(offset: number): void {
    this.next = offset;
    if (this.empty) this.unitStart = offset;
  }

  soughtTo(offset: number): boolean {
    return this.sought === offset;
  }

  markSeek(offset: number): void {
    this.sought = offset;
  }

  /** Starts the next range after a successful flush; returns the previous write record's key. */
  completeFlush(stateKey: string): string | undefined {
    const previous = this.latestStateKey;
    this.latestStateKey = stateKey;
    this.unitStart = (this.lastConsumed ?? this.unitStart - 1) + 1;
    this.lastConsumed = undefined;
    this.days.clear();
    this.lastDay = NaN;
    this.lastBatch = undefined;
    this.records = 0;
    this.bytes = 0;
    this.oldestAt = undefined;
    this.redoLast = undefined;
    return previous;
  }

  private take(offset: number, now: number): void {
    if (this.empty) {
      this.unitStart = offset;
      this.oldestAt = now;
    }
    this.lastConsumed = offset;
    this.next = offset + 1;
  }
}
