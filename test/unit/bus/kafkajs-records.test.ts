import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../src/bus/kafka/kafka-bus.js';
import {
  fastKafkajsRecordDecoder,
  installFastRecordDecoder,
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
  new (buffer: Buffer): { readVarIntBytes(): Buffer };
}

const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as RecordEncoder;
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
    // true: installed (again, a no-op); kafkajs's own record module now exports the replacement
    expect(installFastRecordDecoder()).toBe(true);
    const inKafkajs = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as unknown;
    expect(inKafkajs).not.toBe(kafkajsRecordDecoder());
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
          // The same context twice: the replacement caches the numeric bases on it.
          const shared = { ...ctx };
          for (let i = 0; i < 2; i++) {
            const got = fastKafkajsRecordDecoder(new Decoder(bytes) as never, shared);
            expect({ ...got, batchContext: undefined }).toEqual({ ...want, batchContext: undefined });
            expect(got['batchContext']).toBe(shared);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
