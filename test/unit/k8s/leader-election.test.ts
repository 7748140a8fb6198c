import { describe, expect, it } from 'vitest';
import { LeaderElector, microTime, type LeaderElectorOptions } from '../../../src/k8s/leader-election.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { LeaseServer } from './fake-lease.js';
import { FakeTime } from './fake-time.js';

function candidates(time: FakeTime, n: number, extra: Partial<LeaderElectorOptions> = {}) {
  const server = new LeaseServer();
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = runtimeMetrics(registry);
  const log: string[] = [];
  const list = Array.from({ length: n }, (_, i) => {
    const client = server.client();
    const elector = new LeaderElector({
      client,
      namespace: 'ns',
      name: 'gridlake-controller',
      identity: `c${i}`,
      deps: time,
      onStartedLeading: () => log.push(`c${i}+`),
      onStoppedLeading: (why) => log.push(`c${i}-${why}`),
      ...(i === 0 ? { metrics } : {}),
      ...extra,
    });
    return { client, elector };
  });
  const leaders = () => list.filter((c) => c.elector.isLeader).map((c) => c.elector);
  return { server, list, leaders, log, registry };
}

/** Advances time in small steps and fails if two candidates ever lead at once. */
async function run(time: FakeTime, ms: number, leaders: () => unknown[], step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await time.advance(step);
    expect(leaders().length).toBeLessThanOrEqual(1);
  }
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead and exports leader_election_master_status', async () => {
    const time = new FakeTime();
    const { list, leaders, server, registry } = candidates(time, 2);
    for (const c of list) c.elector.start();
    await run(time, 30_000, leaders);
    expect(leaders()).toHaveLength(1);
    expect(server.lease?.spec).toMatchObject({ leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(String(server.lease?.spec['renewTime'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const leaderIs0 = list[0]!.elector.isLeader ? 1 : 0;
    expect(await registry.metrics()).toContain(
      `leader_election_master_status{name="gridlake-controller"} ${leaderIs0}`,
    );
    for (const c of list) await c.elector.stop();
  });

  it('hands over at once when the leader stops and releases the Lease', async () => {
    const time = new FakeTime();
    const { list, leaders, log } = candidates(time, 2);
    for (const c of list) c.elector.start();
    await run(time, 5000, leaders);
    const leader = list.find((c) => c.elector.isLeader)!;
    const other = list.find((c) => c !== leader)!;
    await leader.elector.stop();
    const stoppedAt = time.now();
    while (!other.elector.isLeader) await time.advance(100);
    // One jittered retry period (2 s to 4.4 s), not the 15 s lease duration.
    expect(time.now() - stoppedAt).toBeLessThanOrEqual(4500);
    expect(log).toContain(`${leader.elector === list[0]!.elector ? 'c0' : 'c1'}-released`);
    await other.elector.stop();
  });

  it('stops leading at the renew deadline when cut off, before the standby may take over', async () => {
    const time = new FakeTime();
    const { list, leaders } = candidates(time, 2);
    for (const c of list) c.elector.start();
    await run(time, 5000, leaders);
    const leader = list.find((c) => c.elector.isLeader)!;
    const other = list.find((c) => c !== leader)!;
    leader.client.down = true;
    const cutAt = time.now();
    let lostAt = 0;
    let takenAt = 0;
    while (takenAt === 0) {
      await time.advance(100);
      if (lostAt === 0 && !leader.elector.isLeader) lostAt = time.now();
      if (other.elector.isLeader) takenAt = time.now();
      expect(leaders().length).toBeLessThanOrEqual(1);
    }
    expect(lostAt - cutAt).toBeLessThanOrEqual(10_000 + 2000);
    expect(takenAt).toBeGreaterThan(lostAt);
    // Failover within the lease duration plus one jittered retry period (2 s × 1.6 with this rng): the standby
    // wakes when the Lease expires by its own clock instead of polling on.
    expect(takenAt - cutAt).toBeLessThanOrEqual(15_000 + 3200 + 200);
    for (const c of list) await c.elector.stop();
  });

  it('judges expiry by its own clock, so a holder with a skewed renewTime is not overthrown', async () => {
    const time = new FakeTime();
    const { server, list } = candidates(time, 1);
    // Another replica whose clock is a year behind keeps renewing.
    let n = 0;
    const renew = () => {
      server.lease = {
        metadata: { name: 'gridlake-controller', namespace: 'ns', resourceVersion: String(++server.rv) },
        spec: {
          holderIdentity: 'skewed',
          leaseDurationSeconds: 15,
          renewTime: microTime(time.now() - 365 * 86_400_000 + n++),
        },
      };
    };
    renew();
    list[0]!.elector.start();
    for (let i = 0; i < 30; i++) {
      await time.advance(2000);
      renew();
      expect(list[0]!.elector.isLeader).toBe(false);
    }
    // Once it stops renewing, the Lease is taken after the lease duration.
    await time.advance(15_000 + 4500);
    expect(list[0]!.elector.isLeader).toBe(true);
    await list[0]!.elector.stop();
  });

  it('renews every retry period while leading and counts one transition per new holder', async () => {
    const time = new FakeTime();
    const { server, list } = candidates(time, 1);
    list[0]!.elector.start();
    await time.advance(100);
    const writes = server.writes;
    await time.advance(20_000);
    expect(server.writes - writes).toBe(10);
    await list[0]!.elector.stop();
    expect(server.lease?.spec['leaseTransitions']).toBe(0);
  });

  it('refuses a renew deadline that is not shorter than the lease duration', () => {
    expect(
      () =>
        new LeaderElector({
          client: new LeaseServer().client(),
          namespace: 'ns',
          name: 'l',
          identity: 'x',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
        }),
    ).toThrow(/renewDeadlineMs/);
  });
});
