import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fastProducerInstalled } from '../../../src/bus/kafka/kafkajs.js';
import {
  crc32c,
  encodeProduceRequest,
  fastFrameRequest,
  fastProduceRequest,
  groupMessagesPerPartition,
  installFastProducer,
  kafkajsProducerFunctions,
  onFastPath,
  type ProduceRequestArgs,
} from '../../../src/bus/kafka/kafkajs-producer.js';
import { partitionOfKey } from '../../../src/bus/kafka/partitioner.js';

const require = createRequire(import.meta.url);
const theirs = kafkajsProducerFunctions();

afterEach(() => {
  vi.restoreAllMocks();
});

const bytes = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
);
const plainMessage = fc.record({ key: bytes, value: bytes });
/** Mostly messages as gridlake sends them; now and then one kafkajs must encode itself. */
const message = fc.oneof(
  { weight: 8, arbitrary: plainMessage },
  {
    weight: 1,
    arbitrary: fc.record({ key: bytes, value: bytes, headers: fc.constant({ h: 'v', m: ['1', '2'] }) }),
  },
  { weight: 1, arbitrary: fc.record({ key: bytes, value: bytes, timestamp: fc.constantFrom(1_700_000_000_000, '5') }) },
);
const produceArgs = (message: fc.Arbitrary<Record<string, unknown>>) =>
  fc.record({
    acks: fc.constantFrom(-1, 0, 1),
    timeout: fc.nat({ max: 60_000 }),
    transactionalId: fc.constantFrom<string | null | undefined>(undefined, null, 'tx-1', '트랜잭션'),
    producerId: fc.constantFrom<unknown>(undefined, -1, 0, 4242, '9007199254740993'),
    producerEpoch: fc.nat({ max: 32_000 }),
    compression: fc.constantFrom(0, 0, 0, 0, 1),
    topicData: fc.array(
      fc.record({
        topic: fc.string({ minLength: 1, maxLength: 20 }),
        partitions: fc.array(
          fc.record({
            partition: fc.nat({ max: 50 }),
            firstSequence: fc.nat({ max: 2 ** 31 - 1 }),
            messages: fc.array(message, { minLength: 1, maxLength: 30 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });

async function encoded(produce: typeof fastProduceRequest, args: ProduceRequestArgs): Promise<string> {
  return (await produce(args).encode()).buffer.toString('hex');
}

describe('kafkajs produce path replacement', () => {
  it('is what kafkajs runs once kafkajs.ts loaded it', () => {
    expect(fastProducerInstalled).toBe(true);
    expect(installFastProducer()).toBe(true);
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(groupMessagesPerPartition);
    expect(require('kafkajs/src/protocol/requests/produce/v3/request.js')).toBe(fastProduceRequest);
    expect(require('kafkajs/src/protocol/request.js')).toBe(fastFrameRequest);
    expect(theirs.produce).not.toBe(fastProduceRequest);
    expect(theirs.frame).not.toBe(fastFrameRequest);
    expect(theirs.grouping).not.toBe(groupMessagesPerPartition);
  });

  it('encodes produce requests byte for byte as kafkajs does: batches, CRCs, producer ids, transactions, and whatever it leaves to kafkajs (property)', async () => {
    const now = 1_765_000_000_123;
    vi.spyOn(Date, 'now').mockReturnValue(now);
    let direct = 0;
    await fc.assert(
      // Half the requests only as gridlake sends them, so the common path is taken often.
      fc.asyncProperty(fc.oneof(produceArgs(plainMessage), produceArgs(message)), async (args) => {
        const ours = fastProduceRequest(args);
        const kafkajs = theirs.produce(args);
        const about = (r: typeof ours) => [r.apiKey, r.apiVersion, r.apiName, r.expectResponse()];
        expect(about(ours)).toEqual(about(kafkajs));
        const kafkajsBytes = await encoded(theirs.produce, args);
        expect(await encoded(fastProduceRequest, args)).toBe(kafkajsBytes);
        // The common path itself, not kafkajs's encoder behind it.
        const common =
          args.compression === 0 &&
          args.topicData.every((t) =>
            t.partitions.every((p) => p.messages.every((m) => !('headers' in m) && !('timestamp' in m))),
          );
        expect(onFastPath(args)).toBe(common);
        if (common) {
          direct++;
          expect(encodeProduceRequest(args, now).toString('hex')).toBe(kafkajsBytes);
        }
      }),
      { numRuns: 400 },
    );
    expect(direct).toBeGreaterThan(100);
  });

  it('frames requests byte for byte as kafkajs does (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          correlationId: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          clientId: fc.oneof(fc.constant(null), fc.string({ maxLength: 30 })),
          apiKey: fc.nat({ max: 70 }),
          apiVersion: fc.nat({ max: 12 }),
          body: fc.uint8Array({ maxLength: 300 }),
        }),
        async ({ correlationId, clientId, apiKey, apiVersion, body }) => {
          const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => {
            writeBuffer(b: Buffer): unknown;
          };
          const request = {
            apiKey,
            apiVersion,
            encode: async () => new Encoder().writeBuffer(Buffer.from(body)) as never,
          };
          const ours = await fastFrameRequest({ correlationId, clientId, request });
          const kafkajs = await theirs.frame({ correlationId, clientId, request });
          expect(ours.buffer.toString('hex')).toBe(kafkajs.buffer.toString('hex'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('groups a send per partition exactly as kafkajs does: same partitions, same order within each (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ key: fc.option(fc.string({ maxLength: 8 }), { nil: null }), value: fc.string({ maxLength: 4 }) }),
          { maxLength: 200 },
        ),
        fc.integer({ min: 0, max: 6 }),
        (messages, partitions) => {
          const args = {
            topic: 't',
            partitionMetadata: Array.from({ length: partitions }, (_, p) => ({ partitionId: p })),
            messages,
            // deterministic for keyless records too, so both see the same partitions
            partitioner: ({ message }: { message: { key: string | null } }) =>
              message.key === null ? 0 : partitionOfKey(message.key, partitions),
          };
          expect(JSON.stringify(groupMessagesPerPartition(args))).toBe(JSON.stringify(theirs.grouping(args)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('computes CRC-32C as kafkajs does for buffers of every length and alignment (property)', () => {
    const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat({ max: 9 }), (data, skip) => {
        const b = Buffer.from(data).subarray(Math.min(skip, data.length));
        expect(crc32c(b)).toBe(kafkajsCrc(b));
      }),
      { numRuns: 3000 },
    );
    // the check value of CRC-32C (RFC 3720), for "123456789"
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});
