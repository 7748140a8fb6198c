import type { Registry } from 'prom-client';
import type { AgentLeaseReport, SiteSourceKind } from '../api/agent-lease.js';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../observe/log.js';
import { metricMakers } from '../observe/metric-kit.js';
import { BusReadingSink } from '../sources/common/bus-reading-sink.js';
import type { Transport } from '../sources/common/transport.js';
import type { AgentSpool, Forwarder, Heartbeat, HubCredentials } from './ports.js';
import { collectDecision, DEFAULT_REVOKED_GRACE_SECONDS } from './revocation.js';
import { SiteSources, type SiteSourcesOptions, type SiteSourcesState } from './site-sources.js';
import { startSourceCollector } from './source-collector.js';

/*
 * The agent's assembly: the site's sources run into the spool, the forwarder
 * copies the spool to hub Kafka, the heartbeat tells the hub how the site is
 * doing, and revoked credentials stop collecting after the grace period.
 * Each part is built elsewhere (src/cli/run-agent.ts) and handed in, so this
 * file is only the wiring and can be tested with fakes.
 */

export interface AgentDeps {
  readonly site: string;
  /** the pod (or host) name: status.progress says `<site>/<pod>` wrote it */
  readonly podName: string;
  /** gridlake version, written on the Lease */
  readonly version: string;
  /** folder of the per-source checkpoint files (on the agent's volume) */
  readonly checkpointDir: string;
  /** the local durable log; the caller opened it and closes it after `stop` */
  readonly spool: AgentSpool;
  /** the hub API with a token the agent keeps fresh; the caller stops it after `stop` */
  readonly credentials: HubCredentials;
  /** starts copying the spool to hub Kafka; stopped by `stop` */
  /** `kindOfTopic`: which kind of source a spool topic carries (its watermark), from the site's sources */
  readonly startForwarder: (spool: AgentSpool, kindOfTopic: (topic: string) => SiteSourceKind | undefined) => Forwarder;
  /** starts renewing the Lease with what `report` says at each renewal; stopped by `stop` */
  readonly startHeartbeat: (report: () => AgentLeaseReport) => Heartbeat;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** the collectors' clock when it is not `clock` (a simulated one, with the simulator) */
  readonly collectorClock?: Clock;
  /** how often the credentials' state is looked at; default 5 s */
  readonly revocationCheckMs?: number;
  /** tuning and fakes for tests */
  readonly sources?: Pick<SiteSourcesOptions, 'recheckMs' | 'informer'> & {
    readonly progressIntervalMs?: number;
    readonly transport?: Transport;
  };
}

export interface RunningAgent {
  readonly sources: SiteSources;
  /** what the next renewal writes */
  report(): AgentLeaseReport;
  /** false once revoked credentials stopped collecting */
  collecting(): boolean;
  /** for /readyz: null when ready, else why not */
  readiness(): string | null;
  /** stops collecting, the heartbeat and the forwarder (not the spool or the credentials, which the caller made) */
  stop(): Promise<void>;
}

/** The heartbeat's report: who the agent is, what waits in the spool, what hub Kafka acknowledged per source. */
export function agentLeaseReport(o: {
  readonly version: string;
  readonly credentials: Pick<HubCredentials, 'serviceAccountUID' | 'tokenExpiry'>;
  readonly spool: Pick<AgentSpool, 'usage'>;
  readonly forwarder: Pick<Forwarder, 'watermarks'> | undefined;
}): AgentLeaseReport {
  const usage = o.spool.usage();
  const uid = o.credentials.serviceAccountUID();
  const expiry = o.credentials.tokenExpiry();
  return {
    version: o.version,
    ...(uid === undefined ? {} : { serviceAccountUID: uid }),
    ...(expiry === undefined ? {} : { tokenExpiry: expiry }),
    spoolRecords: usage.records,
    spoolBytes: usage.bytes,
    spoolLimitBytes: usage.limitBytes,
    ...(usage.oldestMs === undefined ? {} : { spoolOldest: usage.oldestMs }),
    ...(o.forwarder === undefined ? {} : { forwardedWatermarks: o.forwarder.watermarks() }),
  };
}

