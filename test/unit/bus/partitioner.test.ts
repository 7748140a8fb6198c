import { createRequire } from 'node:module';
import fc from 'fast-check';
import type * as KafkaJS from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { javaCompatiblePartitioner, murmur2, partitionOfKey } from '../../../src/bus/kafka/partitioner.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: string | Buffer,
) => number;
const { Partitioners } = require('kafkajs') as typeof KafkaJS;

type PartitionMetadata = KafkaJS.PartitionMetadata;
function metadata(partitions: number, leaderless: readonly number[] = []): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, p) => ({
    partitionId: p,
    leader: leaderless.includes(p) ? -1 : 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
}

describe('murmur2', () => {
  it('hashes exactly as kafkajs (the Java client) does: strings of every length and script, and bytes (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const key = Buffer.from(bytes);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches on the keys the collectors really send and on keys longer than its scratch buffer', () => {
    const keys = [
      '202612070105',
      '2026-12-07T01:00+09:00/60/127',
      '',
      'a',
      'ab',
      'abc',
      '한국전력거래소',
      'x'.repeat(5000),
    ];
    for (const key of keys) expect(murmur2(key), key.slice(0, 20)).toBe(kafkajsMurmur2(key));
  });

  it('puts a key in the partition kafkajs DefaultPartitioner puts it in', () => {
    const theirs = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 7, 12])
      for (let i = 0; i < 500; i++) {
        const key = `2026120${i % 10}${i}`;
        expect(partitionOfKey(key, partitions)).toBe(
          theirs({ topic: 't', partitionMetadata: metadata(partitions), message: { key, value: 'v' } }),
        );
      }
  });
});

describe('javaCompatiblePartitioner', () => {
  it('keeps an explicit partition, hashes a key, and spreads keyless records over partitions with a leader', () => {
    const partition = javaCompatiblePartitioner();
    const md = metadata(4, [1]);
    expect(partition({ topic: 't', partitionMetadata: md, message: { key: 'k', value: 'v', partition: 1 } })).toBe(1);
    expect(partition({ topic: 't', partitionMetadata: md, message: { key: 'k', value: 'v' } })).toBe(
      partitionOfKey('k', 4),
    );
    const seen = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const p = partition({ topic: 't', partitionMetadata: md, message: { key: null, value: 'v' } });
      seen.set(p, (seen.get(p) ?? 0) + 1);
    }
    // Round-robin over 0, 2 and 3 (1 has no leader): each exactly a third.
    expect([...seen.entries()].sort()).toEqual([
      [0, 100],
      [2, 100],
      [3, 100],
    ]);
    // No leader anywhere: still a partition of the topic.
    const none = partition({ topic: 'u', partitionMetadata: metadata(2, [0, 1]), message: { key: null, value: 'v' } });
    expect([0, 1]).toContain(none);
  });
});
