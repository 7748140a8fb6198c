import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
/** Keys up to this many UTF-16 units are encoded into a reused buffer (3 bytes a unit at most). */
const SCRATCH_UNITS = 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_UNITS * 3);

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`), on 32-bit integer
 * arithmetic. kafkajs computes the same hash through its Long class, a dozen
 * objects a four-byte word: about 3 µs a key, which was the largest single
 * cost of forwarding a spool. test/unit/bus/partitioner.test.ts checks it
 * against kafkajs's own murmur2 key by key.
 */
export function murmur2(key: string | Buffer): number {
  let data: Buffer;
  let length: number;
  if (typeof key !== 'string') {
    data = key;
    length = key.length;
  } else if (key.length <= SCRATCH_UNITS) {
    data = scratch;
    length = scratch.write(key, 0, 'utf8');
  } else {
    data = Buffer.from(key, 'utf8');
    length = data.length;
  }
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes (Java's switch falls through from case 3 to case 1).
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's Java client and kafkajs's DefaultPartitioner give a key. */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * kafkajs's DefaultPartitioner (the Java client's), decision for decision: an
 * explicit partition wins, a key hashes with murmur2, no key goes round-robin
 * over the partitions that have a leader, starting at a random place. It only
 * differs in cost: the hash above, and the list of partitions with a leader
 * built only for a record without key or partition (kafkajs builds it for
 * every record).
 */
export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return partitionOfKey(message.key, partitionMetadata.length);
    const counter = (counters.get(topic) ?? (Math.random() * 2 ** 32) >>> 0) + 1;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[(counter & 0x7fffffff) % available.length]!.partitionId;
    return (counter & 0x7fffffff) % partitionMetadata.length;
  };
};
