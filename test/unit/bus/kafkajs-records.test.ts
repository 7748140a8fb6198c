import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../src/bus/kafka/kafka-bus.js';
import {
  fastKafkajsBatchDecoder,
  fastKafkajsRecordDecoder,
  installFastRecordDecoder,
  kafkajsBatchDecoder,
  kafkajsRecordDecoder,
} from '../../../src/bus/kafka/kafkajs-records.js';

const require = createRequire(import.meta.url);

interface Encoded {
  buffer: Buffer;
}
type RecordEncoder = (r: {
  offsetDelta?: number;
  timestampDelta?: number | bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | string[]>;
}) => Encoded;
interface DecoderClass {
  new (buffer: Buffer): { readVarIntBytes(): Buffer; offset: number };
}
type BatchEncoder = (b: {
  compression?: number;
  firstOffset?: bigint | number | string;
  firstTimestamp?: number;
  maxTimestamp?: number;
  transactional?: boolean;
  producerId?: number;
  records: Encoded[];
}) => Promise<Encoded>;

const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as RecordEncoder;
const encodeBatch = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: BatchEncoder };
const Decoder = require('kafkajs/src/protocol/decoder.js') as DecoderClass;

/** One record's bytes as the record-batch decoder hands them to the record decoder. */
function recordBytes(r: Parameters<RecordEncoder>[0]): Buffer {
  return new Decoder(encodeRecord(r).buffer).readVarIntBytes();
}

const int64Text = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.constantFrom(-1, 0, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 1),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  fc.constant(2n ** 63n - 1n),
);

describe('kafkajs record decoder replacement', () => {
  it('is what kafkajs uses once kafka-bus.ts is loaded', () => {
    // true: installed (again, a no-op); kafkajs's own record-batch module now exports the replacement
    expect(installFastRecordDecoder()).toBe(true);
    const inKafkajs = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as unknown;
    expect(inKafkajs).not.toBe(kafkajsBatchDecoder());
  });

  it('decodes whole record batches exactly as kafkajs does, compressed or not, and cut short (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.option(fc.uint8Array({ maxLength: 10 }), { nil: null }),
            value: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: null }),
            headers: fc.option(
              fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
              {
                nil: undefined,
                freq: 3,
              },
            ),
            timestampDelta: fc.integer({ min: -5000, max: 5000 }),
          }),
          { minLength: 0, maxLength: 30 },
        ),
        fc.record({
          gzip: fc.boolean(),
          firstOffset: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.constant(2 ** 53 - 5)),
          firstTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
          transactional: fc.boolean(),
          cut: fc.integer({ min: 0, max: 40 }),
        }),
        async (records, b) => {
          const encoded = await encodeBatch.RecordBatch({
            compression: b.gzip ? 1 : 0,
            firstOffset: String(b.firstOffset),
            firstTimestamp: b.firstTimestamp,
            maxTimestamp: b.firstTimestamp + 5000,
            transactional: b.transactional,
            records: records.map((r, i) =>
              encodeRecord({
                offsetDelta: i,
                timestampDelta: r.timestampDelta,
                key: r.key === null ? null : Buffer.from(r.key),
                value: r.value === null ? null : Buffer.from(r.value),
                ...(r.headers === undefined ? {} : { headers: r.headers }),
              }),
            ),
          });
          // Two batches back to back, the second possibly cut short (a fetch ends mid-batch).
          const whole = Buffer.concat([encoded.buffer, encoded.buffer]);
          const bytes = whole.subarray(0, whole.length - (b.cut % (encoded.buffer.length + 1)));
          const run = async (decode: (d: never) => Promise<Record<string, unknown>>): Promise<unknown[]> => {
            const d = new Decoder(bytes);
            const out: unknown[] = [];
            for (let i = 0; i < 2; i++)
              try {
                const batch = await decode(d as never);
                out.push(batch);
              } catch (err) {
                out.push(`${(err as Error).name}: ${(err as Error).message}`);
              }
            out.push(d.offset);
            return out;
          };
          expect(await run(fastKafkajsBatchDecoder)).toEqual(await run(kafkajsBatchDecoder()));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns exactly what kafkajs returns for any record and batch (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          offsetDelta: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
          timestampDelta: fc.oneof(
            fc.integer({ min: -1000, max: 100_000 }),
            fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
            fc.constantFrom(2 ** 48, -(2 ** 48), 2 ** 49 - 1, 2 ** 55),
          ),
          key: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: null }),
          value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
          headers: fc.oneof(
            fc.constant(undefined),
            fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })), {
              maxKeys: 3,
            }),
          ),
        }),
        fc.record({
          firstOffset: int64Text,
          firstTimestamp: int64Text,
          maxTimestamp: int64Text,
          timestampType: fc.constantFrom(0, 1),
          isControlBatch: fc.boolean(),
        }),
        (r, batch) => {
          const bytes = recordBytes({
            offsetDelta: r.offsetDelta,
            timestampDelta: r.timestampDelta,
            key: r.key === null ? null : Buffer.from(r.key),
            value: r.value === null ? null : Buffer.from(r.value),
            ...(r.headers === undefined ? {} : { headers: r.headers }),
          });
          const ctx = {
            firstOffset: String(batch.firstOffset),
            firstTimestamp: String(batch.firstTimestamp),
            maxTimestamp: String(batch.maxTimestamp),
            timestampType: batch.timestampType,
            isControlBatch: batch.isControlBatch,
            magicByte: 2,
          };
          const want = kafkajsRecordDecoder()(new Decoder(bytes) as never, { ...ctx });
          const got = fastKafkajsRecordDecoder(new Decoder(bytes) as never, { ...ctx });
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
