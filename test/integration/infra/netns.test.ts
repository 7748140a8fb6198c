import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../infra/process.js';
import { startKube } from '../../infra/servers/kube.js';
import {
  createSiteNetwork,
  listNamespaces,
  removeLeftovers,
  startTcpServer,
  tcpConnect,
  type SiteNetwork,
} from '../../infra/netns.js';

const PORT = 18080;
/** Long enough for a SYN-ACK on a veth (microseconds), short enough to keep the test quick. */
const CONNECT_MS = 2_000;

describe('site network (ip netns: hub, naver, kpx and a router)', () => {
  let net: SiteNetwork;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gridlake-netns-'));
    // Fails (never skips) when namespaces cannot be made: the message says why.
    net = await createSiteNetwork();
    await startTcpServer(net, 'kpx', PORT, path.join(dir, 'kpx.log'));
    await startTcpServer(net, 'hub', PORT, path.join(dir, 'hub.log'));
  });

  afterAll(async () => {
    await net?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every host its own address in a block the root namespace did not use', () => {
    const addresses = [net.hub.address, net.naver.address, net.kpx.address];
    expect(new Set(addresses).size).toBe(3);
    for (const a of addresses) expect(a).toMatch(/^198\.1[89]\.\d+\.2$/);
    expect(net.hub.ns).toBeNull();
    expect(net.naver.ns).toMatch(/^glnet-\d+-[0-9a-f]+-naver$/);
  });

  it('blackholes the hub at kpx (a timeout, not a refusal) while naver gets through', async () => {
    expect(await tcpConnect(net, 'hub', net.kpx.address, PORT, CONNECT_MS)).toBe('timeout');
    expect(await tcpConnect(net, 'naver', net.kpx.address, PORT, CONNECT_MS)).toBe('connected');
    expect(await tcpConnect(net, 'naver', net.hub.address, PORT, CONNECT_MS)).toBe('connected');
  });

  it('cuts naver off silently and restores it', async () => {
    await net.cut('naver');
    try {
      expect(await tcpConnect(net, 'naver', net.hub.address, PORT, CONNECT_MS)).toBe('timeout');
      // The router drops the other direction too instead of answering "unreachable".
      expect(await tcpConnect(net, 'hub', net.naver.address, PORT, CONNECT_MS)).toBe('timeout');
    } finally {
      await net.restore('naver');
    }
    expect(await tcpConnect(net, 'naver', net.hub.address, PORT, CONNECT_MS)).toBe('connected');
  });

  it('keeps the root namespace on its own routes: only the /22 of this network goes to the router', async () => {
    const routes = await runCommand('ip', ['-4', 'route', 'show']);
    const ours = routes.split('\n').filter((l) => l.includes(`gl${net.id}h`));
    expect(ours).toHaveLength(2); // the hub's /24 (connected) and the block via the router
    expect(ours.some((l) => l.startsWith('default'))).toBe(false);
  });
});

describe('site network clean-up', () => {
  it('close() removes every namespace and the hub link', async () => {
    const net = await createSiteNetwork();
    const mine = (await listNamespaces()).filter((n) => n.includes(`-${net.id}-`));
    expect(mine.sort()).toEqual([net.kpx.ns, net.naver.ns, net.router].sort());
    await net.close();
    expect((await listNamespaces()).filter((n) => n.includes(`-${net.id}-`))).toEqual([]);
    expect(await runCommand('ip', ['-o', 'link', 'show'])).not.toContain(`gl${net.id}h`);
  });

  it('deletes what a crashed run left behind, and only that', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const leftover = `glnet-${dead}-abcdef-inet`;
    const live = `glnet-${process.pid}-fedcba-inet`;
    await runCommand('ip', ['netns', 'add', leftover]);
    await runCommand('ip', ['netns', 'add', live]);
    try {
      const removed = await removeLeftovers();
      expect(removed).toContain(leftover);
      const left = await listNamespaces();
      expect(left).not.toContain(leftover);
      expect(left).toContain(live);
    } finally {
      await runCommand('ip', ['netns', 'del', live]).catch(() => undefined);
      await runCommand('ip', ['netns', 'del', leftover]).catch(() => undefined);
    }
  });
});

describe('a kube-apiserver on the hub address', () => {
  it('is reachable from naver over TLS, its certificate naming the hub address', async () => {
    const net = await createSiteNetwork();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gridlake-netns-kube-'));
    const { info, procs } = await startKube(dir, { address: net.hub.address });
    try {
      expect(info.server).toBe(`https://${net.hub.address}:${new URL(info.server).port}`);
      // Certificate verification on: the hub address must be in the serving certificate's SANs.
      const script = `
        const https = require('node:https'); const fs = require('node:fs');
        https.get(process.argv[1], { ca: fs.readFileSync(process.argv[2]), headers: { authorization: 'Bearer ' + process.argv[3] } },
          (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => process.stdout.write(res.statusCode + ' ' + b)); })
          .on('error', (e) => process.stdout.write('error ' + e.message));`;
      const r = await net.exec('naver', process.execPath, [
        '-e',
        script,
        `${info.server}/readyz`,
        info.caFile,
        info.adminToken,
      ]);
      expect(r.stdout).toBe('200 ok');
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await net.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
