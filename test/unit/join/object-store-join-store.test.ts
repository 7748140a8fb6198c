import { describe, expect, it } from 'vitest';
import type { CreateOutcome, ObjectInfo, ObjectStore } from '../../../src/lake/object-store.js';
import { joinConfig } from '../../../src/join/join-config.js';
import { dataKey } from '../../../src/join/manifest.js';
import { joinStoreFromObjectStore } from '../../../src/join/object-store-join-store.js';
import { runDailyJoin } from '../../../src/join/run-join.js';
import { hm, power, weather } from '../../fixtures/join/records.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';

/** An in-memory ObjectStore with the lake port's contract (sorted listing, atomic put). */
class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  readonly location = 'memory://';
  async putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    if (this.objects.has(key)) return 'exists';
    await this.put(key, body);
    return 'created';
  }
  async put(key: string, body: Uint8Array): Promise<void> {
    this.objects.set(key, Buffer.from(body));
  }
  async get(key: string): Promise<Buffer> {
    const b = this.objects.get(key);
    if (b === undefined) throw new Error(`missing ${key}`);
    return b;
  }
  async head(key: string): Promise<ObjectInfo | null> {
    const b = this.objects.get(key);
    return b === undefined ? null : { key, size: b.byteLength };
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, b]) => ({ key, size: b.byteLength }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

describe('JoinStore over the lake ObjectStore', () => {
  it('runs a day through whole-object reads', async () => {
    const objects = new MemoryObjectStore();
    const store = joinStoreFromObjectStore(objects);
    const D = '2025-11-22';
    await writeRaw(
      store,
      'power',
      Array.from({ length: 288 }, (_, s) => power(D, hm(Math.floor(s / 12), (s % 12) * 5), 60_000 + s)),
    );
    await writeRaw(
      store,
      'weather',
      Array.from({ length: 24 }, (_, h) => weather(D, hm(h), 'seoul', h)),
    );
    const report = await runDailyJoin(
      { store, clock: () => 0, newRunId: () => 'r', gridlakeVersion: 't' },
      joinConfig({ join: 'a/b' }),
      D,
    );
    expect(report.outcome).toBe('succeeded');
    expect(objects.objects.has(dataKey('warehouse', 'power_weather_daily', D))).toBe(true);
  });
});
