import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AgentHeartbeat } from '../../../src/agent/heartbeat.js';
import { AGENT_LEASE_ANNOTATIONS, HUB_LEASE_ANNOTATIONS, type AgentLeaseReport } from '../../../src/api/agent-lease.js';
import { ManualClock } from '../../../src/clock.js';
import { apiError } from '../../../src/k8s/api-errors.js';
import { microTime } from '../../../src/k8s/leader-election.js';
import { eventually } from '../../eventually.js';
import { LeaseServer } from '../k8s/fake-lease.js';
import { capturedLogger } from './fake-hub.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const HUB = {
  [HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]: '7200',
  [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '604800',
};

function setup(identity = 'agent-0/boot-a') {
  const clock = new ManualClock(T0);
  const server = new LeaseServer();
  const client = server.client();
  const log = capturedLogger();
  const registry = new Registry();
  let report: AgentLeaseReport = {
    version: '1.2.3',
    spoolRecords: 5,
    spoolOldest: T0 - 60_000,
  };
  const hb = new AgentHeartbeat({
    client,
    site: 'naver',
    identity,
    report: () => report,
    logger: log.logger,
    clock,
    registry,
    rng: () => 0.5,
  });
  const lease = (spec: Record<string, unknown> = {}, annotations: Record<string, string> = HUB) => {
    server.lease = {
      metadata: {
        name: 'gridlake-agent',
        namespace: 'gridlake-site-naver',
        resourceVersion: String(++server.rv),
        annotations,
      },
      spec: { leaseDurationSeconds: 40, ...spec },
    };
  };
  const warnings = () => log.lines().filter((l) => l['level'] === 'warn');
  return { clock, server, client, hb, lease, warnings, registry, setReport: (r: typeof report) => (report = r) };
}

