import { describe, expect, it } from 'vitest';
import {
  AGENT_LEASE_ANNOTATIONS,
  decodeAgentLease,
  encodeAgentLease,
  sourceKey,
} from '../../../src/api/agent-lease.js';

describe('agent Lease annotations', () => {
  it('round-trips every field', () => {
    const report = {
      version: '0.4.0',
      serviceAccountUID: 'uid-1',
      tokenExpiry: Date.parse('2026-12-07T00:00:00Z'),
      spoolRecords: 12,
      spoolBytes: 3456,
      spoolLimitBytes: 1 << 30,
      spoolOldest: Date.parse('2026-12-06T10:05:00Z'),
      forwardedWatermarks: {
        [sourceKey('WeatherSource', 'cities')]: Date.parse('2026-12-06T10:00:00Z'),
        [sourceKey('PowerSource', 'kpx')]: Date.parse('2026-12-06T10:00:00Z'),
      },
    };
    const annotations = encodeAgentLease(report);
    expect(annotations[AGENT_LEASE_ANNOTATIONS.forwardedWatermarks]).toBe(
      '{"PowerSource/kpx":"2026-12-06T10:00:00.000Z","WeatherSource/cities":"2026-12-06T10:00:00.000Z"}',
    );
    expect(decodeAgentLease(annotations)).toEqual(report);
  });

  it('reads what it cannot parse as absent, never throws', () => {
    const a = AGENT_LEASE_ANNOTATIONS;
    const decoded = decodeAgentLease({
      [a.spoolRecords]: '-3',
      [a.spoolBytes]: 'lots',
      [a.tokenExpiry]: 'tomorrow',
      [a.forwardedWatermarks]: '{"PowerSource/kpx": 5, "PowerSource/b": "2026-12-06T10:00:00Z"',
      other: 'x',
    });
    expect(decoded).toEqual({ forwardedWatermarks: {} });
    expect(decodeAgentLease({ [a.forwardedWatermarks]: '{"PowerSource/kpx": 5}' })).toEqual({
      forwardedWatermarks: {},
    });
    expect(decodeAgentLease(undefined)).toEqual({});
  });
});
