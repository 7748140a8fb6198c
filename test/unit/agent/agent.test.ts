import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { eventually } from '../../eventually.js';
import { agentLeaseReport, startAgent, type RunningAgent } from '../../../src/agent/agent.js';
import type { AgentSpool, CredentialState, Forwarder, Heartbeat, HubCredentials } from '../../../src/agent/ports.js';
import type { AgentLeaseReport } from '../../../src/api/agent-lease.js';
import { DEAD_LETTER_TOPIC, POWER_TOPIC, WEATHER_TOPIC } from '../../../src/api/defaults.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { ManualClock } from '../../../src/clock.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import { createLogger } from '../../../src/observe/log.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A hub with no source in the site namespace: lists are empty, watches wait until stopped. */
const emptyHub: KubeClient = {
  request: <T>() => Promise.resolve({ items: [], metadata: { resourceVersion: '1' } } as T),
  watch: (_p, _q, _on, signal) =>
    new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
};

function parts(state: () => CredentialState) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gridlake-agent-unit-'));
  const bus = new LocalLogBus({ dir });
  const spool: AgentSpool = {
    bus,
    usage: () => ({ records: 7, bytes: 4096, limitBytes: 1 << 20, oldestMs: Date.parse('2026-03-10T00:05:00Z') }),
    close: async () => {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const credentials: HubCredentials = {
    client: emptyHub,
    serviceAccountUID: () => 'sa-uid-1',
    tokenExpiry: () => Date.parse('2026-03-17T00:00:00Z'),
    state,
    stop: async () => undefined,
  };
  const stopped: string[] = [];
  const forwarder: Forwarder = {
    watermarks: () => ({ 'PowerSource/kpx': Date.parse('2026-03-10T00:00:00Z') }),
    linked: () => true,
    stop: async () => void stopped.push('forwarder'),
  };
  let report: (() => AgentLeaseReport) | undefined;
  let kindOfTopic: ((topic: string) => string | undefined) | undefined;
  const heartbeat: Heartbeat = {
    failures: () => 0,
    revokedGraceSeconds: () => 60,
    stop: async () => void stopped.push('heartbeat'),
  };
  return {
    spool,
    credentials,
    stopped,
    heartbeatReport: () => report?.(),
    kindOfTopic: (topic: string) => kindOfTopic?.(topic),
    startForwarder: (_spool: AgentSpool, k: (topic: string) => string | undefined) => {
      kindOfTopic = k;
      return forwarder;
    },
    startHeartbeat: (r: () => AgentLeaseReport) => {
      report = r;
      return heartbeat;
    },
  };
}

let agent: RunningAgent | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await agent?.stop();
  await cleanup?.();
  agent = undefined;
});

function start(clock: ManualClock, state: () => CredentialState) {
  const p = parts(state);
  cleanup = () => p.spool.close();
  agent = startAgent({
    site: 'naver',
    podName: 'agent-0',
    version: '9.9.9',
    checkpointDir: tmpdir(),
    spool: p.spool,
    credentials: p.credentials,
    startForwarder: p.startForwarder,
    startHeartbeat: p.startHeartbeat,
    registry: new Registry(),
    logger: createLogger({ level: 'silent' }),
    clock,
    revocationCheckMs: 1000,
  });
  return { agent, ...p };
}

describe('the agent assembly', () => {
  it("tells the forwarder a topic's kind before the site's sources are listed (the default topics)", () => {
    const { kindOfTopic } = start(new ManualClock(0), () => ({ kind: 'ok' }));
    expect(kindOfTopic(POWER_TOPIC)).toBe('PowerSource');
    expect(kindOfTopic(WEATHER_TOPIC)).toBe('WeatherSource');
    expect(kindOfTopic(DEAD_LETTER_TOPIC)).toBeUndefined();
  });

  it('gives the heartbeat a report of version, identity, spool and forwarded watermarks', () => {
    const { heartbeatReport } = start(new ManualClock(0), () => ({ kind: 'ok' }));
    expect(heartbeatReport()).toEqual({
      version: '9.9.9',
      serviceAccountUID: 'sa-uid-1',
      tokenExpiry: Date.parse('2026-03-17T00:00:00Z'),
      spoolRecords: 7,
      spoolBytes: 4096,
      spoolLimitBytes: 1 << 20,
      spoolOldest: Date.parse('2026-03-10T00:05:00Z'),
      forwardedWatermarks: { 'PowerSource/kpx': Date.parse('2026-03-10T00:00:00Z') },
    });
  });

  it('leaves out what the parts do not know yet', () => {
    const report = agentLeaseReport({
      version: '1',
      credentials: { serviceAccountUID: () => undefined, tokenExpiry: () => undefined },
      spool: { usage: () => ({ records: 0, bytes: 0, limitBytes: 10 }) },
      forwarder: undefined,
    });
    expect(report).toEqual({ version: '1', spoolRecords: 0, spoolBytes: 0, spoolLimitBytes: 10 });
  });

  it('keeps collecting for the grace period after revocation, then stops and fails readiness with the reason', async () => {
    const clock = new ManualClock(1_000_000);
    let state: CredentialState = { kind: 'ok' };
    const { agent: a } = start(clock, () => state);
    await eventually('sources listed', () => a.readiness() === null, { timeoutMs: 5000 });
    state = { kind: 'revoked', sinceMs: clock.now(), reason: '401 Unauthorized' };
    for (let i = 0; i < 59; i++) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    expect(a.collecting()).toBe(true);
    clock.advance(2000);
    await eventually('collecting stopped', () => !a.collecting(), { timeoutMs: 5000 });
    expect(a.readiness()).toMatch(/credentials revoked .*401 Unauthorized.*grace period of 60 s/);
  });

  it('stops the heartbeat and the forwarder it started', async () => {
    const { agent: a, stopped } = start(new ManualClock(0), () => ({ kind: 'ok' }));
    await a.stop();
    agent = undefined;
    expect(stopped).toEqual(['heartbeat', 'forwarder']);
  });
});
