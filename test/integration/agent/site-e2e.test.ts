import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { decodeAgentLease, sourceKey } from '../../../src/api/agent-lease.js';
import { DEAD_LETTER_TOPIC, POWER_TOPIC, WEATHER_TOPIC } from '../../../src/api/defaults.js';
import { siteNamespace } from '../../../src/api/remote-site.js';
import { partitionPath } from '../../../src/kst.js';
import { checkLake } from '../../../src/lake/lake-check.js';
import { schemaForTopic } from '../../../src/lake/lake-schemas.js';
import { LocalFolderStore } from '../../../src/lake/local-folder-store.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import { createKubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import {
  DAILY_JOINS,
  DAILY_JOIN_RUNS,
  DEPLOYMENTS,
  POWER_SOURCES,
  REMOTE_SITES,
  WEATHER_SOURCES,
} from '../../../controllers/resources.js';
import { addSiteUser, startKafka } from '../../infra/index.js';
import { createSiteNetwork, type SiteNetwork } from '../../infra/netns.js';
import type { ManagedProcess } from '../../infra/process.js';
import { startProcess } from '../../infra/process.js';
import { startKube } from '../../infra/servers/kube.js';
import type { KafkaInfo, KubeInfo } from '../../infra/types.js';
import {
  buildCli,
  startController,
  stopController,
  type ControllerProcess,
} from '../controllers/controller-process.js';
import { cond, create, ensureCrds, get, list } from '../controllers/helpers.js';
import { kubeConfig } from '../k8s/helpers.js';

/**
 * The remote site end to end, on one machine, in network namespaces
 * (test/infra/netns.ts): the hub (root namespace: its own kube-apiserver and
 * Kafka with a SASL_SSL site listener, the controller, a sink) and `naver`
 * (the agent), with the simulated KPX/KMA in `kpx`, which blackholes the hub
 * as KPX does with AWS. The site's collectors run on a simulated clock (×60)
 * that starts at 23:40 KST of DATE, so the day ends 20 s after the start.
 *
 * One test, in the order a person would watch it: a hub PowerSource is told
 * the network was refused; the same source in the site namespace is collected
 * by the agent; the link is cut for 60 s (the hub sees the agent go, the
 * DailyJoin waits for the site's watermark) and restored (the spool drains,
 * the watermark passes the end of DATE, the DailyJoin starts the date); the
 * agent is killed with SIGKILL right after a second cut heals, restarted, and
 * nothing is lost: every Kafka offset is in exactly one raw file, and the
 * warehouse counts each reading once.
 */
const SITE = 'naver';
const NS = siteNamespace(SITE);
const HUB_NS = 'hub';
const SPEED = 60;
/** KST day the simulated clock ends, 20 s (real) after the agent starts. */
const DATE = kstYesterday();
const SIM_START = `${DATE}T23:40:00+09:00`;
const END_OF_DATE_MS = Date.parse(`${DATE}T00:00:00+09:00`) + 86_400_000;
const SIM_PORT = 18089;
const CUT_MS = 60_000;

let net: SiteNetwork;
let dir: string;
let kube: { info: KubeInfo; procs: ManagedProcess[] };
let kafka: { info: KafkaInfo; procs: ManagedProcess[] };
let admin: KubeClient;
let cli: string;
let controller: ControllerProcess | undefined;
let sink: ManagedProcess | undefined;
let agent: ManagedProcess | undefined;
let hubCollector: ManagedProcess | undefined;
const figures: Record<string, unknown> = {};

function kstYesterday(): string {
  const kstNow = new Date(Date.now() + 9 * 3600_000);
  kstNow.setUTCDate(kstNow.getUTCDate() - 1);
  return kstNow.toISOString().slice(0, 10);
}

