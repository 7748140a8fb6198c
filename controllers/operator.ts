import { Informer, type InformerOptions, type ResourceRef } from '../src/k8s/informer.js';
import type { Manager } from '../src/k8s/manager.js';
import type { RuntimeMetrics } from '../src/k8s/runtime-metrics.js';
import { metadataOnly, metadataStatusAndSpec, secretKeysOnly, type Transform } from '../src/k8s/transforms.js';
import { dailyJoinRunController } from './daily-join-run.js';
import { dailyJoinController } from './daily-join.js';
import type { ControllerDeps } from './deps.js';
import { lakeSinkController } from './lake-sink.js';
import { powerSourceController } from './power-source.js';
import { AGENT_NAME } from './remote-site-plan.js';
import { remoteSiteController } from './remote-site.js';
import { SiteHeartbeats } from './site-heartbeats.js';
import type { SiteMetricSources } from './site-metrics.js';
import {
  CONFIG_MAPS,
  DAILY_JOINS,
  DAILY_JOIN_RUNS,
  DEPLOYMENTS,
  JOBS,
  LAKE_SINKS,
  LEASES,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  NAMESPACES,
  PODS,
  POWER_SOURCES,
  REMOTE_SITES,
  ROLES,
  ROLE_BINDINGS,
  RUN_LABEL,
  SECRETS,
  SERVICE_ACCOUNTS,
  WEATHER_SOURCES,
} from './resources.js';
import { weatherSourceController } from './weather-source.js';
import type { WorkerInformers } from './worker-children.js';

/** The controllers `gridlake controller` runs, by kind. */
export const CONTROLLER_KINDS = [
  'PowerSource',
  'WeatherSource',
  'LakeSink',
  'DailyJoin',
  'DailyJoinRun',
  'RemoteSite',
] as const;
export type ControllerKind = (typeof CONTROLLER_KINDS)[number];

export interface OperatorOptions {
  /** watch only this namespace (namespaced kinds and their children); default all */
  readonly namespace?: string;
  /** run only these controllers; default all */
  readonly kinds?: readonly ControllerKind[];
  /** informer tuning (resync, relist, stall timeout) */
  readonly informer?: Partial<
    Pick<InformerOptions, 'resyncMs' | 'relistMs' | 'stallTimeoutMs' | 'watchTimeoutSeconds'>
  >;
  readonly metrics?: RuntimeMetrics;
}

const managed = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/**
 * What the informers keep of the kinds the controllers only check (by
 * group/plural): children compared through their applied-hash annotation,
 * Deployments for available replicas, Secrets for which keys exist. The
 * rest is dropped before caching. test/unit/controllers/cache-transforms.test.ts
 * plans every controller with trimmed and whole objects and expects the same.
 */
export const CACHE_TRANSFORMS: ReadonlyMap<string, Transform> = new Map(
  (
    [
      [SECRETS, secretKeysOnly],
      [CONFIG_MAPS, metadataOnly],
      [DEPLOYMENTS, metadataStatusAndSpec(['replicas'])],
      [SERVICE_ACCOUNTS, metadataOnly],
      [ROLES, metadataOnly],
      [ROLE_BINDINGS, metadataOnly],
      [NAMESPACES, metadataOnly],
    ] as const
  ).map(([r, t]) => [`${r.group}/${r.plural}`, t]),
);

/**
 * Adds gridlake's controllers to a Manager, with one informer per kind
 * shared by every controller that reads it (children are watched through the
 * managed-by label, so the cache holds only what gridlake made).
 */
