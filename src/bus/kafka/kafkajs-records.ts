import { createRequire } from 'node:module';

/**
 * A cheaper decoder for fetched record batches, swapped into kafkajs 2.2.4
 * (the last release; the project pins it) in place of
 * `src/protocol/recordBatch/v0/decoder.js`.
 *
 * kafkajs reads each record's timestamp delta and offset through its
 * BigInt-backed Long: a varlong costs a dozen Long objects, and offset and
 * timestamp each a decimal-string parse, an addition and a toString; and it
 * slices every record out and gives it a decoder object of its own. At a
 * million records that was about a fifth of the sink's CPU and much of its
 * garbage. This decoder reads the batch header exactly as kafkajs does,
 * then each record in place with Number arithmetic while the values stay
 * below 2^53 (always, for offsets and epoch-millisecond times), and hands
 * anything else (a longer varlong, a sum past 2^53, headers) to kafkajs's own
 * record decoder, so it returns exactly what kafkajs returns;
 * test/unit/bus/kafkajs-records.test.ts proves that against it.
 *
 * It must be installed before kafkajs loads its record-batch decoder (the first
 * fetch); `installFastRecordDecoder` is called when kafkajs.ts loads kafkajs and
 * leaves kafkajs alone when it is another version or already loaded that module.
 */
const require = createRequire(import.meta.url);

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readVarLong(): { toString(): string };
  readVarIntArray<T>(reader: (d: KafkajsDecoder) => T): T[];
  readAll(): Buffer;
  slice(size: number): KafkajsDecoder;
  forward(size: number): void;
}

type DecoderClass = new (buffer: Buffer) => KafkajsDecoder;
type BatchDecoder = (fetchDecoder: KafkajsDecoder) => Promise<Record<string, unknown>>;

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  magicByte: number;
  isControlBatch?: boolean;
  timestampType: number;
  maxTimestamp: string;
}

type RecordDecoder = (decoder: KafkajsDecoder, batchContext?: BatchContext) => Record<string, unknown>;

/** The kafkajs release the replacements were written against (package.json pins it). */
export const KAFKAJS_VERSION = '2.2.4';
const LOG_APPEND_TIME = 1;
let original: RecordDecoder | undefined;
let originalBatch: BatchDecoder | undefined;
let longFromValue: ((v: string) => { add(d: unknown): { toString(): string } }) | undefined;
let Decoder: DecoderClass | undefined;
let PartialMessageError: (new (message: string) => Error) | undefined;
let codecByAttributes: ((attributes: number) => { decompress(b: Buffer): Promise<Buffer> } | null) | undefined;

/** A batch's first offset or timestamp as a number, NaN when it is not exactly one. */
function base(text: string): number {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : NaN;
}

/** `base + delta` as kafkajs writes it (a decimal string), exactly. */
function plus(base: number, baseText: string, delta: number | { toString(): string }): string {
  if (typeof delta === 'number') {
    const sum = base + delta;
    if (Number.isSafeInteger(sum)) return String(sum);
  }
  return longFromValue!(baseText).add(delta).toString();
}

