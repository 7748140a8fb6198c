import { describe, expect, it } from 'vitest';
import { pearson } from '../../../src/join/daily.js';
import { isNewer } from '../../../src/join/dedupe.js';
import { joinConfig } from '../../../src/join/join-config.js';

describe('Pearson correlation', () => {
  it('matches a hand computation', () => {
    // x̄ = ȳ = 3.5; Σdxdy = 15.5; Σdx² = Σdy² = 17.5 → r = 15.5 / 17.5
    expect(pearson([1, 2, 3, 4, 5, 6], [1, 3, 2, 5, 4, 6])).toBeCloseTo(15.5 / 17.5, 14);
    expect(pearson([1, 2, 3, 4, 5, 6], [12, 10, 8, 6, 4, 2])).toBe(-1);
  });

  it('is null below 6 pairs or with a constant side', () => {
    expect(pearson([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])).toBeNull();
    expect(pearson([0.1, 0.1, 0.1, 0.1, 0.1, 0.1], [1, 2, 3, 4, 5, 6])).toBeNull();
    expect(pearson([1, 2, 3, 4, 5, 6], [7, 7, 7, 7, 7, 7])).toBeNull();
  });
});

describe('dedupe order', () => {
  it('prefers the later ingested_at, then the higher offset, then partition', () => {
    expect(
      isNewer(
        { ingestedAt: 2, kafkaOffset: 1n, kafkaPartition: 0 },
        { ingestedAt: 1, kafkaOffset: 9n, kafkaPartition: 0 },
      ),
    ).toBe(true);
    expect(
      isNewer(
        { ingestedAt: 1, kafkaOffset: 9n, kafkaPartition: 0 },
        { ingestedAt: 1, kafkaOffset: 8n, kafkaPartition: 3 },
      ),
    ).toBe(true);
    expect(
      isNewer(
        { ingestedAt: 1, kafkaOffset: 9n, kafkaPartition: 0 },
        { ingestedAt: 1, kafkaOffset: 9n, kafkaPartition: 0 },
      ),
    ).toBe(false);
  });
});

describe('join config', () => {
  it('fills defaults and rejects bad values', () => {
    expect(joinConfig({ join: 'grid/daily' })).toMatchObject({
      rawPrefix: 'raw',
      warehousePrefix: 'warehouse',
      thresholds: { powerCoverageMin: 0.95, weatherCoverageMin: 0.9 },
    });
    expect(() => joinConfig({ join: 'daily' })).toThrow(/namespace\/name/);
    expect(() => joinConfig({ join: 'a/b', locations: ['*'] })).toThrow(/reserved/);
    expect(() => joinConfig({ join: 'a/b', thresholds: { powerCoverageMin: 2, weatherCoverageMin: 0.9 } })).toThrow(
      /0…1/,
    );
    expect(() => joinConfig({ join: 'a/b', rawPrefix: '../x' })).toThrow(/not a valid lake path/);
    expect(joinConfig({ join: 'a/b', powerTopic: 'gridlake.power.kpx.v2' }).powerTopic).toBe('gridlake.power.kpx.v2');
  });
});
