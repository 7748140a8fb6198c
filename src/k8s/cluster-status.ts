import { GROUP, VERSION } from '../api/common.js';
import type { DailyJoinRunSpec } from '../api/daily-join-run.js';
import type { DailyJoinSpec } from '../api/daily-join.js';
import type { LakeSinkSpec } from '../api/lake-sink.js';
import type { PowerSourceSpec } from '../api/power-source.js';
import { SITE_NAMESPACE_PREFIX, type RemoteSiteSpec } from '../api/remote-site.js';
import type { StatusResource, StatusView } from '../api/status-view.js';
import type { WeatherSourceSpec } from '../api/weather-source.js';
import { isoUtc } from '../kst.js';
import { resourcePath, type KubeClient } from './kube-client.js';

/*
 * `gridlake status` on a cluster: the gridlake resources as the API server
 * has them, trimmed to the wire shape of src/api/status-view.ts (the same one
 * the embedded runtime computes).
 */

/** Runs kept per join: the newest dates (the page and the table show a few). */
export const RUNS_PER_JOIN = 10;

const LISTED = [
  { kind: 'PowerSource', plural: 'powersources', namespaced: true },
  { kind: 'WeatherSource', plural: 'weathersources', namespaced: true },
  { kind: 'LakeSink', plural: 'lakesinks', namespaced: true },
  { kind: 'DailyJoin', plural: 'dailyjoins', namespaced: true },
  { kind: 'DailyJoinRun', plural: 'dailyjoinruns', namespaced: true },
  { kind: 'RemoteSite', plural: 'remotesites', namespaced: false },
] as const;

interface KubeObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}

/**
 * Lists every gridlake kind (in `namespace`, or all) and returns them in the
 * status shape; with a namespace, a RemoteSite is listed only in its own site
 * namespace (`gridlake-site-<name>`).
 */
export async function readClusterStatus(
  client: KubeClient,
  o: { readonly namespace?: string | undefined; readonly context?: string; readonly nowMs: number },
): Promise<StatusView> {
  const lists = await Promise.all(
    LISTED.map(async (k) => {
      const path = resourcePath({
        group: GROUP,
        version: VERSION,
        plural: k.plural,
        ...(k.namespaced && o.namespace !== undefined ? { namespace: o.namespace } : {}),
      });
      const list = await client.request<{ items?: KubeObject[] }>({ method: 'GET', path });
      // A RemoteSite belongs to no namespace: with --namespace, only the site whose namespace that is.
      const items = (list.items ?? []).filter(
        (obj) =>
          k.namespaced || o.namespace === undefined || `${SITE_NAMESPACE_PREFIX}${obj.metadata?.name}` === o.namespace,
      );
      return items.map((obj) => ({ kind: k.kind, obj }));
    }),
  );
  const resources = lists.flat().flatMap(({ kind, obj }) => {
    const r = toStatusResource(kind, obj);
    return r === null ? [] : [r];
  });
  return {
    version: 1,
    runtime: 'cluster',
    generatedAt: isoUtc(o.nowMs),
    cluster: {
      ...(o.context === undefined || o.context === '' ? {} : { context: o.context }),
      ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
    },
    resources: newestRuns(resources),
  };
}

/** One object of a gridlake kind in the status shape: the spec fields a reader needs, the status as it is. */
export function toStatusResource(kind: StatusResource['kind'], obj: KubeObject): StatusResource | null {
  const name = obj.metadata?.name;
  if (name === undefined) return null;
  const namespace = obj.metadata?.namespace ?? '';
  const spec = (obj.spec ?? {}) as never;
  const status = (obj.status ?? {}) as never;
  const base = { namespace, name, status };
  switch (kind) {
    case 'PowerSource': {
      const s = spec as PowerSourceSpec;
      return { kind, ...base, spec: sourceSpec(s) };
    }
    case 'WeatherSource': {
      const s = spec as WeatherSourceSpec;
      return { kind, ...base, spec: { ...sourceSpec(s), locations: s.locations } };
    }
    case 'LakeSink': {
      const s = spec as LakeSinkSpec;
      return { kind, ...base, spec: { topics: s.topics, lake: s.lake, flush: s.flush, suspend: s.suspend } };
    }
    case 'DailyJoin': {
      const s = spec as DailyJoinSpec;
      return {
        kind,
        ...base,
        spec: {
          schedule: s.schedule,
          timeZone: s.timeZone,
          inputs: s.inputs,
          quality: s.quality,
          lateDataDays: s.lateDataDays,
          suspend: s.suspend,
        },
      };
    }
    case 'DailyJoinRun': {
      const s = spec as DailyJoinRunSpec;
      return { kind, ...base, spec: { joinRef: s.joinRef, date: s.date, trigger: s.trigger } };
    }
    case 'RemoteSite': {
      const s = spec as RemoteSiteSpec;
      return {
        kind,
        ...base,
        spec: {
          ...(s.displayName === undefined ? {} : { displayName: s.displayName }),
          leaseDurationSeconds: s.leaseDurationSeconds,
        },
      };
    }
  }
}

function sourceSpec(s: PowerSourceSpec | WeatherSourceSpec) {
  return {
    pollIntervalSeconds: s.pollIntervalSeconds,
    dailyCallBudget: s.dailyCallBudget,
    topic: s.topic,
    suspend: s.suspend,
  };
}

/** Keeps the newest RUNS_PER_JOIN runs of each join (a cluster may keep hundreds), every other resource as is. */
function newestRuns(resources: readonly StatusResource[]): StatusResource[] {
  const perJoin = new Map<string, StatusResource[]>();
  const rest: StatusResource[] = [];
  for (const r of resources) {
    if (r.kind !== 'DailyJoinRun') {
      rest.push(r);
      continue;
    }
    const key = `${r.namespace}/${r.spec.joinRef.name}`;
    perJoin.set(key, [...(perJoin.get(key) ?? []), r]);
  }
  const runs = [...perJoin.values()].flatMap((list) =>
    list
      .filter((r) => r.kind === 'DailyJoinRun')
      .sort((a, b) => (date(a) < date(b) ? 1 : -1))
      .slice(0, RUNS_PER_JOIN),
  );
  const order = LISTED.map((k) => k.kind as string);
  return [...rest, ...runs].sort(
    (a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name),
  );
}

const date = (r: StatusResource): string => (r.kind === 'DailyJoinRun' ? r.spec.date : '');
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
