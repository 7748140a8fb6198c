import { createRequire } from 'node:module';
import { KAFKAJS_VERSION } from './kafkajs-records.js';

/**
 * kafkajs 2.2.4's produce path with its costs taken out, swapped into its
 * module cache by `installFastProducer` (kafkajs.ts calls it before kafkajs
 * loads). What reaches the broker is byte for byte what kafkajs sends;
 * test/unit/bus/kafkajs-producer.test.ts proves each function against
 * kafkajs's own. Measured forwarding a spool of PowerReadings over SASL_SSL
 * (bench/agent), kafkajs spent its time on:
 *
 * - grouping a send's messages per partition: it copied the partition's list
 *   for every message added, quadratic in the batch
 *   (`producer/groupMessagesPerPartition.js`);
 * - encoding: each record in a zero-filled 512-byte buffer with its varints
 *   through temporary arrays and its timestamp through a Long; then the
 *   records copied into a batch, the batch into a partition entry, that into
 *   a topic, that into the request and that into its frame, each level
 *   growing by doubling and zero-filling: about fourteen bytes allocated for
 *   each byte sent, which set the forwarder's peak memory
 *   (`protocol/requests/produce/v3/request.js`, which v4–v7 reuse, and
 *   `protocol/request.js`);
 * - the batch CRC, one byte at a time.
 *
 * Here a produce request is sized first and written once into one buffer,
 * and framed with one more copy. Anything off the common path (compression,
 * record headers, message timestamps) is left to kafkajs's own encoder.
 */
const require = createRequire(import.meta.url);

const GROUPING = 'kafkajs/src/producer/groupMessagesPerPartition.js';
const SEND_MESSAGES = 'kafkajs/src/producer/sendMessages.js';
const PRODUCE_V3 = 'kafkajs/src/protocol/requests/produce/v3/request.js';
const FRAME = 'kafkajs/src/protocol/request.js';
const CONNECTION = 'kafkajs/src/network/connection.js';

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  size(): number;
}
type Long = { getHighBits(): number; getLowBits(): number };
interface LongClass {
  fromInt(v: number): Long;
  fromValue(v: unknown): Long;
}

// ---- grouping ------------------------------------------------------------

export interface GroupingArgs<M> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: M }) => number;
}

/** kafkajs's grouping, linear: each message appended to its partition's list, in message order. */
export function groupMessagesPerPartition<M>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupingArgs<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

// ---- CRC-32C ---------------------------------------------------------------

/** CRC-32C (Castagnoli) tables for slicing by 8: table s maps a byte s positions ahead. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let s = 1; s < 8; s++)
    for (let n = 0; n < 256; n++) {
      const p = t[(s - 1) * 256 + n]!;
      t[s * 256 + n] = (p >>> 8) ^ t[p & 0xff]!;
    }
  return t;
})();

/**
 * CRC-32C of a record batch, eight bytes a step: four times kafkajs's loop
 * (0.9 ms against 3.8 ms for 900 KB here). Node has no CRC-32C; the native
 * packages ship as optional per-platform binaries, which the image prunes,
 * and the pure-JS one tried (turbo-crc32) was no faster than kafkajs's.
 */
