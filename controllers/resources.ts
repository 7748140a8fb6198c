import { API_VERSION, GROUP, VERSION } from '../src/api/common.js';
import type { ResourceRef } from '../src/k8s/informer.js';

/** API coordinates of every kind the controllers read or write. */
const gl = (kind: string, plural: string): ResourceRef => ({ group: GROUP, version: VERSION, plural, kind });

export const GL_API_VERSION = API_VERSION;
export const POWER_SOURCES = gl('PowerSource', 'powersources');
export const WEATHER_SOURCES = gl('WeatherSource', 'weathersources');
export const LAKE_SINKS = gl('LakeSink', 'lakesinks');
export const DAILY_JOINS = gl('DailyJoin', 'dailyjoins');
export const DAILY_JOIN_RUNS = gl('DailyJoinRun', 'dailyjoinruns');
export const REMOTE_SITES = gl('RemoteSite', 'remotesites');

/** A built-in kind of API group `group` (`''` for the core group), version v1. */
const v1 = (group: string, kind: string, plural: string): ResourceRef => ({ group, version: 'v1', plural, kind });

export const CONFIG_MAPS = v1('', 'ConfigMap', 'configmaps');
export const SECRETS = v1('', 'Secret', 'secrets');
export const PODS = v1('', 'Pod', 'pods');
export const NAMESPACES = v1('', 'Namespace', 'namespaces');
export const SERVICE_ACCOUNTS = v1('', 'ServiceAccount', 'serviceaccounts');
export const DEPLOYMENTS = v1('apps', 'Deployment', 'deployments');
export const JOBS = v1('batch', 'Job', 'jobs');
export const ROLES = v1('rbac.authorization.k8s.io', 'Role', 'roles');
export const ROLE_BINDINGS = v1('rbac.authorization.k8s.io', 'RoleBinding', 'rolebindings');
export const LEASES = v1('coordination.k8s.io', 'Lease', 'leases');

/** `apiVersion` of a ResourceRef, e.g. `apps/v1` or `v1`. */
export function apiVersionOf(ref: Pick<ResourceRef, 'group' | 'version'>): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

/** Label on every object the controllers make: which kind and object it serves. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'gridlake-controller';
/** Label naming the DailyJoinRun a Job (and its pods) serves. */
export const RUN_LABEL = 'gridlake.io/daily-join-run';
/** Annotation on a child: hash of the body the controller applied (drift check without a diff). */
export const APPLIED_HASH = 'gridlake.io/applied-hash';
/** Annotation on a pod template: hash of the rendered config, so a config change rolls the Deployment. */
export const CONFIG_HASH = 'gridlake.io/config-hash';
/** Field manager of every server-side apply. */
export const FIELD_MANAGER = 'gridlake-controller';
