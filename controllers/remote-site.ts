import { SITE_NAMESPACE_PREFIX } from '../src/api/remote-site.js';
import type { ControllerOptions } from '../src/k8s/controller.js';
import type { Informer } from '../src/k8s/informer.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { siteNamespace } from '../src/api/remote-site.js';
import { enactPlan, type ControllerDeps } from './deps.js';
import { AGENT_NAME, planSite } from './remote-site-plan.js';
import { REMOTE_SITES } from './resources.js';
import { siteOfLease, type SiteHeartbeats } from './site-heartbeats.js';

/**
 * CRD: RemoteSite (gridlake.io/v1alpha1, remotesites; cluster-scoped).
 * Children: Namespace gridlake-site-<name>, and in it ServiceAccount, Role
 * (least privilege: read its sources, patch their status, hold its Lease) and
 * RoleBinding `gridlake-agent`, and the heartbeat Lease `gridlake-agent`
 * (created here, renewed by the agent), all owned by the site.
 * Status from the agent's Lease, freshness on the hub's clock (SiteHeartbeats).
 * Conditions: Ready, Registered, AgentConnected, SpoolHealthy. Planning: remote-site-plan.ts.
 */
export interface SiteInformers {
  readonly sites: Informer;
  /** namespaces, serviceaccounts, roles, rolebindings labelled app.kubernetes.io/managed-by=gridlake-controller */
  readonly namespaces: Informer;
  readonly serviceAccounts: Informer;
  readonly roles: Informer;
  readonly roleBindings: Informer;
  /** leases named gridlake-agent */
  readonly leases: Informer;
  /** the sources (the Secrets they name go into the agent's Role) */
  readonly powerSources: Informer;
  readonly weatherSources: Informer;
  /** when the hub saw each agent renew (shared with the source controllers and the metrics) */
  readonly heartbeats: SiteHeartbeats;
}

/** The site whose namespace holds a namespaced object. */
const siteOfObject = (o: KubeObject): string[] => {
  const ns = o.metadata.namespace ?? '';
  return ns.startsWith(SITE_NAMESPACE_PREFIX) ? [ns.slice(SITE_NAMESPACE_PREFIX.length)] : [];
};

/** The RemoteSite controlling a child (the owner is cluster-scoped: its key is its name). */
const ownerSite = (obj: KubeObject): string[] =>
  (obj.metadata.ownerReferences ?? [])
    .filter((r) => r.controller === true && r.kind === 'RemoteSite')
    .map((r) => r.name);

export function remoteSiteController(deps: ControllerDeps, inf: SiteInformers): ControllerOptions {
  return {
    name: 'remotesite',
    for: inf.sites,
    watches: [
      { informer: inf.namespaces, keys: ownerSite },
      { informer: inf.serviceAccounts, keys: ownerSite },
      { informer: inf.roles, keys: ownerSite },
      { informer: inf.roleBindings, keys: ownerSite },
      {
        informer: inf.leases,
        keys: (l) => {
          const site = siteOfLease(l);
          return site === null ? [] : [site];
        },
      },
      { informer: inf.powerSources, keys: siteOfObject },
      { informer: inf.weatherSources, keys: siteOfObject },
    ],
    reconcile: async (key, ctx) => {
      const site = inf.sites.get(key);
      if (!site || site.metadata.deletionTimestamp) {
        inf.heartbeats.forget(key);
        return { kind: 'done' };
      }
      const ns = siteNamespace(key);
      const child = `${ns}/${AGENT_NAME}`;
      const now = deps.clock.now();
      const lease = inf.leases.get(child);
      const heartbeat = lease ? inf.heartbeats.observe(lease, now) : inf.heartbeats.get(key);
      const plan = planSite(
        {
          site,
          namespace: inf.namespaces.get(ns),
          serviceAccount: inf.serviceAccounts.get(child),
          role: inf.roles.get(child),
          roleBinding: inf.roleBindings.get(child),
          lease,
          heartbeat,
          sources: { power: inf.powerSources.list(ns), weather: inf.weatherSources.list(ns) },
        },
        now,
      );
      return enactPlan(deps, REMOTE_SITES, site, plan, ctx.signal);
    },
  };
}