export function crc32c(b: Buffer): number {
  let crc = -1;
  let i = 0;
  const n = b.length;
  const end8 = n - (n & 7);
  for (; i < end8; i += 8) {
    const a = crc ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    crc =
      CRC_TABLE[1792 + (a & 0xff)]! ^
      CRC_TABLE[1536 + ((a >>> 8) & 0xff)]! ^
      CRC_TABLE[1280 + ((a >>> 16) & 0xff)]! ^
      CRC_TABLE[1024 + (a >>> 24)]! ^
      CRC_TABLE[768 + b[i + 4]!]! ^
      CRC_TABLE[512 + b[i + 5]!]! ^
      CRC_TABLE[256 + b[i + 6]!]! ^
      CRC_TABLE[b[i + 7]!]!;
  }
  for (; i < n; i++) crc = CRC_TABLE[(crc ^ b[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

// ---- produce request -------------------------------------------------------

type Bytes = Buffer | string | null | undefined;
export interface ProduceMessage {
  key?: Bytes;
  value?: Bytes;
  headers?: unknown;
  timestamp?: unknown;
  [other: string]: unknown;
}
export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: {
    topic: string;
    partitions: { partition: number; firstSequence?: number; messages: ProduceMessage[] }[];
  }[];
}
interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<KafkajsEncoder>;
}
export type ProduceRequest = (args: ProduceRequestArgs) => KafkajsRequest;
export type FrameRequest = (args: {
  correlationId: number;
  clientId: string | null | undefined;
  request: { apiKey: number; apiVersion: number; encode(): Promise<KafkajsEncoder> };
}) => Promise<KafkajsEncoder>;

const MAGIC_BYTE = 2;
const TRANSACTIONAL = 16;
/** firstOffset … record count: the fixed part of a record batch */
const BATCH_HEAD = 61;
const CRC_AT = 17;
/** offset deltas below this have a zigzag that fits 31 bits */
const SMALL = 2 ** 30;

let Encoder: (new (initialSize?: number) => KafkajsEncoder) | undefined;
let LongType: LongClass | undefined;
let originalProduce: ProduceRequest | undefined;
let originalFrame: FrameRequest | undefined;
let originalGrouping: (<M>(args: GroupingArgs<M>) => Record<number, M[]>) | undefined;

function load(): void {
  if (Encoder) return;
  Encoder = require('kafkajs/src/protocol/encoder.js') as typeof Encoder;
  LongType = require('kafkajs/src/utils/long.js') as LongClass;
  originalProduce = aside<ProduceRequest>(PRODUCE_V3, fastProduceRequest);
  originalFrame = aside<FrameRequest>(FRAME, fastFrameRequest);
  originalGrouping = aside(GROUPING, groupMessagesPerPartition);
}

/** kafkajs's own module, loaded past a replacement already in its cache. */
function aside<T>(id: string, replacement: unknown): T {
  const path = require.resolve(id);
  const cached = require.cache[path];
  if (cached?.exports !== replacement) return require(id) as T;
  delete require.cache[path];
  try {
    return require(id) as T;
  } finally {
    require.cache[path] = cached;
  }
}

/** An Encoder over an exactly sized buffer, as kafkajs's writers leave one. */
function encoderOver(buf: Buffer): KafkajsEncoder {
  const e = Object.create(Encoder!.prototype) as KafkajsEncoder;
  e.buf = buf;
  e.offset = buf.length;
  return e;
}

function uvarintSize(u: number): number {
  return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : 5;
}

/** zigzag of a 32-bit integer, as an unsigned number */
function zigzag(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

function writeUVarInt(buf: Buffer, at: number, u: number): number {
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[at++] = u;
  return at;
}

function writeInt64(buf: Buffer, at: number, value: unknown): number {
  const long = LongType!.fromValue(value);
  buf.writeInt32BE(long.getHighBits(), at);
  buf.writeInt32BE(long.getLowBits(), at + 4);
  return at + 8;
}

function plainBytes(b: unknown): b is Bytes {
  return b === null || b === undefined || typeof b === 'string' || Buffer.isBuffer(b);
}

function noHeaders(h: unknown): boolean {
  return h === undefined || (typeof h === 'object' && h !== null && Object.keys(h).length === 0);
}

/** Whether a request is on the common path (see the file's comment); the rest is kafkajs's. */
export function onFastPath(args: ProduceRequestArgs): boolean {
  if ((args.compression ?? 0) !== 0) return false;
  if (args.transactionalId != null && typeof args.transactionalId !== 'string') return false;
  for (const t of args.topicData) {
    if (typeof t.topic !== 'string') return false;
    for (const p of t.partitions) {
      if (p.messages.length >= SMALL) return false;
      for (const m of p.messages)
        if (m.timestamp != null || !noHeaders(m.headers) || !plainBytes(m.key) || !plainBytes(m.value)) return false;
    }
  }
  return true;
}

const byteLength = (b: Bytes): number => (b == null ? -1 : typeof b === 'string' ? Buffer.byteLength(b) : b.length);

function writeBytes(buf: Buffer, at: number, b: Bytes, length: number): number {
  at = writeUVarInt(buf, at, zigzag(length));
  if (b == null) return at;
  if (typeof b === 'string') buf.write(b, at, length, 'utf8');
  else b.copy(buf, at);
  return at + length;
}

/** A record's bytes after its length: attributes, timestamp delta 0, offset delta, key, value, no headers. */
function recordBodySize(offsetDelta: number, keyLength: number, valueLength: number): number {
  return (
    3 +
    uvarintSize(zigzag(offsetDelta)) +
    uvarintSize(zigzag(keyLength)) +
    Math.max(keyLength, 0) +
    uvarintSize(zigzag(valueLength)) +
    Math.max(valueLength, 0)
  );
}

/**
 * The body of a produce request, v3 (what v3–v7 send), in one buffer. Every
 * record has attributes 0, timestamp delta 0 (no message timestamps: the batch
 * carries `now`), its index as offset delta and no headers, as kafkajs writes them.
 */
export function encodeProduceRequest(args: ProduceRequestArgs, now: number): Buffer {
  const { acks, timeout, transactionalId = null, producerEpoch = 0, topicData } = args;
  const producerId = args.producerId ?? LongType!.fromInt(-1);
  // Sizes first (each key and value measured once), then one buffer.
  const lengths: number[] = [];
  const txLength = transactionalId === null ? -1 : Buffer.byteLength(transactionalId);
  let size = 2 + Math.max(txLength, 0) + 2 + 4 + 4;
  for (const t of topicData) {
    size += 2 + Buffer.byteLength(t.topic) + 4;
    for (const p of t.partitions) {
      size += 4 + 4 + BATCH_HEAD;
      for (let i = 0; i < p.messages.length; i++) {
        const m = p.messages[i]!;
        const k = byteLength(m.key);
        const v = byteLength(m.value);
        lengths.push(k, v);
        const body = recordBodySize(i, k, v);
        size += uvarintSize(zigzag(body)) + body;
      }
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let at = buf.writeInt16BE(txLength, 0);
  if (transactionalId !== null) at += buf.write(transactionalId, at, 'utf8');
  at = buf.writeInt16BE(acks, at);
  at = buf.writeInt32BE(timeout, at);
  at = buf.writeInt32BE(topicData.length, at);
  let li = 0;
  for (const t of topicData) {
    at = buf.writeInt16BE(Buffer.byteLength(t.topic), at);
    at += buf.write(t.topic, at, 'utf8');
    at = buf.writeInt32BE(t.partitions.length, at);
    for (const p of t.partitions) {
      at = buf.writeInt32BE(p.partition, at);
      const sizeAt = at;
      const batchAt = at + 4;
      at = writeInt64(buf, batchAt, 0); // firstOffset
      at += 4; // batch length, below
      at = buf.writeInt32BE(0, at); // partition leader epoch
      at = buf.writeInt8(MAGIC_BYTE, at);
      at += 4; // CRC, below
      at = buf.writeInt16BE(transactionalId ? TRANSACTIONAL : 0, at);
      at = buf.writeInt32BE(p.messages.length - 1, at);
      at = writeInt64(buf, at, now);
      at = writeInt64(buf, at, now);
      at = writeInt64(buf, at, producerId);
      at = buf.writeInt16BE(producerEpoch, at);
      at = buf.writeInt32BE(p.firstSequence ?? 0, at);
      at = buf.writeInt32BE(p.messages.length, at);
      for (let i = 0; i < p.messages.length; i++) {
        const m = p.messages[i]!;
        const k = lengths[li++]!;
        const v = lengths[li++]!;
        const body = recordBodySize(i, k, v);
        at = writeUVarInt(buf, at, zigzag(body));
        buf[at++] = 0; // attributes
        buf[at++] = 0; // timestamp delta
        at = writeUVarInt(buf, at, zigzag(i));
        at = writeBytes(buf, at, m.key, k);
        at = writeBytes(buf, at, m.value, v);
        buf[at++] = 0; // no headers
      }
      buf.writeInt32BE(at - batchAt, sizeAt); // the record set's size
      buf.writeInt32BE(at - batchAt - 12, batchAt + 8); // the batch's length after firstOffset and itself
      buf.writeUInt32BE(crc32c(buf.subarray(batchAt + CRC_AT + 4, at)), batchAt + CRC_AT);
    }
  }
  if (at !== size) throw new Error(`produce request encoded ${at} bytes, sized ${size}`);
  return buf;
}

/** kafkajs's produce request v3, with its `encode` replaced on the common path. */
export const fastProduceRequest: ProduceRequest = (args) => {
  load();
  const request = originalProduce!(args);
  if (!onFastPath(args)) return request;
  return { ...request, encode: async () => encoderOver(encodeProduceRequest(args, Date.now())) };
};

/** kafkajs's request frame (size, api key and version, correlation id, client id, body), in one copy. */
export const fastFrameRequest: FrameRequest = async (args) => {
  load();
  const { correlationId, clientId, request } = args;
  if (clientId != null && typeof clientId !== 'string') return originalFrame!(args);
  const payload = (await request.encode()).buffer;
  const idLength = clientId == null ? -1 : Buffer.byteLength(clientId);
  const body = 2 + 2 + 4 + 2 + Math.max(idLength, 0) + payload.length;
  const buf = Buffer.allocUnsafe(4 + body);
  let at = buf.writeInt32BE(body, 0);
  at = buf.writeInt16BE(request.apiKey, at);
  at = buf.writeInt16BE(request.apiVersion, at);
  at = buf.writeInt32BE(correlationId, at);
  at = buf.writeInt16BE(idLength, at);
  if (clientId != null) at += buf.write(clientId, at, 'utf8');
  payload.copy(buf, at);
  return encoderOver(buf);
};

/** kafkajs's own functions (tests compare against them). */
export function kafkajsProducerFunctions(): {
  produce: ProduceRequest;
  frame: FrameRequest;
  grouping: <M>(args: GroupingArgs<M>) => Record<number, M[]>;
} {
  load();
  return { produce: originalProduce!, frame: originalFrame!, grouping: originalGrouping! };
}

/**
 * Puts the three replacements into kafkajs's module cache; returns whether
 * its producer will use them. kafkajs takes the grouping and the frame when
 * it loads, so this must run before the first `require('kafkajs')`; after it,
 * kafkajs is left as it is (slower, not different).
 */
export function installFastProducer(): boolean {
  try {
    const pkg = require('kafkajs/package.json') as { version: string };
    if (pkg.version !== KAFKAJS_VERSION) return false;
    const paths = [GROUPING, PRODUCE_V3, FRAME].map((id) => require.resolve(id));
    const fast = [groupMessagesPerPartition, fastProduceRequest, fastFrameRequest];
    if (paths.every((p, i) => require.cache[p]?.exports === fast[i])) return true;
    const users = [SEND_MESSAGES, CONNECTION, 'kafkajs/src/protocol/requests/produce/v4/request.js'];
    if (users.some((id) => require.cache[require.resolve(id)] !== undefined)) return false;
    load();
    paths.forEach((p, i) => (require.cache[p]!.exports = fast[i]));
    return true;
  } catch {
    return false;
  }
}
