import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { addSiteUser, kafka, type KafkaInfo } from '../../infra/index.js';

// A remote site's Kafka user over the SASL_SSL listener: it may write its own
// topics and do nothing else (docs/remote-sites.md, "Topics").
describe('site user on the SASL_SSL + SCRAM-SHA-512 listener (real Kafka)', () => {
  const id = randomUUID().slice(0, 8);
  const own = `site-${id}.power`;
  const other = `site-${id}.other`;
  const user = `site-${id}`;
  const password = `pw-${randomUUID()}`;
  let info: KafkaInfo;
  let admin: Admin;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    info = await kafka();
    admin = new Kafka({ clientId: 'site-test-admin', brokers: [...info.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: own }, { topic: other }], waitForLeaders: true });
    await addSiteUser(info, { user, password, topics: [own] });
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await admin?.deleteTopics({ topics: [own, other] }).catch(() => undefined);
    await admin?.disconnect();
  });

  function siteClient(pw = password): Kafka {
    return new Kafka({
      clientId: user,
      brokers: [...info.site.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      ssl: { ca: [info.site.ca] },
      sasl: { mechanism: 'scram-sha-512', username: user, password: pw },
    });
  }

  it('writes its own topic through the KafkaBus (idempotent, acks=all), and the hub reads it back', async () => {
    const bus = new KafkaBus({
      brokers: info.site.brokers,
      clientId: user,
      ssl: { ca: [info.site.ca] },
      sasl: { mechanism: 'scram-sha-512', username: user, password },
    });
    closers.push(() => bus.close());
    const sent = await bus.send(own, [
      { key: 'k1', value: '{"n":1}' },
      { key: 'k2', value: '{"n":2}' },
    ]);
    expect(sent.map((s) => s.offset)).toEqual([0, 1]);
    const hub = new KafkaBus({ brokers: info.brokers });
    closers.push(() => hub.close());
    expect(await hub.endOffsets(own)).toEqual([{ topic: own, partition: 0, offset: 2 }]);
  });

  it('is refused a write to a topic it was not granted', async () => {
    const p = siteClient().producer();
    await p.connect();
    closers.push(() => p.disconnect());
    const err = await p.send({ topic: other, messages: [{ key: 'k', value: 'v' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(describe_(err))).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    expect(await admin.fetchTopicOffsets(other)).toEqual([expect.objectContaining({ partition: 0, high: '0' })]);
  });

  it('is refused any read, even of its own topic', async () => {
    const consumer = siteClient().consumer({ groupId: `${user}-reader`, retry: { retries: 1 } });
    closers.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [own], fromBeginning: true });
    let got = 0;
    const crashed = new Promise<unknown>((resolve) =>
      consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error)),
    );
    await consumer.run({ eachMessage: async () => void got++ });
    const err = await Promise.race([crashed, new Promise((r) => setTimeout(() => r('no crash within 20 s'), 20_000))]);
    // kafkajs reports a denied group as "coordinator not found" (the real GROUP_AUTHORIZATION_FAILED is only in its debug log).
    expect(String(describe_(err))).toMatch(/group coordinator|not authorized/i);
    expect(got).toBe(0);
  });

  it('is refused with a readable error when the password is wrong', async () => {
    const p = siteClient('wrong-password').producer();
    const err = await p.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(describe_(err))).toMatch(/SASL SCRAM SHA512 authentication failed.*invalid credentials/);
  });
});

/** An error and its causes, one line each (kafkajs wraps the protocol error). */
function describe_(err: unknown): string {
  const lines: string[] = [];
  for (
    let e = err as { name?: string; message?: string; type?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    lines.push(`${e.name ?? ''}: ${e.message ?? String(e)} [${e.type ?? ''}]`);
    if (lines.length > 5) break;
  }
  return lines.join('\n');
}
