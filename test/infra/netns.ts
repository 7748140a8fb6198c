import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { runCommand, startProcess, waitUntil, type ManagedProcess } from './process.js';

/**
 * Remote sites on one machine (docs/remote-sites.md, "Testing remote sites on
 * one machine"): a router namespace and two site namespaces joined by veth
 * pairs, plus the root namespace as the hub.
 *
 *        root namespace = hub (x.0.2)           naver ns (x.1.2)       kpx ns (x.2.2)
 *                 │ veth                             │ veth                  │ veth
 *                 └──────────── router ns (x.0.1, x.1.1, x.2.1; ip_forward) ─┘
 *
 * The hub is the root namespace on purpose: the hub's servers (kube-apiserver,
 * Kafka, MinIO, the controller, a hub collector) run as ordinary child
 * processes, the test process reaches them directly, and only what must be
 * reachable from a site binds to the hub address. `kpx` drops every reply to
 * the hub's /24 (a blackhole route), so a connection from the hub sees its SYN
 * unanswered and times out, as KPX does with AWS addresses; naver gets through.
 *
 * Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking; never routed
 * outside a lab), one free /22 per network, checked against every address and
 * route of the root namespace. Namespace names carry the creating pid, so a
 * later run deletes what a crashed run left behind and leaves live runs alone.
 */

export const SITE_NAMES = ['hub', 'naver', 'kpx'] as const;
export type SiteName = (typeof SITE_NAMES)[number];

/** One host of the topology. */
export interface SiteHost {
  readonly name: SiteName;
  /** the named network namespace, or null for the hub (the root namespace) */
  readonly ns: string | null;
  /** this host's IPv4 address, reachable from the others through the router */
  readonly address: string;
  /** the host's /24, e.g. for a route or an ACL */
  readonly cidr: string;
}

export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SiteNetwork {
  /** short random id of this network (part of every name it made) */
  readonly id: string;
  /** the router namespace */
  readonly router: string;
  readonly hub: SiteHost;
  readonly naver: SiteHost;
  readonly kpx: SiteHost;
  host(site: SiteName): SiteHost;
  /** `command` split for spawning inside `site` (`ip netns exec <ns> …`; as is for the hub). */
  command(site: SiteName, command: string, args: readonly string[]): { command: string; args: string[] };
  /** Runs a command to completion inside `site`; never rejects on a non-zero exit. */
  exec(
    site: SiteName,
    command: string,
    args: readonly string[],
    options?: { input?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> },
  ): Promise<ExecResult>;
  /** Starts a long-running process inside `site`, logging to `logFile` (stopped by its own `stop()` or by `close()`). */
  spawn(
    site: SiteName,
    opts: {
      name: string;
      command: string;
      args: readonly string[];
      logFile: string;
      env?: Readonly<Record<string, string>>;
      cwd?: string;
    },
  ): ManagedProcess;
  /** Silent partition of `site`: its router-side veth goes down and the router drops its /24 (no ICMP back). */
  cut(site: SiteName): Promise<void>;
  /** Undoes `cut`. */
  restore(site: SiteName): Promise<void>;
  /** Stops processes started with `spawn` and deletes every namespace (and with them every veth). */
  close(): Promise<void>;
}

const NS_PREFIX = 'glnet';
const NS_PATTERN = /^glnet-(\d+)-([0-9a-f]+)-/;
/** 198.18.0.0/15 in /22 blocks: 128 of them. */
const BLOCKS = 128;
const SUBNET: Readonly<Record<SiteName, number>> = { hub: 0, naver: 1, kpx: 2 };

/**
 * Makes the topology. Throws, saying why, when namespaces cannot be made
 * (not root, no iproute2, no netns support): the caller's test must fail,
 * never skip.
 */
export async function createSiteNetwork(): Promise<SiteNetwork> {
  await precheck();
  await removeLeftovers();
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const block = await freeBlock();
    const id = randomBytes(3).toString('hex');
    try {
      return await build(id, block);
    } catch (err) {
      lastErr = err;
      // Another run may have taken the same block in the meantime; anything else fails again below.
      if (!(err instanceof BlockTaken)) throw err;
    }
  }
  throw new Error(`network namespaces: no free address block after 5 attempts: ${(lastErr as Error).message}`);
}

class BlockTaken extends Error {}

async function precheck(): Promise<void> {
  if (process.platform !== 'linux') throw new Error(`network namespaces need Linux; this is ${process.platform}`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    throw new Error(
      `network namespaces need root (ip netns add, veth pairs); running as uid ${process.getuid()}. Run the test as root or in a CI job that is.`,
    );
  try {
    await runCommand('ip', ['-V']);
  } catch (err) {
    throw new Error(`network namespaces need iproute2's \`ip\`: ${(err as Error).message}`, { cause: err });
  }
}

/** Deletes namespaces whose creating process is gone (a crashed or killed run). */
export async function removeLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of await listNamespaces()) {
    const m = NS_PATTERN.exec(ns);
    if (!m || pidAlive(Number(m[1]))) continue;
    await runCommand('ip', ['netns', 'del', ns]).catch(() => undefined);
    removed.push(ns);
  }
  return removed;
}

