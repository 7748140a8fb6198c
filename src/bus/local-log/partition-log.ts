import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { glError } from '../../errors.js';
import { decodeRecord, encodeRecord, type DecodedRecord } from './record-codec.js';

/** Per-partition log settings. */
export interface PartitionLogOptions {
  /** roll to a new segment past this size (bytes) */
  readonly segmentBytes: number;
}

interface Segment {
  readonly base: number;
  readonly path: string;
  size: number;
  /** newest record timestamp in the segment (epoch ms), -1 when empty */
  maxTimestamp: number;
  /** sparse index: [offset, file position] every ~64 KiB */
  readonly index: [number, number][];
}

const INDEX_EVERY_BYTES = 64 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The buffer `read` and `scan` read into, one for the whole process: each
 * reads synchronously from the file to decoded records, which hold copies (a
 * string key, a copied value), never views into it. A fresh buffer a read
 * (4 MiB a chunk when a spool of 100 MiB is opened) was garbage outside V8's
 * heap, which it collects late: it set the forwarder's peak memory.
 */
let readBuffer = Buffer.allocUnsafe(0);
function readBufferOf(size: number): Buffer {
  if (readBuffer.length < size) readBuffer = Buffer.allocUnsafe(Math.max(size, READ_CHUNK_BYTES));
  return readBuffer;
}

/** Result of opening a partition: how much torn tail recovery removed. */
export interface RecoveryReport {
  readonly truncatedBytes: number;
  readonly reason?: string;
}

/**
 * One partition of the local durable log: append-only segment files named by
 * their first offset. Opening recovers the active segment by scanning it and
 * truncating everything from the first incomplete or damaged frame on.
 */
export class PartitionLog {
  private readonly segments: Segment[] = [];
  private fd = -1;
  private next = 0;
  private dirty = false;
  readonly recovery: RecoveryReport;

