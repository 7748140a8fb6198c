import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { checkLake } from '../../../src/lake/lake-check.js';
import { WEATHER_SCHEMA } from '../../../src/lake/lake-schemas.js';
import { LakeSink } from '../../../src/lake/lake-sink.js';
import { S3Store } from '../../../src/lake/s3-store.js';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kafka } from '../../infra/index.js';
import { startMinio } from '../../infra/servers/minio.js';
import { lakeCaughtUp, produceReadings, rand } from './lake-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('LakeSink when MinIO stops for 30 s', () => {
  it('loses nothing, stays bounded and recovers by itself', { timeout: 5 * 60_000 }, async () => {
    const { brokers } = await kafka();
    // A private MinIO: stopping the shared one would stall other test files running meanwhile.
    const minio = await startMinio(await mkdtemp(path.join(os.tmpdir(), 'outage-minio-')));
    cleanups.push(async () => {
      for (const p of minio.procs) await p.stop();
    });
    const info = minio.info;
    const id = rand();
    const topic = `outage.weather.${id}`;
    const producer = new KafkaBus({ brokers });
    cleanups.push(() => producer.close());
    await producer.ensureTopic(topic, 2);
    const store = new S3Store({
      endpoint: info.endpoint,
      region: info.region,
      bucket: 'gridlake-outage',
      prefix: id,
      credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
      attempts: 2,
      requestTimeoutMs: 3000,
    });
    await store.ensureBucket();
    const sinkBus = new KafkaBus({ brokers, consumer: { sessionTimeoutMs: 30_000 } });
    const cap = 2 * 1024 * 1024;
    const sink = new LakeSink({
      name: 'outage',
      bus: sinkBus,
      store,
      topics: [topic],
      groupId: `outage-${id}`,
      maxRecords: 2000,
      maxAgeMs: 1000,
      maxBufferedBytes: cap,
      retryInitialMs: 500,
      retryMaxMs: 4000,
    });
    cleanups.push(async () => {
      await sink.stop();
      await sinkBus.close();
    });
    await sink.start();

    const total = 60_000;
    const producing = (async () => {
      for (let i = 0; i < total; i += 2000) {
        await produceReadings(producer, topic, 'weather', 2000, 3, i, total, 2000);
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    await new Promise((r) => setTimeout(r, 8000));
    let peakBuffered = 0;
    let sawOutage = false;
    const watch = setInterval(() => {
      peakBuffered = Math.max(peakBuffered, sink.bufferedBytes());
      sawOutage ||= sink.inOutage;
    }, 50);
    const rssBefore = process.memoryUsage().rss;
    process.kill(info.pid, 'SIGSTOP');
    let outageWhenStoreCameBack: boolean;
    try {
      await new Promise((r) => setTimeout(r, 30_000));
    } finally {
      outageWhenStoreCameBack = sink.inOutage;
      process.kill(info.pid, 'SIGCONT');
    }
    const rssDuring = process.memoryUsage().rss;
    // What the lake held when MinIO came back; everything written later is the sink's own recovery.
    const filesWhenStoreCameBack = (await store.list(`raw/${topic}/`)).length;
    await producing;
    await eventually('the lake holds every produced record', () => lakeCaughtUp(producer, store, topic), {
      timeoutMs: 120_000,
      intervalMs: 1000,
    });
    clearInterval(watch);
    expect(sawOutage).toBe(true);
    // Still in its outage at the end of the 30 s, so the catch-up above came after the store returned…
    expect(outageWhenStoreCameBack).toBe(true);
    expect(sink.inOutage).toBe(false);
    // …and consisted of new files written by the sink once it could.
    expect((await store.list(`raw/${topic}/`)).length).toBeGreaterThan(filesWhenStoreCameBack);
    // The cap plus at most one batch being taken when it was reached.
    expect(peakBuffered).toBeLessThanOrEqual(cap + 5000 * 400);
    const report = await checkLake(store, WEATHER_SCHEMA, topic);
    expect(report.duplicates).toEqual([]);
    expect(report.overlaps).toEqual([]);
    expect(report.unreadable).toEqual([]);
    for (const end of await producer.endOffsets(topic))
      expect(report.offsets.get(end.partition)).toEqual(Array.from({ length: end.offset }, (_, i) => i));
    expect(report.rows).toBe(total);
    console.log(
      `[outage] rows=${report.rows} files=${report.files} peakBuffered=${peakBuffered} rss ${Math.round(rssBefore / 2 ** 20)}→${Math.round(rssDuring / 2 ** 20)} MiB`,
    );
  });
});