describe('heartbeat', () => {
  it('waits for the controller to create the Lease (never creates it) and counts the failures', async () => {
    const { hb, server, warnings, registry } = setup();
    expect(await hb.renew()).toEqual({ kind: 'missing' });
    expect(await hb.renew()).toEqual({ kind: 'missing' });
    expect(server.writes).toBe(0);
    expect(hb.failures()).toBe(2);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.['msg']).toMatch(/controller creates it/);
    expect((await registry.getSingleMetric('gridlake_agent_heartbeat_failures')?.get())?.values[0]?.value).toBe(2);
  });

  it('renews holder, renewTime (MicroTime) and its annotations, keeping the hub annotations, and reads the grace', async () => {
    const { hb, server, lease, clock, setReport } = setup();
    lease({}, { ...HUB, 'example.com/other': 'x' });
    expect(await hb.renew()).toEqual({ kind: 'renewed' });
    expect(server.lease?.spec).toEqual({
      leaseDurationSeconds: 40,
      holderIdentity: 'agent-0/boot-a',
      renewTime: '2026-03-01T00:00:00.000000Z',
      acquireTime: '2026-03-01T00:00:00.000000Z',
      leaseTransitions: 1,
    });
    expect(server.lease?.metadata['annotations']).toEqual({
      ...HUB,
      'example.com/other': 'x',
      [AGENT_LEASE_ANNOTATIONS.version]: '1.2.3',
      [AGENT_LEASE_ANNOTATIONS.spoolRecords]: '5',
      [AGENT_LEASE_ANNOTATIONS.spoolOldest]: '2026-02-28T23:59:00.000Z',
    });
    expect(hb.revokedGraceSeconds()).toBe(7200);
    expect(hb.tokenExpirationSeconds()).toBe(604800);
    // The spool drained: no oldest reading any more, so its annotation goes.
    setReport({ version: '1.2.3', spoolRecords: 0 });
    clock.advance(10_000);
    expect(await hb.renew()).toEqual({ kind: 'renewed' });
    expect(server.lease?.spec).toMatchObject({ renewTime: '2026-03-01T00:00:10.000000Z', leaseTransitions: 1 });
    expect(server.lease?.metadata['annotations']).not.toHaveProperty(AGENT_LEASE_ANNOTATIONS.spoolOldest);
    expect(server.lease?.metadata['annotations']).toMatchObject({ ...HUB, 'example.com/other': 'x' });
  });

  it('is fenced by another agent within its lease, logs once, and takes over once that lease expired', async () => {
    const { hb, server, lease, clock, warnings } = setup();
    lease({ holderIdentity: 'agent-1/boot-x', renewTime: microTime(T0 - 5_000), leaseTransitions: 3 });
    expect(await hb.renew()).toEqual({ kind: 'fenced', holder: 'agent-1/boot-x' });
    clock.advance(10_000);
    expect(await hb.renew()).toEqual({ kind: 'fenced', holder: 'agent-1/boot-x' });
    expect(server.writes).toBe(0);
    expect(hb.failures()).toBe(2);
    expect(hb.heldBy()).toBe('agent-1/boot-x');
    expect(warnings()).toHaveLength(1);
    clock.advance(25_000); // renewTime + 40 s has passed
    expect(await hb.renew()).toEqual({ kind: 'renewed' });
    expect(server.lease?.spec).toMatchObject({ holderIdentity: 'agent-0/boot-a', leaseTransitions: 4 });
    expect(hb.failures()).toBe(0);
    expect(hb.heldBy()).toBeUndefined();
  });

  it('stays fenced while the other holder keeps renewing, even with its clock behind; takes over a dead one at once', async () => {
    const { hb, server, lease, clock } = setup();
    const other = (renewedAt: number) => {
      server.lease!.spec['holderIdentity'] = 'agent-1/boot-x';
      server.lease!.spec['renewTime'] = microTime(renewedAt);
    };
    lease({ holderIdentity: 'agent-1/boot-x', renewTime: microTime(T0 - 5_000) });
    expect((await hb.renew()).kind).toBe('fenced');
    // The other agent renews with a clock 60 s behind: its renewTime looks expired, but the record changed.
    clock.advance(40_000);
    other(T0 + 40_000 - 60_000);
    expect((await hb.renew()).kind).toBe('fenced');
    clock.advance(39_000);
    expect((await hb.renew()).kind).toBe('fenced');
    // It stopped renewing: a lease duration after the last change seen, the Lease is free.
    clock.advance(1_000);
    expect((await hb.renew()).kind).toBe('renewed');
    // A holder whose renewTime is long past on first sight is dead: no need to wait.
    const fresh = setup();
    fresh.lease({ holderIdentity: 'agent-1/boot-x', renewTime: microTime(T0 - 300_000) });
    expect((await fresh.hb.renew()).kind).toBe('renewed');
  });

  it('takes over at once from its own previous boot in the same pod', async () => {
    const { hb, server, lease } = setup('agent-0/boot-b');
    lease({ holderIdentity: 'agent-0/boot-a', renewTime: microTime(T0 - 1_000), leaseTransitions: 1 });
    expect(await hb.renew()).toEqual({ kind: 'renewed' });
    expect(server.lease?.spec).toMatchObject({ holderIdentity: 'agent-0/boot-b', leaseTransitions: 2 });
  });

  it('retries once on a write conflict', async () => {
    const { hb, server, lease, client } = setup();
    lease();
    const request = client.request.bind(client);
    let conflicts = 1;
    client.request = async <T>(req: Parameters<typeof request>[0]): Promise<T> => {
      if (req.method === 'PUT' && conflicts-- > 0) throw apiError(409, { code: 409, reason: 'Conflict' }, req);
      return request<T>(req);
    };
    expect(await hb.renew()).toEqual({ kind: 'renewed' });
    expect(server.writes).toBe(1);
  });

  it('renews every interval on its clock and counts network failures until a renewal works', async () => {
    const { hb, server, lease, clock, client } = setup();
    lease();
    hb.start();
    await eventually('first renewal', () => server.writes === 1, { timeoutMs: 2000 });
    client.down = true;
    for (let i = 1; i <= 3; i++) {
      clock.advance(10_000);
      await eventually(`failure ${i}`, () => hb.failures() === i, { timeoutMs: 2000 });
    }
    client.down = false;
    clock.advance(10_000);
    await eventually('renewed again', () => hb.failures() === 0 && server.writes === 2, { timeoutMs: 2000 });
    await hb.stop();
  });
});