export function addControllers(
  manager: Manager,
  deps: ControllerDeps,
  options: OperatorOptions = {},
): { readonly sites?: SiteMetricSources; readonly joins?: Informer } {
  const kinds = new Set<ControllerKind>(options.kinds ?? CONTROLLER_KINDS);
  const cache = new Map<string, Informer>();
  const informer = (
    resource: ResourceRef,
    select: { labelSelector?: string; fieldSelector?: string; cluster?: boolean } = {},
  ): Informer => {
    const ns = select.cluster ? undefined : options.namespace;
    const id = `${resource.group}/${resource.plural}|${ns ?? '*'}|${select.labelSelector ?? ''}|${select.fieldSelector ?? ''}`;
    let inf = cache.get(id);
    if (!inf) {
      inf = new Informer({
        client: deps.client,
        resource: { ...resource, ...(ns ? { namespace: ns } : {}) },
        ...(select.labelSelector ? { labelSelector: select.labelSelector } : {}),
        ...(select.fieldSelector ? { fieldSelector: select.fieldSelector } : {}),
        transform: CACHE_TRANSFORMS.get(`${resource.group}/${resource.plural}`),
        ...options.informer,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      cache.set(id, inf);
    }
    return inf;
  };
  const secrets = (): Informer => informer(SECRETS);
  const sites = (): Informer => informer(REMOTE_SITES, { cluster: true });
  // Every controller that reads site agents sees the same renewals, timed on the hub's clock when they arrive.
  const runsSites = kinds.has('RemoteSite') || kinds.has('PowerSource') || kinds.has('WeatherSource');
  const heartbeats = new SiteHeartbeats();
  const leases = (): Informer => informer(LEASES, { fieldSelector: `metadata.name=${AGENT_NAME}`, cluster: true });
  if (runsSites) heartbeats.attach(leases(), deps.clock);
  const siteAgents = () => ({ leases: leases(), heartbeats });
  const workers = (): WorkerInformers => ({
    configMaps: informer(CONFIG_MAPS, { labelSelector: managed }),
    deployments: informer(DEPLOYMENTS, { labelSelector: managed }),
    serviceAccounts: informer(SERVICE_ACCOUNTS, { labelSelector: managed }),
    roles: informer(ROLES, { labelSelector: managed }),
    roleBindings: informer(ROLE_BINDINGS, { labelSelector: managed }),
  });
  if (kinds.has('PowerSource'))
    manager.addController(
      powerSourceController(deps, {
        sources: informer(POWER_SOURCES),
        secrets: secrets(),
        ...workers(),
        sites: sites(),
        ...siteAgents(),
      }),
    );
  if (kinds.has('WeatherSource'))
    manager.addController(
      weatherSourceController(deps, {
        sources: informer(WEATHER_SOURCES),
        secrets: secrets(),
        ...workers(),
        sites: sites(),
        ...siteAgents(),
      }),
    );
  if (kinds.has('LakeSink'))
    manager.addController(
      lakeSinkController(deps, {
        sinks: informer(LAKE_SINKS),
        secrets: secrets(),
        ...workers(),
      }),
    );
  if (kinds.has('DailyJoin'))
    manager.addController(
      dailyJoinController(deps, { joins: informer(DAILY_JOINS), runs: informer(DAILY_JOIN_RUNS), sites: sites() }),
    );
  if (kinds.has('DailyJoinRun'))
    manager.addController(
      dailyJoinRunController(deps, {
        runs: informer(DAILY_JOIN_RUNS),
        joins: informer(DAILY_JOINS),
        jobs: informer(JOBS, { labelSelector: managed }),
        pods: informer(PODS, { labelSelector: RUN_LABEL }),
      }),
    );
  if (kinds.has('RemoteSite'))
    manager.addController(
      remoteSiteController(deps, {
        sites: sites(),
        namespaces: informer(NAMESPACES, { labelSelector: managed, cluster: true }),
        serviceAccounts: informer(SERVICE_ACCOUNTS, { labelSelector: managed, cluster: true }),
        roles: informer(ROLES, { labelSelector: managed, cluster: true }),
        roleBindings: informer(ROLE_BINDINGS, { labelSelector: managed, cluster: true }),
        // Site namespaces are the sites', not the one namespace a controller may be limited to.
        powerSources: informer(POWER_SOURCES, { cluster: true }),
        weatherSources: informer(WEATHER_SOURCES, { cluster: true }),
        ...siteAgents(),
      }),
    );
  // Informers only read (not a controller's primary kind or watch) must still start and sync with the manager.
  const used = new Set(manager.informers);
  for (const inf of cache.values()) if (!used.has(inf)) manager.addInformer(inf);
  // What the site and join gauges read (registerSiteMetrics, registerDailyJoinMetrics; not imported here:
  // declaring the CLI must not load prom-client).
  return {
    ...(kinds.has('RemoteSite')
      ? {
          sites: {
            sites: sites(),
            leases: leases(),
            serviceAccounts: informer(SERVICE_ACCOUNTS, { labelSelector: managed, cluster: true }),
            heartbeats,
            clock: deps.clock,
          },
        }
      : {}),
    ...(kinds.has('DailyJoin') ? { joins: informer(DAILY_JOINS) } : {}),
  };
}
