import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { kafka } from '../../infra/index.js';

describe('test Kafka (KRaft, real broker)', () => {
  it('round-trips keyed messages through a consumer group with committed offsets', async () => {
    const { brokers } = await kafka();
    const client = new Kafka({ clientId: 'infra-test', brokers: [...brokers], logLevel: logLevel.NOTHING });
    const topic = `infra-${randomUUID()}`;
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });

    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const groupId = `g-${randomUUID()}`;
    const consumer = client.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = new Map<string, number>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.size} of 200 messages consumed`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.set(message.key!.toString(), (JSON.parse(message.value!.toString()) as { i: number }).i);
          if (got.size === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(got.size).toBe(200);
    expect(got.get('k199')).toBe(199);

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(200);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
});