export function startAgent(deps: AgentDeps): RunningAgent {
  const clock = deps.clock ?? systemClock;
  const { logger, spool, credentials } = deps;
  const sink = new BusReadingSink(spool.bus);
  const metrics = agentMetrics(deps.registry, deps.site);
  let stoppedBy: string | null = null;
  const sources = new SiteSources({
    site: deps.site,
    client: credentials.client,
    logger: logger.child({ component: 'site-sources' }),
    clock,
    ...(deps.sources?.recheckMs === undefined ? {} : { recheckMs: deps.sources.recheckMs }),
    ...(deps.sources?.informer === undefined ? {} : { informer: deps.sources.informer }),
    startCollector: (source, key) =>
      startSourceCollector(
        {
          sink,
          registry: deps.registry,
          logger,
          clock: deps.collectorClock ?? clock,
          client: credentials.client,
          reporter: `${deps.site}/${deps.podName}`,
          checkpointDir: deps.checkpointDir,
          ...(deps.sources?.progressIntervalMs === undefined
            ? {}
            : { progressIntervalMs: deps.sources.progressIntervalMs }),
          ...(deps.sources?.transport === undefined ? {} : { transport: deps.sources.transport }),
        },
        source,
        key,
      ),
  });
  const forwarder = deps.startForwarder(spool, (topic) => sources.kindOfTopic(topic));
  const report = (): AgentLeaseReport => agentLeaseReport({ version: deps.version, credentials, spool, forwarder });
  const heartbeat = deps.startHeartbeat(report);
  metrics.sources(() => sources.state());
  metrics.collecting.set(1);
  sources.start();

  // Revocation: keep spooling for the grace period, then stop collecting and say why on /readyz.
  const stopper = new AbortController();
  let warnedRevoked = false;
  const watchRevocation = (async () => {
    const every = deps.revocationCheckMs ?? 5000;
    while (!stopper.signal.aborted && stoppedBy === null) {
      const state = credentials.state();
      const grace = heartbeat.revokedGraceSeconds();
      if (state.kind === 'revoked' && !warnedRevoked) {
        warnedRevoked = true;
        logger.error(
          {
            reason: state.reason,
            graceSeconds: grace ?? DEFAULT_REVOKED_GRACE_SECONDS,
            since: new Date(state.sinceMs).toISOString(),
          },
          'the hub revoked this agent: readings keep spooling for the grace period, then collecting stops',
        );
      }
      const decision = collectDecision(state, grace, clock.now());
      if (decision.action === 'stop-collecting' && state.kind === 'revoked') {
        stoppedBy =
          `credentials revoked at ${new Date(state.sinceMs).toISOString()} (${state.reason}); ` +
          `collecting stopped after the grace period of ${grace ?? DEFAULT_REVOKED_GRACE_SECONDS} s: bootstrap the agent again`;
        logger.error(
          { reason: state.reason, graceSeconds: grace ?? DEFAULT_REVOKED_GRACE_SECONDS },
          decision.message ?? 'grace period over: collecting stopped',
        );
        metrics.collecting.set(0);
        await sources.halt();
        return;
      }
      await clock.sleep(every, stopper.signal);
    }
  })();

  return {
    sources,
    report,
    collecting: () => stoppedBy === null,
    readiness: () => stoppedBy ?? sources.readiness(),
    async stop() {
      stopper.abort();
      await watchRevocation;
      // Collectors first (nothing more enters the spool), then the Lease, then the copy to Kafka.
      await sources.stop();
      await heartbeat.stop();
      await forwarder.stop();
      await sink.close();
    },
  };
}

/** The agent's own metrics (docs/metrics.md, "Remote-site agent"). */
function agentMetrics(registry: Registry, site: string) {
  const { gauge } = metricMakers(registry);
  let read: (() => SiteSourcesState) | undefined;
  const sources = gauge(
    'gridlake_agent_sources',
    "the site's sources by state (running, waiting)",
    ['site', 'state'],
    () => {
      const s = read?.();
      if (s === undefined) return;
      sources.set({ site, state: 'running' }, Object.keys(s.running).length);
      sources.set({ site, state: 'waiting' }, Object.keys(s.waiting).length);
    },
  );
  const collecting = gauge(
    'gridlake_agent_collecting',
    '1 while the agent runs its collectors; 0 once revoked credentials stopped them',
    ['site'],
  );
  return {
    sources: (f: typeof read) => {
      read = f;
    },
    collecting: { set: (v: number) => collecting.set({ site }, v) },
  };
}
