import { SITE_NAMESPACE_PREFIX } from '../src/api/remote-site.js';
import { controllerOwnerKeys, type ControllerOptions, type Reconciler, type Watched } from '../src/k8s/controller.js';
import type { Informer } from '../src/k8s/informer.js';
import { splitKey } from '../src/k8s/object-cache.js';
import { enactPlan, specOrProgressChanged, type ControllerDeps } from './deps.js';
import { POWER_SOURCES, WEATHER_SOURCES } from './resources.js';
import { planSource, siteOfNamespace, type SourceKind } from './source-plan.js';
import { siteOfLease, sourcesStaleAfterMs, type SiteHeartbeats } from './site-heartbeats.js';
import { observeWorker, workerWatches, type WorkerInformers } from './worker-children.js';

/**
 * Reconciler shared by PowerSource and WeatherSource (see power-source.ts and
 * weather-source.ts for what each kind owns): cache get → observe → planSource
 * → apply → write status once.
 */
export interface SourceInformers extends WorkerInformers {
  readonly sources: Informer;
  readonly secrets: Informer;
  readonly sites: Informer;
  /** the site agents' Leases and when the hub saw them renewed (site namespaces: Collecting follows the agent) */
  readonly leases?: Informer;
  readonly heartbeats?: SiteHeartbeats;
}

/** The controller of one source kind: its children, Secrets and the site of its namespace wake it. */
export function sourceController(kind: SourceKind, deps: ControllerDeps, inf: SourceInformers): ControllerOptions {
  return {
    name: kind.toLowerCase(),
    for: inf.sources,
    watches: [
      ...workerWatches(inf, controllerOwnerKeys(kind)),
      { informer: inf.secrets, keys: sourcesReferencingSecret(inf.sources) },
      // A site's agent connecting or leaving changes Ready of every source in its namespace.
      {
        informer: inf.sites,
        keys: (site) =>
          inf.sources
            .list(`${SITE_NAMESPACE_PREFIX}${site.metadata.name ?? ''}`)
            .map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
      },
      ...(inf.leases && inf.heartbeats ? [agentReturnWatch(inf.leases, inf.heartbeats, inf)] : []),
    ],
    reconcile: sourceReconciler(kind, deps, inf),
    maxConcurrency: 4,
    filter: specOrProgressChanged,
  };
}

export function sourceReconciler(kind: SourceKind, deps: ControllerDeps, inf: SourceInformers): Reconciler {
  const resource = kind === 'PowerSource' ? POWER_SOURCES : WEATHER_SOURCES;
  return async (key, ctx) => {
    const source = inf.sources.get(key);
    // Deleted: garbage collection removes the children (owner references).
    if (!source || source.metadata.deletionTimestamp) return { kind: 'done' };
    const { namespace, name } = splitKey(key);
    const spec = source['spec'] as { serviceKeySecretRef?: { name: string } } | undefined;
    const site = siteOfNamespace(namespace ?? '');
    const plan = planSource(
      kind,
      {
        source,
        secret: spec?.serviceKeySecretRef
          ? inf.secrets.get(`${namespace}/${spec.serviceKeySecretRef.name}`)
          : undefined,
        ...observeWorker(inf, namespace ?? '', `${name}-collector`),
        site: site === null ? undefined : inf.sites.get(site),
        agentHeartbeatAt: site === null ? undefined : inf.heartbeats?.get(site)?.seenAt,
      },
      deps.workload,
      deps.clock.now(),
    );
    return enactPlan(deps, resource, source, plan, ctx.signal);
  };
}

/**
 * A renewal wakes the site's sources only when it ends a silence long enough
 * to have marked them AgentDisconnected (or is the first one seen): not every
 * 10 s heartbeat. Going silent needs no event: each source requeues itself.
 */
function agentReturnWatch(leases: Informer, heartbeats: SiteHeartbeats, inf: SourceInformers): Watched {
  return {
    informer: leases,
    keys: (lease) => {
      const site = siteOfLease(lease);
      const seen = site === null ? undefined : heartbeats.get(site);
      if (site === null || !seen) return [];
      const duration = (inf.sites.get(site)?.['spec'] as { leaseDurationSeconds?: number } | undefined)
        ?.leaseDurationSeconds;
      const returned =
        seen.previousSeenAt === undefined || seen.seenAt - seen.previousSeenAt >= sourcesStaleAfterMs(duration ?? 40);
      return returned
        ? inf.sources.list(lease.metadata.namespace).map((s) => `${s.metadata.namespace}/${s.metadata.name}`)
        : [];
    },
  };
}

/** Keys of the sources in a Secret's namespace that reference it (Secret events wake them). */
export function sourcesReferencingSecret(
  sources: Informer,
): (secret: { metadata: { namespace?: string; name?: string } }) => string[] {
  return (secret) =>
    sources
      .list(secret.metadata.namespace)
      .filter(
        (s) =>
          (s['spec'] as { serviceKeySecretRef?: { name?: string } } | undefined)?.serviceKeySecretRef?.name ===
          secret.metadata.name,
      )
      .map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
}
