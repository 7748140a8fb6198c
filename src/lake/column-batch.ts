import type { LakeRow, LakeSchema } from './lake-schemas.js';
import type { LakeColumns } from './parquet-encoder.js';
import type { DecodedRow } from './record-fast-decoder.js';

/**
 * The buffered rows of one (topic, partition, KST day), column by column:
 * numbers and instants in a growing Float64Array each (NaN marks null: the
 * decoder accepts finite numbers only, so NaN is never a value), strings in
 * plain arrays. No object per row, so buffering makes almost no garbage.
 * parquet-codec.ts encodes these arrays as they are (`encodeBatch`), the same
 * file as the row path (`encodeParquet`) writes for the same rows.
 */
export class ColumnBatch {
  length = 0;
  private capacity: number;
  private readonly numbers: (Float64Array | undefined)[];
  private readonly strings: ((string | null)[] | undefined)[];
  private readonly offsetSlot: number;
  private readonly numberSlots: number[] = [];
  private readonly stringSlots: number[] = [];

  constructor(
    readonly schema: LakeSchema,
    initialCapacity = 1024,
  ) {
    this.capacity = Math.max(16, initialCapacity);
    this.numbers = schema.columns.map((c) => (c.kind === 'string' ? undefined : new Float64Array(this.capacity)));
    this.strings = schema.columns.map((c) => (c.kind === 'string' ? [] : undefined));
    this.offsetSlot = schema.columns.findIndex((c) => c.column === 'kafka_offset');
    schema.columns.forEach((c, i) => (c.kind === 'string' ? this.stringSlots : this.numberSlots).push(i));
  }

  /** Appends one decoded row (the sink's path). */
  appendRow(row: DecodedRow): void {
    if (this.length === this.capacity) this.grow();
    const n = this.length;
    const nums = row.nums;
    for (const i of this.numberSlots) this.numbers[i]![n] = nums[i]!;
    for (const i of this.stringSlots) {
      const list = this.strings[i]!;
      const v = row.strs[i] ?? null;
      // Consecutive equal strings share one copy (the parsed one becomes garbage young).
      const prev = n > 0 ? list[n - 1] : undefined;
      list.push(prev !== undefined && prev === v ? prev : v);
    }
    this.length = n + 1;
  }

  /** Appends one row given as values in schema column order, null for null (tests). */
  append(values: readonly (string | number | null)[]): void {
    if (this.length === this.capacity) this.grow();
    const n = this.length;
    const cols = this.numbers;
    for (let i = 0; i < cols.length; i++) {
      const v = values[i];
      const num = cols[i];
      if (num !== undefined) num[n] = v === null || v === undefined ? NaN : (v as number);
      else {
        const list = this.strings[i]!;
        // Consecutive equal strings share one copy (the parsed one becomes garbage young).
        const prev = n > 0 ? list[n - 1] : undefined;
        list.push(prev !== undefined && prev === v ? prev : ((v ?? null) as string | null));
      }
    }
    this.length = n + 1;
  }

  /** Offset of the first and the last row (the file's name). */
  get firstOffset(): number {
    return this.numbers[this.offsetSlot]![0]!;
  }

  get lastOffset(): number {
    return this.numbers[this.offsetSlot]![this.length - 1]!;
  }

  /** The value of a column in a row, as the row path has it. */
  value(row: number, column: number): string | number | null {
    const num = this.numbers[column];
    if (num === undefined) return this.strings[column]![row] ?? null;
    const v = num[row]!;
    return Number.isNaN(v) ? null : v;
  }

  /** The rows as row objects (tests, and the reference path). */
  rows(): LakeRow[] {
    const out: LakeRow[] = [];
    for (let r = 0; r < this.length; r++) {
      const row: LakeRow = {};
      this.schema.columns.forEach((c, i) => (row[c.column] = this.value(r, i)));
      out.push(row);
    }
    return out;
  }

  /** The buffered columns as they are (arrays may be longer than `length`), for parquet-encoder.ts. */
  lakeColumns(): LakeColumns {
    return { length: this.length, numbers: this.numbers, strings: this.strings };
  }

  private grow(): void {
    this.capacity *= 2;
    for (let i = 0; i < this.numbers.length; i++) {
      const old = this.numbers[i];
      if (old === undefined) continue;
      const next = new Float64Array(this.capacity);
      next.set(old);
      this.numbers[i] = next;
    }
  }
}