const log = (msg: string): void => {
  process.stderr.write(`[site-e2e ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

beforeAll(async () => {
  // Fails, saying why, when namespaces cannot be made: never a silent skip.
  net = await createSiteNetwork();
  dir = await mkdtemp(path.join(os.tmpdir(), 'gridlake-site-e2e-'));
  [kube, kafka, cli] = await Promise.all([
    startKube(dir, { address: net.hub.address }),
    startKafka(dir, { siteHost: net.hub.address }),
    buildCli(),
  ]);
  admin = createKubeClient(kubeConfig(kube.info));
  await ensureCrds(kube.info, admin);
  // The hub's topics: sites may not create them.
  const kafkaAdmin = new Kafka({ brokers: [...kafka.info.brokers], logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.createTopics({
    topics: [POWER_TOPIC, WEATHER_TOPIC, DEAD_LETTER_TOPIC].map((topic) => ({ topic, numPartitions: 2 })),
  });
  await kafkaAdmin.disconnect();
  await addSiteUser(kafka.info, {
    user: `site-${SITE}`,
    password: 'naver-secret',
    topics: [POWER_TOPIC, WEATHER_TOPIC, DEAD_LETTER_TOPIC],
  });
  controller = await startController(cli, [
    '--kubeconfig',
    kube.info.kubeconfig,
    '--no-leader-elect',
    '--brokers',
    kafka.info.brokers.join(','),
    '--image',
    'registry.invalid/gridlake:e2e',
  ]);
  sink = startProcess({
    name: 'sink',
    command: process.execPath,
    args: [
      cli,
      'sink',
      '--brokers',
      kafka.info.brokers.join(','),
      '--lake-dir',
      path.join(dir, 'lake'),
      '--topics',
      `${POWER_TOPIC},${WEATHER_TOPIC}`,
      '--max-age-ms',
      '2000',
      '--metrics-port',
      '0',
    ],
    logFile: path.join(dir, 'sink.log'),
  });
}, 300_000);

afterAll(async () => {
  log(`figures: ${JSON.stringify(figures)}`);
  await agent?.stop(5000).catch(() => undefined);
  await hubCollector?.stop(5000).catch(() => undefined);
  await sink?.stop(10_000).catch(() => undefined);
  if (controller) await stopController(controller).catch(() => undefined);
  for (const p of [...(kafka?.procs ?? []), ...(kube?.procs ?? [])]) await p.stop(10_000).catch(() => undefined);
  await net?.close();
  if (process.env['GRIDLAKE_KEEP_E2E'] === undefined) await rm(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}, 120_000);

async function secret(ns: string): Promise<void> {
  await create(admin, { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' }, ns, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'data-go-kr' },
    stringData: { serviceKey: 'e2e-key' },
  });
}

const endpoint = (): string => `http://${net.kpx.address}:${SIM_PORT}`;

function powerSource(name: string): Record<string, unknown> {
  return {
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'PowerSource',
    metadata: { name },
    spec: {
      endpoint: { baseUrl: endpoint() },
      serviceKeySecretRef: { name: 'data-go-kr', key: 'serviceKey' },
      pollIntervalSeconds: 300,
      dailyCallBudget: 5000,
      requestTimeoutSeconds: 4,
    },
  };
}

/** The agent in `naver`, as the chart runs it, with the bootstrap kubeconfig an admin made. */
function startAgent(bootstrap: string, tag: string): ManagedProcess {
  return net.spawn('naver', {
    name: `agent-${tag}`,
    command: process.execPath,
    args: [
      cli,
      'agent',
      '--site',
      SITE,
      '--bootstrap-kubeconfig',
      bootstrap,
      '--state-dir',
      path.join(dir, 'agent-state'),
      '--kafka-brokers',
      kafka.info.site.brokers.join(','),
      '--kafka-ca-file',
      kafka.info.site.caFile,
      '--kafka-username',
      `site-${SITE}`,
      '--kafka-password-file',
      path.join(dir, 'kafka-password'),
      '--heartbeat-seconds',
      '2',
      '--metrics-port',
      '0',
      '--pod-name',
      'agent-0',
      '--clock',
      `${SIM_START},${SPEED}`,
      '--log-format',
      'json',
    ],
    logFile: path.join(dir, `agent-${tag}.log`),
  });
}

async function lease(): Promise<KubeObject | undefined> {
  return admin
    .request<KubeObject>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/gridlake-agent`,
    })
    .catch(() => undefined);
}

const leaseReport = async () => decodeAgentLease((await lease())?.metadata.annotations);
const powerMark = async (): Promise<number | undefined> =>
  (await leaseReport()).forwardedWatermarks?.[sourceKey('PowerSource', 'kpx')];

describe('a remote site end to end (network namespaces)', () => {
  it('collects through the agent, survives a cut and a kill -9, and the lake holds every reading once', async () => {
    // 1. The site on the hub: RemoteSite → namespace, ServiceAccount, Role, Lease.
    await create(admin, REMOTE_SITES, undefined, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'RemoteSite',
      metadata: { name: SITE },
      spec: { leaseDurationSeconds: 10, tokenExpirationSeconds: 3600, revokedGracePeriodSeconds: 3600 },
    });
    await eventually('the site Lease', () => lease(), { timeoutMs: 60_000 });

    // 2. A PowerSource in a hub namespace: the hub's collector (played here from the
    // controller's Deployment) cannot reach KPX, and the source says why.
    await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: HUB_NS } } });
    await secret(HUB_NS);
    await create(admin, POWER_SOURCES, HUB_NS, powerSource('kpx'));
    const deployment = await eventually(
      'the hub collector Deployment',
      () => get(admin, DEPLOYMENTS, HUB_NS, 'kpx-collector'),
      { timeoutMs: 30_000 },
    );
    const container = (deployment['spec'] as { template: { spec: { containers: { args: string[] }[] } } }).template.spec
      .containers[0]!;
    hubCollector = startProcess({
      name: 'hub-collector',
      command: process.execPath,
      args: [cli, ...container.args, '--kubeconfig', kube.info.kubeconfig, '--metrics-port', '0'],
      env: { GRIDLAKE_SERVICE_KEY: 'e2e-key' },
      logFile: path.join(dir, 'hub-collector.log'),
    });
    const blocked = await eventually(
      'Collecting=False NetworkBlocked on the hub source',
      async () => {
        const c = cond(await get(admin, POWER_SOURCES, HUB_NS, 'kpx'), 'Collecting');
        return c?.reason === 'NetworkBlocked' ? c : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    expect(blocked.status).toBe('False');
    expect(blocked.message).toMatch(/gridlake-site-/);
    await hubCollector.stop();

    // 3. The same source in the site namespace, a WeatherSource beside it, and a DailyJoin over both.
    await secret(NS);
    await create(admin, POWER_SOURCES, NS, powerSource('kpx'));
    await create(admin, WEATHER_SOURCES, NS, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'WeatherSource',
      metadata: { name: 'metro' },
      spec: {
        endpoint: { baseUrl: endpoint() },
        serviceKeySecretRef: { name: 'data-go-kr', key: 'serviceKey' },
        locations: [{ name: 'seoul', nx: 60, ny: 127 }],
        dailyCallBudget: 5000,
        requestTimeoutSeconds: 4,
      },
    });
    await create(admin, { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' }, HUB_NS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'lake-s3' },
      stringData: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    await create(admin, DAILY_JOINS, HUB_NS, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'DailyJoin',
      metadata: { name: 'power-weather' },
      spec: {
        // Every minute: each firing joins the KST date before it, so DATE is due at once.
        schedule: '* * * * *',
        timeZone: 'Asia/Seoul',
        inputs: { power: { name: 'kpx', namespace: NS }, weather: [{ name: 'metro', namespace: NS }] },
        lake: { bucket: 'lake', endpoint: 'http://minio.invalid:9000', credentialsSecretRef: { name: 'lake-s3' } },
        startDate: DATE,
        siteGraceSeconds: 1800,
      },
    });

    // 4. The agent, given what an admin hands over: a one-hour token in a kubeconfig, the Kafka CA and password.
    const token = await admin.request<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${NS}/serviceaccounts/gridlake-agent/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    const ca = (await readFile(kube.info.caFile)).toString('base64');
    const bootstrap = path.join(dir, 'bootstrap.kubeconfig');
    await writeFile(
      bootstrap,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'hub', cluster: { server: kube.info.server, 'certificate-authority-data': ca } }],
        users: [{ name: 'agent', user: { token: token.status.token } }],
        contexts: [{ name: 'hub', context: { cluster: 'hub', user: 'agent', namespace: NS } }],
        'current-context': 'hub',
      }),
    );
    await writeFile(path.join(dir, 'kafka-password'), 'naver-secret\n');
    await mkdir(path.join(dir, 'agent-state'), { recursive: true });
    // KPX and KMA in `kpx` (reachable from naver, blackholed from the hub: the hub's collector above timed out
    // on the same address), started with the agent so that both simulated clocks start at SIM_START together.
    net.spawn('kpx', {
      name: 'simulator',
      command: process.execPath,
      args: [
        cli,
        'simulate',
        '--host',
        net.kpx.address,
        '--port',
        String(SIM_PORT),
        '--clock',
        `${SIM_START},${SPEED}`,
      ],
      logFile: path.join(dir, 'simulator.log'),
    });
    const startedAt = Date.now();
    agent = startAgent(bootstrap, '1');

    const connected = await eventually(
      'AgentConnected=True',
      async () => {
        const c = cond(await get(admin, REMOTE_SITES, undefined, SITE), 'AgentConnected');
        return c?.status === 'True' ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(connected.reason).toBeTruthy();
    const progress = await eventually(
      'status.progress written by the agent',
      async () => {
        const s = (await get(admin, POWER_SOURCES, NS, 'kpx'))?.['status'] as
          { progress?: { reporter?: string } } | undefined;
        return s?.progress?.reporter === `${SITE}/agent-0` ? s.progress : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(progress.reporter).toBe(`${SITE}/agent-0`);
    await eventually('a forwarded power watermark', () => powerMark(), { timeoutMs: 60_000, intervalMs: 500 });

    // 5. Cut the site off for 60 s, before the simulated day ends.
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const beforeCut = (await powerMark())!;
    expect(beforeCut).toBeLessThan(END_OF_DATE_MS);
    await net.cut('naver');
    const cutAt = Date.now();
    log('link cut');
    const lost = await eventually(
      'AgentConnected no longer True',
      async () => {
        const c = cond(await get(admin, REMOTE_SITES, undefined, SITE), 'AgentConnected');
        return c && c.status !== 'True' ? c : undefined;
      },
      { timeoutMs: CUT_MS - 5000, intervalMs: 1000 },
    );
    figures['hubSawTheCutAfterS'] = Math.round((Date.now() - cutAt) / 1000);
    expect(lost.status).toBe('Unknown');
    const waiting = await eventually(
      'the DailyJoin waits for the site',
      async () => {
        const c = cond(await get(admin, DAILY_JOINS, HUB_NS, 'power-weather'), 'WaitingForSites');
        return c?.status === 'True' ? c : undefined;
      },
      { timeoutMs: CUT_MS - 5000, intervalMs: 1000 },
    );
    expect(waiting.message).toContain(DATE);
    expect(waiting.message).toContain(SITE);
    const runsDuringCut = await list(admin, DAILY_JOIN_RUNS, HUB_NS);
    expect(runsDuringCut.filter((r) => (r['spec'] as { date: string }).date === DATE)).toEqual([]);
    const sourceDuringCut = cond(await get(admin, POWER_SOURCES, NS, 'kpx'), 'Collecting');
    figures['siteSourceDuringCut'] = `${sourceDuringCut?.status}/${sourceDuringCut?.reason}`;
    await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    // What the agent spooled while cut off: its own metrics say (the hub could not hear them).
    await net.restore('naver');
    const restoredAt = Date.now();
    log('link restored');

    // 6. The spool drains, the watermark passes the end of DATE, the DailyJoin starts the date.
    const passed = await eventually(
      'the forwarded watermark passes the end of the date',
      async () => {
        const m = await powerMark();
        return m !== undefined && m >= END_OF_DATE_MS ? m : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const passedSeenAt = Date.now();
    expect(passed).toBeGreaterThanOrEqual(END_OF_DATE_MS);
    const run = await eventually(
      'the DailyJoinRun of the date',
      async () =>
        (await list(admin, DAILY_JOIN_RUNS, HUB_NS)).find((r) => (r['spec'] as { date: string }).date === DATE),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const runCreated = Date.parse(String(run.metadata.creationTimestamp ?? ''));
    // The run was not made before the hub had the watermark (seconds: the API server's timestamps).
    expect(runCreated).toBeGreaterThanOrEqual(Math.floor(cutAt / 1000) * 1000);
    expect((run['spec'] as { siteLate?: boolean }).siteLate ?? false).toBe(false);
    figures['runCreatedAfterWatermarkS'] = Math.round((runCreated - passedSeenAt) / 1000);

    // 7. A second cut, then kill -9 of the agent the moment the link is back (mid-drain), and a restart.
    await net.cut('naver');
    await new Promise((r) => setTimeout(r, 15_000));
    await net.restore('naver');
    await new Promise((r) => setTimeout(r, 300));
    agent.child.kill('SIGKILL');
    await agent.stop(1000).catch(() => undefined);
    log('agent killed');
    agent = startAgent(bootstrap, '2');
    await eventually(
      'the spool drained after the restart',
      async () => {
        const r = await leaseReport();
        return r.spoolRecords === 0 && (r.forwardedWatermarks?.[sourceKey('PowerSource', 'kpx')] ?? 0) > passed
          ? r
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    const transitions = ((await lease())?.['spec'] as { leaseTransitions?: number }).leaseTransitions ?? 0;
    expect(transitions).toBeGreaterThanOrEqual(1);
    await agent.stop(10_000);
    agent = undefined;

    // 8. Everything forwarded reaches the lake exactly once.
    const kafkaAdmin = new Kafka({ brokers: [...kafka.info.brokers], logLevel: logLevel.NOTHING }).admin();
    await kafkaAdmin.connect();
    const ends = new Map<string, { partition: number; offset: number }[]>();
    for (const topic of [POWER_TOPIC, WEATHER_TOPIC])
      ends.set(
        topic,
        (await kafkaAdmin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: Number(p.high) })),
      );
    await kafkaAdmin.disconnect();
    const store = new LocalFolderStore(path.join(dir, 'lake'));
    const checks = await eventually(
      'the sink wrote every offset',
      async () => {
        const out: Record<string, Awaited<ReturnType<typeof checkLake>>> = {};
        for (const topic of [POWER_TOPIC, WEATHER_TOPIC]) {
          const check = await checkLake(store, schemaForTopic(topic)!, topic);
          const complete = ends.get(topic)!.every((e) => (check.offsets.get(e.partition) ?? []).length === e.offset);
          if (!complete) return undefined;
          out[topic] = check;
        }
        return out;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    for (const topic of [POWER_TOPIC, WEATHER_TOPIC]) {
      const check = checks[topic]!;
      expect(check.overlaps).toEqual([]);
      for (const e of ends.get(topic)!)
        expect(check.offsets.get(e.partition)).toEqual(Array.from({ length: e.offset }, (_, i) => i));
      figures[`${topic}.records`] = ends.get(topic)!.reduce((n, e) => n + e.offset, 0);
    }

    // The date joined from the lake: each 5-minute reading counted once, whatever the resends.
    const joined = startProcess({
      name: 'join',
      command: process.execPath,
      args: [
        cli,
        'join',
        '--join',
        `${HUB_NS}/power-weather`,
        '--date',
        DATE,
        '--lake',
        path.join(dir, 'lake'),
        '--locations',
        'seoul',
      ],
      logFile: path.join(dir, 'join.log'),
    });
    await eventually('the join finished', () => joined.exited(), { timeoutMs: 120_000, intervalMs: 500 });
    const hourly = await readParquet(path.join(dir, 'lake', 'warehouse', 'power_weather_hourly', partitionPath(DATE)));
    const rawPower = await readParquetFolder(path.join(dir, 'lake', 'raw', POWER_TOPIC, partitionPath(DATE)));
    const distinct = new Map<number, Set<string>>();
    for (const r of rawPower) {
      const raw = String(r['base_datetime_raw']);
      const hour = Number(raw.slice(8, 10));
      const set = distinct.get(hour) ?? new Set<string>();
      set.add(raw);
      distinct.set(hour, set);
    }
    figures['rawPowerRowsOfDate'] = rawPower.length;
    // Readings the agent collected while it was cut off (their simulated base times fall in the cut): spooled, then
    // forwarded after the link returned, and in the lake now.
    const simAt = (ms: number): number => Date.parse(SIM_START) + (ms - startedAt) * SPEED;
    const allPower = [
      ...(await readParquetFolder(path.join(dir, 'lake', 'raw', POWER_TOPIC, partitionPath(DATE)))),
      ...(await readParquetFolder(path.join(dir, 'lake', 'raw', POWER_TOPIC, partitionPath(nextDate(DATE)))).catch(
        () => [],
      )),
    ];
    const duringCut = new Set(
      allPower
        .map((r) => Number(r['base_time']))
        .filter((t) => t >= simAt(cutAt) - 300_000 && t < simAt(restoredAt) - 300_000),
    );
    figures['powerReadingsCollectedDuringCut'] = duringCut.size;
    expect(duringCut.size).toBeGreaterThanOrEqual(5);
    figures['distinctPowerReadingsOfDate'] = [...distinct.values()].reduce((n, set) => n + set.size, 0);
    for (const row of hourly.filter((h) => h['location'] === '*')) {
      const hour = Number(row['hour']);
      expect(Number(row['power_samples']), `hour ${hour}`).toBe(distinct.get(hour)?.size ?? 0);
      expect(Number(row['power_samples'])).toBeLessThanOrEqual(12);
    }
    // The agent ran from 23:40 (simulated) on DATE: its last slots are there, each once.
    expect(distinct.get(23)?.size ?? 0).toBeGreaterThanOrEqual(3);
  }, 900_000);
});

function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

async function readParquetFolder(folder: string): Promise<Record<string, unknown>[]> {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(folder)).filter((f) => f.endsWith('.parquet'));
  const rows: Record<string, unknown>[] = [];
  for (const f of files) rows.push(...(await readParquet(path.join(folder, f))));
  return rows;
}

async function readParquet(file: string): Promise<Record<string, unknown>[]> {
  const { stat, readdir } = await import('node:fs/promises');
  if ((await stat(file)).isDirectory()) {
    const f = (await readdir(file)).find((n) => n.endsWith('.parquet'));
    if (!f) throw new Error(`no Parquet file in ${file}`);
    return readParquet(path.join(file, f));
  }
  const buf = await readFile(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
}
