import { createRequire } from 'node:module';

/**
 * A cheaper decoder for the records of a fetched record batch, swapped into
 * kafkajs 2.2.4 (the last release; the project pins it) in place of
 * `src/protocol/recordBatch/record/v0/decoder.js`.
 *
 * kafkajs reads each record's timestamp delta and offset through its
 * BigInt-backed Long: a varlong costs a dozen Long objects, and offset and
 * timestamp each a decimal-string parse, an addition and a toString. At a
 * million records that was about a fifth of the sink's CPU and much of its
 * garbage. This decoder reads the same fields with Number arithmetic while the
 * values stay below 2^53 (always, for offsets and epoch-millisecond times) and
 * hands anything else (a longer varlong, a sum past 2^53, headers) to the
 * original code, so it returns exactly what kafkajs's own decoder returns;
 * test/unit/bus/kafkajs-records.test.ts proves that against it.
 *
 * It must be installed before kafkajs loads its record-batch decoder (the first
 * fetch); `installFastRecordDecoder` is called when kafka-bus.ts loads and
 * leaves kafkajs alone when it is another version or already loaded that module.
 */
const require = createRequire(import.meta.url);

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readVarLong(): { toString(): string };
  readVarIntArray<T>(reader: (d: KafkajsDecoder) => T): T[];
}

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  magicByte: number;
  isControlBatch?: boolean;
  timestampType: number;
  maxTimestamp: string;
}

type RecordDecoder = (decoder: KafkajsDecoder, batchContext?: BatchContext) => Record<string, unknown>;

const KAFKAJS_VERSION = '2.2.4';
const LOG_APPEND_TIME = 1;
/** the numeric first offset and first timestamp of a batch, NaN when not exact */
const BASES = Symbol('gridlake.bases');

let original: RecordDecoder | undefined;
let longFromValue: ((v: string) => { add(d: unknown): { toString(): string } }) | undefined;

function bases(ctx: BatchContext & { [BASES]?: [number, number] }): [number, number] {
  let b = ctx[BASES];
  if (b === undefined) {
    const offset = Number(ctx.firstOffset);
    const time = Number(ctx.firstTimestamp);
    b = [Number.isSafeInteger(offset) ? offset : NaN, Number.isSafeInteger(time) ? time : NaN];
    ctx[BASES] = b;
  }
  return b;
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

function readVarIntBytes(d: KafkajsDecoder): Buffer | null {
  const length = readVarInt(d);
  if (length === -1) return null;
  const bytes = d.buffer.slice(d.offset, d.offset + length);
  d.offset += length;
  return bytes;
}

const fastRecordDecoder: RecordDecoder = (decoder, batchContext = {} as BatchContext) => {
  const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const start = decoder.offset;
  const attributes = decoder.buffer.readInt8(decoder.offset);
  decoder.offset += 1;
  const timestampDelta = readVarLong(decoder);
  const [offsetBase, timeBase] = bases(batchContext);
  const timestamp =
    timestampType === LOG_APPEND_TIME && maxTimestamp
      ? maxTimestamp
      : plus(timeBase, batchContext.firstTimestamp, timestampDelta);
  const offsetDelta = readVarInt(decoder);
  const offset = plus(offsetBase, batchContext.firstOffset, offsetDelta);
  const key = readVarIntBytes(decoder);
  const value = readVarIntBytes(decoder);
  const headerCount = decoder.buffer[decoder.offset];
  if (headerCount !== 0) {
    // Headers (or a malformed count): the original, from the start of the record.
    decoder.offset = start;
    return original!(decoder, batchContext);
  }
  decoder.offset += 1;
  return {
    magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers: {},
    isControlRecord: isControlBatch,
    batchContext,
  };
};

/** kafkajs's own record decoder (tests compare against it). */
export function kafkajsRecordDecoder(): RecordDecoder {
  return original ?? (require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as RecordDecoder);
}

/** The replacement (tests). */
export const fastKafkajsRecordDecoder: RecordDecoder = (decoder, ctx) => {
  if (!original) loadOriginal();
  return fastRecordDecoder(decoder, ctx);
};

function loadOriginal(): void {
  original = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as RecordDecoder;
  const Long = require('kafkajs/src/utils/long.js') as { fromValue: typeof longFromValue };
  longFromValue = (v) => Long.fromValue!(v);
}

/** Installs the decoder into kafkajs; returns whether kafkajs will use it. */
export function installFastRecordDecoder(): boolean {
  try {
    const pkg = require('kafkajs/package.json') as { version: string };
    if (pkg.version !== KAFKAJS_VERSION) return false;
    const recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
    const batchPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
    const cached = require.cache[recordPath];
    if (cached?.exports === fastRecordDecoder) return true;
    // The batch decoder takes the record decoder when it loads: too late once it has.
    if (require.cache[batchPath]) return false;
    loadOriginal();
    require.cache[recordPath]!.exports = fastRecordDecoder;
    return true;
  } catch {
    return false;
  }
}