  constructor(
    readonly dir: string,
    private readonly options: PartitionLogOptions,
  ) {
    mkdirSync(dir, { recursive: true });
    const bases = readdirSync(dir)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    for (const base of bases)
      this.segments.push({ base, path: segmentPath(dir, base), size: 0, maxTimestamp: -1, index: [] });
    let report: RecoveryReport = { truncatedBytes: 0 };
    // Sealed segments were fsynced before the roll; only the active one can be torn.
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const r = this.scan(seg, i === this.segments.length - 1);
      if (r.truncatedBytes > 0) report = r;
    }
    this.recovery = report;
    const last = this.segments.at(-1);
    if (last === undefined) this.roll(0);
    else this.fd = openSync(last.path, 'a');
  }

  /** First offset still stored. */
  get startOffset(): number {
    return this.segments[0]?.base ?? this.next;
  }

  /** Next offset to be written. */
  get endOffset(): number {
    return this.next;
  }

  /** Bytes on disk over all segments. */
  get sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Appends records in order and returns the first offset assigned. */
  append(records: readonly { key: string | null; value: Buffer; timestamp: number }[]): number {
    const first = this.next;
    const frames: Buffer[] = [];
    let active = this.segments.at(-1)!;
    let pending = 0;
    const flushFrames = (): void => {
      if (frames.length === 0) return;
      const buf = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
      writeAll(this.fd, buf);
      frames.length = 0;
      pending = 0;
      this.dirty = true;
    };
    for (const r of records) {
      if (active.size >= this.options.segmentBytes && active.size > 0) {
        flushFrames();
        this.roll(this.next);
        active = this.segments.at(-1)!;
      }
      const frame = encodeRecord(this.next, r.timestamp, r.key, r.value);
      if (active.index.length === 0 || active.size - active.index.at(-1)![1] >= INDEX_EVERY_BYTES)
        active.index.push([this.next, active.size]);
      frames.push(frame);
      pending += frame.length;
      active.size += frame.length;
      active.maxTimestamp = Math.max(active.maxTimestamp, r.timestamp);
      this.next++;
      if (pending >= READ_CHUNK_BYTES) flushFrames();
    }
    flushFrames();
    return first;
  }

  /** Forces appended data to disk. */
  sync(): void {
    if (!this.dirty) return;
    fsyncSync(this.fd);
    this.dirty = false;
  }

  /** Reads records from `from` on, at most `maxRecords` and about `maxBytes`. */
  read(from: number, maxRecords: number, maxBytes = 4 * 1024 * 1024): DecodedRecord[] {
    const out: DecodedRecord[] = [];
    if (from >= this.next) return out;
    let si = this.findSegment(Math.max(from, this.startOffset));
    let bytes = 0;
    while (si < this.segments.length && out.length < maxRecords && bytes < maxBytes) {
      const seg = this.segments[si]!;
      let pos = startPosition(seg, from);
      const fd = openSync(seg.path, 'r');
      try {
        while (pos < seg.size && out.length < maxRecords && bytes < maxBytes) {
          const len = Math.min(Math.max(READ_CHUNK_BYTES, maxBytes - bytes + 64 * 1024), seg.size - pos);
          const buf = readBufferOf(len);
          const got = readSync(fd, buf, 0, len, pos);
          let p = 0;
          for (;;) {
            const d = decodeRecord(buf.subarray(0, got), p);
            if (d.kind === 'damaged')
              throw glError('GL_BUS_CORRUPT', 'local log record is damaged', {
                context: { segment: seg.path, position: pos + p, reason: d.reason },
              });
            if (d.kind === 'incomplete') break;
            p += d.record.size;
            if (d.record.offset >= from) {
              out.push(d.record);
              bytes += d.record.size;
              if (out.length >= maxRecords || bytes >= maxBytes) break;
            }
          }
          if (p === 0)
            throw glError('GL_BUS_CORRUPT', 'local log frame larger than the read buffer', {
              context: { segment: seg.path, position: pos },
            });
          pos += p;
        }
      } finally {
        closeSync(fd);
      }
      si++;
    }
    return out;
  }

  /** Deletes sealed segments beyond the size or age limit; returns the new start offset. */
  applyRetention(limits: { maxBytes?: number; maxAgeMs?: number }, now: number): number {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const tooBig = limits.maxBytes !== undefined && this.sizeBytes > limits.maxBytes;
      const tooOld =
        limits.maxAgeMs !== undefined && oldest.maxTimestamp >= 0 && oldest.maxTimestamp < now - limits.maxAgeMs;
      if (!tooBig && !tooOld) break;
      unlinkSync(oldest.path);
      this.segments.shift();
    }
    return this.startOffset;
  }

  /**
   * Deletes the segments whose records all lie below `offset` (consumed for
   * good: the agent's spool once hub Kafka acknowledged them). When every
   * record is below it, the active segment is replaced by an empty one named
   * by the end offset, so a drained partition holds no bytes and reopening it
   * still knows its next offset. Returns the new start offset.
   */
  deleteBefore(offset: number): number {
    while (this.segments.length > 1 && this.segments[1]!.base <= offset) {
      unlinkSync(this.segments[0]!.path);
      this.segments.shift();
    }
    const only = this.segments[0]!;
    if (this.segments.length === 1 && offset >= this.next && only.size > 0) {
      // The new segment exists before the old one goes: a crash in between leaves a drained segment, deleted next time.
      this.roll(this.next);
      unlinkSync(only.path);
      this.segments.shift();
    }
    return this.startOffset;
  }

  close(): void {
    if (this.fd < 0) return;
    this.sync();
    closeSync(this.fd);
    this.fd = -1;
  }

  private roll(base: number): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
    }
    const seg: Segment = { base, path: segmentPath(this.dir, base), size: 0, maxTimestamp: -1, index: [] };
    this.fd = openSync(seg.path, 'a');
    this.segments.push(seg);
    this.dirty = false;
  }

  private findSegment(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Scans a segment, builds its index, and truncates a torn tail when allowed. */
  private scan(seg: Segment, truncate: boolean): RecoveryReport {
    const fd = openSync(seg.path, 'r+');
    try {
      const fileSize = fstatSync(fd).size;
      let pos = 0;
      let expected = seg.base;
      let reason: string | undefined;
      outer: while (pos < fileSize) {
        const len = Math.min(READ_CHUNK_BYTES * 4, fileSize - pos);
        const buf = readBufferOf(len);
        const got = readSync(fd, buf, 0, len, pos);
        let p = 0;
        for (;;) {
          const d = decodeRecord(buf.subarray(0, got), p);
          if (d.kind === 'incomplete') {
            if (p === 0) {
              if (pos + got >= fileSize) {
                reason = 'incomplete frame at the tail';
                break outer;
              }
              // A frame larger than the chunk: read it whole.
              const need = buf.readUInt32BE(0) + 8;
              const big = Buffer.allocUnsafe(Math.min(need, fileSize - pos));
              readSync(fd, big, 0, big.length, pos);
              const d2 = decodeRecord(big, 0);
              if (d2.kind !== 'record') {
                reason = d2.kind === 'damaged' ? d2.reason : 'incomplete frame at the tail';
                break outer;
              }
              pos += this.accept(seg, d2.record, pos, expected++);
              continue outer;
            }
            break;
          }
          if (d.kind === 'damaged' || d.record.offset !== expected) {
            reason = d.kind === 'damaged' ? d.reason : `offset ${d.record.offset} where ${expected} was expected`;
            pos += p;
            break outer;
          }
          this.accept(seg, d.record, pos + p, expected++);
          p += d.record.size;
        }
        pos += p;
      }
      seg.size = pos;
      this.next = expected;
      if (pos < fileSize) {
        if (!truncate)
          throw glError('GL_BUS_CORRUPT', 'sealed local log segment is damaged', {
            context: { segment: seg.path, position: pos, reason },
          });
        ftruncateSync(fd, pos);
        fsyncSync(fd);
        return { truncatedBytes: fileSize - pos, ...(reason === undefined ? {} : { reason }) };
      }
      return { truncatedBytes: 0 };
    } finally {
      closeSync(fd);
    }
  }

  private accept(seg: Segment, r: DecodedRecord, pos: number, offset: number): number {
    if (seg.index.length === 0 || pos - seg.index.at(-1)![1] >= INDEX_EVERY_BYTES) seg.index.push([offset, pos]);
    seg.maxTimestamp = Math.max(seg.maxTimestamp, r.timestamp);
    return r.size;
  }
}

function segmentPath(dir: string, base: number): string {
  return join(dir, `${String(base).padStart(20, '0')}.log`);
}

function startPosition(seg: Segment, from: number): number {
  let best = 0;
  for (const [offset, pos] of seg.index) {
    if (offset > from) break;
    best = pos;
  }
  return best;
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}
