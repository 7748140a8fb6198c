import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import { LeaderElector } from '../../../src/k8s/leader-election.js';
import { kube, type KubeInfo } from '../../infra/index.js';
import { client, createNamespace, deleteNamespace, partitionable, rand } from './helpers.js';

/**
 * Two electors in one process against the real API server's Lease API, with
 * short timings (lease 3 s, renew deadline 2 s, retry 0.5 s). A sampler checks
 * every 20 ms that no two lead at once.
 */
let k: KubeInfo;
let c: KubeClient;
let ns: string;

beforeAll(async () => {
  k = await kube();
  c = client(k);
  ns = await createNamespace(c);
});

afterAll(async () => {
  await deleteNamespace(c, ns);
});

const TIMING = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

function pair(name: string) {
  const clients = [partitionable(client(k)), partitionable(client(k))];
  const electors = clients.map(
    (cl, i) => new LeaderElector({ client: cl, namespace: ns, name, identity: `e${i}-${rand()}`, ...TIMING }),
  );
  let overlap = false;
  const sampler = setInterval(() => {
    if (electors.filter((e) => e.isLeader).length > 1) overlap = true;
  }, 20);
  /** Waits for `pred` and returns how long it took (the failover figures). */
  const waitFor = async (what: string, pred: () => boolean, timeoutMs: number): Promise<number> => {
    const start = Date.now();
    await eventually(what, pred, { timeoutMs, intervalMs: 20 });
    return Date.now() - start;
  };
  return {
    clients,
    electors,
    waitFor,
    get overlap() {
      return overlap;
    },
    async stop() {
      clearInterval(sampler);
      for (const e of electors) await e.stop();
    },
  };
}

describe('LeaderElector on a real API server', () => {
  it('elects exactly one leader and hands over within a retry period when the leader releases', async () => {
    const p = pair(`lease-${rand()}`);
    for (const e of p.electors) e.start();
    await p.waitFor('a leader', () => p.electors.some((e) => e.isLeader), 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(p.electors.filter((e) => e.isLeader)).toHaveLength(1);
    const leader = p.electors.find((e) => e.isLeader)!;
    const other = p.electors.find((e) => e !== leader)!;
    expect(other.observedLeader).not.toBe('');
    const t0 = Date.now();
    await leader.stop();
    const failover = await p.waitFor('the other elector leads', () => other.isLeader, 10_000);
    process.stderr.write(`[k8s-lease] failover after release: ${Date.now() - t0} ms\n`);
    expect(failover).toBeLessThan(TIMING.retryPeriodMs * 2.2 + 1000);
    expect(p.overlap).toBe(false);
    await p.stop();
  });

  it('takes over within the lease duration when the leader is cut off, and the old leader steps down first', async () => {
    const p = pair(`lease-${rand()}`);
    for (const e of p.electors) e.start();
    await p.waitFor('a leader', () => p.electors.some((e) => e.isLeader), 10_000);
    const i = p.electors.findIndex((e) => e.isLeader);
    const leader = p.electors[i]!;
    const other = p.electors[1 - i]!;
    const t0 = Date.now();
    p.clients[i]!.setDown(true);
    const stepDown = await p.waitFor('the leader steps down', () => !leader.isLeader, 10_000);
    await p.waitFor('the other elector leads', () => other.isLeader, 10_000);
    const total = Date.now() - t0;
    process.stderr.write(
      `[k8s-lease] cut-off leader stepped down after ${stepDown} ms; standby led after ${total} ms\n`,
    );
    expect(stepDown).toBeLessThanOrEqual(TIMING.renewDeadlineMs + TIMING.retryPeriodMs + 500);
    expect(total).toBeLessThanOrEqual(TIMING.leaseDurationMs + TIMING.retryPeriodMs * 2.2 + 1000);
    expect(p.overlap).toBe(false);
    p.clients[i]!.setDown(false);
    await new Promise((r) => setTimeout(r, 2000));
    expect(p.electors.filter((e) => e.isLeader)).toHaveLength(1);
    expect(other.isLeader).toBe(true);
    await p.stop();
  });
});