/** Names of the named network namespaces (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const out = await runCommand('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `198.18.0.0/15` block `b`: its first octets, subnet `s` (0..3) of it. */
function subnetOf(block: number, s: number): string {
  const n = block * 4 + s;
  return `198.${18 + (n >> 8)}.${n & 255}`;
}

/** A /22 block none of whose addresses appears in the root namespace's addresses or routes. */
async function freeBlock(): Promise<number> {
  const used = await usedPrefixes();
  const candidates = [...Array(BLOCKS).keys()].filter((b) => {
    const base = ipToInt(`${subnetOf(b, 0)}.0`);
    return !used.some((p) => overlaps(base, 22, p.base, p.len));
  });
  const pick = candidates[randomInt(candidates.length || 1)];
  if (pick === undefined) throw new Error('network namespaces: every 198.18.0.0/15 block is in use');
  return pick;
}

async function usedPrefixes(): Promise<{ base: number; len: number }[]> {
  const text = [
    await runCommand('ip', ['-4', '-o', 'addr', 'show']),
    await runCommand('ip', ['-4', 'route', 'show', 'table', 'all']),
  ].join('\n');
  const out: { base: number; len: number }[] = [];
  for (const m of text.matchAll(/\b(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/g)) {
    const ip = m[1] ?? '';
    if (ip === '0.0.0.0') continue;
    out.push({ base: ipToInt(ip), len: m[2] === undefined ? 32 : Number(m[2]) });
  }
  return out;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function overlaps(a: number, alen: number, b: number, blen: number): boolean {
  const len = Math.min(alen, blen);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

async function build(id: string, block: number): Promise<SiteNetwork> {
  const nsName = (role: string) => `${NS_PREFIX}-${process.pid}-${id}-${role}`;
  const router = nsName('inet');
  const hubLink = `gl${id}h`; // the hub's end lives in the root namespace: globally unique name
  const made: string[] = [];
  const procs = new Set<ManagedProcess>();
  const ip = (args: readonly string[]) => runCommand('ip', args);
  const hosts = Object.fromEntries(
    SITE_NAMES.map((name) => {
      const net = subnetOf(block, SUBNET[name]);
      const host: SiteHost = {
        name,
        ns: name === 'hub' ? null : nsName(name),
        address: `${net}.2`,
        cidr: `${net}.0/24`,
      };
      return [name, host];
    }),
  ) as Record<SiteName, SiteHost>;
  const gateway = (name: SiteName) => `${subnetOf(block, SUBNET[name])}.1`;
  const blockCidr = `${subnetOf(block, 0)}.0/22`;

  const removeAll = async () => {
    for (const p of procs) await p.stop(2_000);
    procs.clear();
    // A namespace is torn down asynchronously by the kernel: remove the hub's end now, not some time later.
    await ip(['link', 'del', hubLink]).catch(() => undefined);
    // Deleting the router namespace deletes every veth (a veth dies with its peer), the hub's end included.
    for (const ns of made.reverse()) await ip(['netns', 'del', ns]).catch(() => undefined);
    made.length = 0;
  };

  try {
    for (const ns of [router, hosts.naver.ns, hosts.kpx.ns]) {
      if (ns === null) continue;
      try {
        await ip(['netns', 'add', ns]);
      } catch (err) {
        throw new Error(`network namespaces cannot be created (ip netns add ${ns}): ${(err as Error).message}`, {
          cause: err,
        });
      }
      made.push(ns);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await ip(['netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (const name of SITE_NAMES) {
      const h = hosts[name];
      const routerEnd = `r-${name}`;
      const siteEnd = h.ns === null ? hubLink : 'eth0';
      // Made with its peer already in the router namespace: a crash never leaves a veth in the root namespace.
      await ip([
        ...(h.ns === null ? [] : ['-n', h.ns]),
        'link',
        'add',
        siteEnd,
        'type',
        'veth',
        'peer',
        'name',
        routerEnd,
        'netns',
        router,
      ]);
      await ip(['-n', router, 'addr', 'add', `${gateway(name)}/24`, 'dev', routerEnd]);
      await ip(['-n', router, 'link', 'set', routerEnd, 'up']);
      const inSite = h.ns === null ? [] : ['-n', h.ns];
      await ip([...inSite, 'addr', 'add', `${h.address}/24`, 'dev', siteEnd]);
      await ip([...inSite, 'link', 'set', siteEnd, 'up']);
      if (h.ns === null) {
        // The root namespace keeps its own default route: only this network's /22 goes through the router.
        try {
          await ip(['route', 'add', blockCidr, 'via', gateway(name), 'dev', siteEnd]);
        } catch (err) {
          if (/File exists/.test((err as Error).message)) throw new BlockTaken(`${blockCidr} is routed already`);
          throw err;
        }
      } else {
        await ip([...inSite, 'route', 'add', 'default', 'via', gateway(name)]);
      }
    }
    // KPX drops the "AWS range" without a word: the SYN arrives, the SYN-ACK goes nowhere.
    await ip(['-n', hosts.kpx.ns ?? '', 'route', 'add', 'blackhole', hosts.hub.cidr]);
    const dup = (await ip(['-4', '-o', 'addr', 'show'])).split(`inet ${hosts.hub.address}/`).length - 1;
    if (dup > 1) throw new BlockTaken(`${hosts.hub.address} is on another interface too`);
  } catch (err) {
    await removeAll();
    throw err;
  }

  const command = (site: SiteName, cmd: string, args: readonly string[]) => {
    const ns = hosts[site].ns;
    return ns === null
      ? { command: cmd, args: [...args] }
      : { command: 'ip', args: ['netns', 'exec', ns, cmd, ...args] };
  };
  const cut = new Set<SiteName>();

  return {
    id,
    router,
    ...hosts,
    host: (site) => hosts[site],
    command,
    exec: (site, cmd, args, options = {}) => execIn(command(site, cmd, args), options),
    spawn(site, opts) {
      const c = command(site, opts.command, opts.args);
      const proc = startProcess({ ...opts, command: c.command, args: c.args });
      procs.add(proc);
      proc.child.once('exit', () => procs.delete(proc));
      return proc;
    },
    async cut(site) {
      if (cut.has(site)) return;
      await ip(['-n', router, 'link', 'set', `r-${site}`, 'down']);
      // Down removes the router's connected route; without this the router would answer "unreachable" at once.
      await ip(['-n', router, 'route', 'add', 'blackhole', hosts[site].cidr]);
      cut.add(site);
    },
    async restore(site) {
      if (!cut.has(site)) return;
      await ip(['-n', router, 'route', 'del', 'blackhole', hosts[site].cidr]);
      await ip(['-n', router, 'link', 'set', `r-${site}`, 'up']);
      // Forget the neighbours that failed during the cut, so the first connection after restore does not get EHOSTUNREACH.
      const ns = hosts[site].ns;
      await ip(ns === null ? ['neigh', 'flush', 'dev', hubLink] : ['-n', ns, 'neigh', 'flush', 'all']);
      await ip(['-n', router, 'neigh', 'flush', 'dev', `r-${site}`]);
      cut.delete(site);
    },
    close: removeAll,
  };
}

function execIn(
  c: { command: string; args: string[] },
  options: { input?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> },
): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(c.command, c.args, {
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });
}

/** How a TCP connection attempt ended. */
export type TcpProbe = 'connected' | 'timeout' | `error:${string}`;

const PROBE_SCRIPT = `
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
const done = (r) => { process.stdout.write(r); s.destroy(); process.exit(0); };
s.setTimeout(Number(ms), () => done('timeout'));
s.on('connect', () => done('connected'));
s.on('error', (e) => done('error:' + (e.code || e.message)));
`;

/** One TCP connect from inside `site` to `address:port`: did the SYN get an answer within `timeoutMs`? */
export async function tcpConnect(
  net: SiteNetwork,
  site: SiteName,
  address: string,
  port: number,
  timeoutMs: number,
): Promise<TcpProbe> {
  const r = await net.exec(site, process.execPath, ['-e', PROBE_SCRIPT, address, String(port), String(timeoutMs)], {
    timeoutMs: timeoutMs + 10_000,
  });
  if (r.code !== 0 || !/^(connected|timeout|error:)/.test(r.stdout))
    throw new Error(`tcp probe in ${site} failed (exit ${r.code}): ${r.stdout}${r.stderr}`);
  return r.stdout as TcpProbe;
}

const SERVER_SCRIPT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
net.createServer((c) => { c.on('error', () => {}); c.end('hello\\n'); }).listen(Number(port), host, () => process.stdout.write('listening\\n'));
`;

/** A tiny TCP server inside `site` on its address; resolves once it listens. */
export async function startTcpServer(
  net: SiteNetwork,
  site: SiteName,
  port: number,
  logFile: string,
): Promise<ManagedProcess> {
  const proc = net.spawn(site, {
    name: `tcp-${site}`,
    command: process.execPath,
    args: ['-e', SERVER_SCRIPT, net.host(site).address, String(port)],
    logFile,
  });
  await waitUntil(`tcp server in ${site}`, async () => (await readFile(logFile, 'utf8')).includes('listening'), {
    timeoutMs: 15_000,
    proc,
  });
  return proc;
}