/** kafkajs's readVarInt: a zigzag varint of up to 32 bits. */
function readVarInt(d: KafkajsDecoder): number {
  const buf = d.buffer;
  let currentByte: number;
  let result = 0;
  let i = 0;
  do {
    currentByte = buf[d.offset++]!;
    result += (currentByte & 0x7f) << i;
    i += 7;
  } while (currentByte >= 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/** A zigzag varlong as a number when it has at most 7 bytes (below 2^49), else kafkajs's Long. */
function readVarLong(d: KafkajsDecoder): number | { toString(): string } {
  const buf = d.buffer;
  const start = d.offset;
  let value = 0;
  let scale = 1;
  for (let n = 0; n < 7; n++) {
    const b = buf[start + n];
    if (b === undefined) break;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      d.offset = start + n + 1;
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    scale *= 128;
  }
  return d.readVarLong();
}

/** A varint-length byte string; undefined for a length below -1 (malformed: left to kafkajs). */
function readVarIntBytes(d: KafkajsDecoder): Buffer | null | undefined {
  const length = readVarInt(d);
  if (length === -1) return null;
  if (length < 0) return undefined;
  const bytes = d.buffer.slice(d.offset, d.offset + length);
  d.offset += length;
  return bytes;
}

/**
 * The record at `decoder.offset`, which ends at `end`, as kafkajs's record
 * decoder would return it; null when that decoder must do it (headers, or
 * fields that do not end exactly at `end`). Moves `decoder.offset`.
 */
function readRecord(
  decoder: KafkajsDecoder,
  batchContext: BatchContext,
  end: number,
  offsetBase: number,
  timeBase: number,
): Record<string, unknown> | null {
  const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const buf = decoder.buffer;
  const attributes = buf.readInt8(decoder.offset);
  decoder.offset += 1;
  const timestampDelta = readVarLong(decoder);
  const offsetDelta = readVarInt(decoder);
  const key = readVarIntBytes(decoder);
  if (key === undefined) return null;
  const value = readVarIntBytes(decoder);
  if (value === undefined || buf[decoder.offset] !== 0 || decoder.offset + 1 !== end) return null;
  decoder.offset += 1;
  return {
    magicByte,
    attributes,
    timestamp:
      timestampType === LOG_APPEND_TIME && maxTimestamp
        ? maxTimestamp
        : plus(timeBase, batchContext.firstTimestamp, timestampDelta),
    offset: plus(offsetBase, batchContext.firstOffset, offsetDelta),
    key,
    value,
    headers: {},
    isControlRecord: isControlBatch,
    batchContext,
  };
}

/** The per-record form (kafkajs's record decoder, given a decoder over one record's bytes). */
const fastRecordDecoder: RecordDecoder = (decoder, batchContext = {} as BatchContext) => {
  const start = decoder.offset;
  const end = decoder.buffer.length;
  if (end - start >= 1) {
    const r = readRecord(decoder, batchContext, end, base(batchContext.firstOffset), base(batchContext.firstTimestamp));
    if (r !== null) return r;
  }
  decoder.offset = start;
  return original!(decoder, batchContext);
};

const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
const TIMESTAMP_TYPE_FLAG_MASK = 0x8;

/** kafkajs's recordBatch/v0/decoder.js, with the records read in place by `fastRecordDecoder`. */
const fastBatchDecoder: BatchDecoder = async (fetchDecoder) => {
  const firstOffset = fetchDecoder.readInt64().toString();
  const length = fetchDecoder.readInt32();
  const decoder = fetchDecoder.slice(length);
  fetchDecoder.forward(length);
  const remainingBytes = Buffer.byteLength(decoder.buffer);
  if (remainingBytes < length)
    throw new PartialMessageError!(
      `Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`,
    );
  const partitionLeaderEpoch = decoder.readInt32();
  const magicByte = decoder.readInt8();
  decoder.readInt32(); // crc, not checked (as in kafkajs)
  const attributes = decoder.readInt16();
  const lastOffsetDelta = decoder.readInt32();
  const firstTimestamp = decoder.readInt64().toString();
  const maxTimestamp = decoder.readInt64().toString();
  const producerId = decoder.readInt64().toString();
  const producerEpoch = decoder.readInt16();
  const firstSequence = decoder.readInt32();
  const recordContext = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch,
    inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
    isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType: (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : 0,
  };
  const context = { ...recordContext, magicByte };
  const codec = codecByAttributes!(attributes);
  let records: Record<string, unknown>[];
  if (!codec) {
    const count = decoder.readInt32();
    records = count === -1 ? [] : readRecords(decoder, count, context);
  } else {
    const count = decoder.readInt32();
    if (count <= 0) records = [];
    else {
      const decompressed = await codec.decompress(decoder.readAll());
      records = readRecords(new Decoder!(decompressed), count, context);
    }
  }
  return { ...recordContext, records };
};

/** `count` records, each a varint length then its fields, read where they are. */
function readRecords(decoder: KafkajsDecoder, count: number, context: BatchContext): Record<string, unknown>[] {
  const records = new Array<Record<string, unknown>>(count);
  const buf = decoder.buffer;
  const offsetBase = base(context.firstOffset);
  const timeBase = base(context.firstTimestamp);
  for (let i = 0; i < count; i++) {
    const length = readVarInt(decoder);
    const start = decoder.offset;
    const end = start + length;
    let r: Record<string, unknown> | null = null;
    if (length >= 1 && end <= buf.length) r = readRecord(decoder, context, end, offsetBase, timeBase);
    if (r === null) {
      // As kafkajs does it: its record decoder over the record's own bytes (null for length -1).
      const bytes = length === -1 ? null : buf.slice(start, end);
      r = original!(new Decoder!(bytes as Buffer), context);
    }
    records[i] = r;
    decoder.offset = length === -1 ? start : end;
  }
  return records;
}

/** kafkajs's own record decoder (tests compare against it). */
export function kafkajsRecordDecoder(): RecordDecoder {
  if (!original) loadOriginal();
  return original!;
}

/** kafkajs's own record-batch decoder (tests compare against it). */
export function kafkajsBatchDecoder(): BatchDecoder {
  if (!original) loadOriginal();
  return originalBatch!;
}

/** The replacements (tests). */
export const fastKafkajsRecordDecoder: RecordDecoder = (decoder, ctx) => {
  if (!original) loadOriginal();
  return fastRecordDecoder(decoder, ctx);
};

export const fastKafkajsBatchDecoder: BatchDecoder = (fetchDecoder) => {
  if (!original) loadOriginal();
  return fastBatchDecoder(fetchDecoder);
};

const RECORD_DECODER = 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js';
const BATCH_DECODER = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';

function loadOriginal(): void {
  original = require(RECORD_DECODER) as RecordDecoder;
  const Long = require('kafkajs/src/utils/long.js') as { fromValue: typeof longFromValue };
  longFromValue = (v) => Long.fromValue!(v);
  Decoder = require('kafkajs/src/protocol/decoder.js') as DecoderClass;
  PartialMessageError = (require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: typeof PartialMessageError })
    .KafkaJSPartialMessageError;
  codecByAttributes = (
    require('kafkajs/src/protocol/message/compression/index.js') as {
      lookupCodecByAttributes: typeof codecByAttributes;
    }
  ).lookupCodecByAttributes;
  // The original batch decoder, loaded aside from kafkajs's module cache (tests only).
  const path = require.resolve(BATCH_DECODER);
  const cached = require.cache[path];
  if (cached?.exports !== fastBatchDecoder) originalBatch = require(BATCH_DECODER) as BatchDecoder;
  else {
    delete require.cache[path];
    originalBatch = require(BATCH_DECODER) as BatchDecoder;
    require.cache[path] = cached;
  }
}

/** Installs the decoder into kafkajs; returns whether kafkajs will use it. */
export function installFastRecordDecoder(): boolean {
  try {
    const pkg = require('kafkajs/package.json') as { version: string };
    if (pkg.version !== KAFKAJS_VERSION) return false;
    const batchPath = require.resolve(BATCH_DECODER);
    const cached = require.cache[batchPath];
    if (cached?.exports === fastBatchDecoder) return true;
    // The fetch responses take the batch decoder when they load (the first fetch): too late once they have.
    if (cached) return false;
    loadOriginal();
    require.cache[batchPath]!.exports = fastBatchDecoder;
    return true;
  } catch {
    return false;
  }
}
