import type { DailyJoinRunSpec, DailyJoinRunStatus } from './daily-join-run.js';
import type { DailyJoinSpec, DailyJoinStatus } from './daily-join.js';
import type { LakeSinkSpec, LakeSinkStatus } from './lake-sink.js';
import type { PowerSourceSpec, PowerSourceStatus } from './power-source.js';
import type { RemoteSiteSpec, RemoteSiteStatus } from './remote-site.js';
import type { GridlakeResource } from './validate.js';
import type { WeatherSourceSpec, WeatherSourceStatus } from './weather-source.js';

/** Spec and status types by kind name. */
export interface KindTypes {
  PowerSource: { spec: PowerSourceSpec; status: PowerSourceStatus };
  WeatherSource: { spec: WeatherSourceSpec; status: WeatherSourceStatus };
  LakeSink: { spec: LakeSinkSpec; status: LakeSinkStatus };
  DailyJoin: { spec: DailyJoinSpec; status: DailyJoinStatus };
  DailyJoinRun: { spec: DailyJoinRunSpec; status: DailyJoinRunStatus };
  RemoteSite: { spec: RemoteSiteSpec; status: RemoteSiteStatus };
}

export type KindName = keyof KindTypes;

/** A validated resource of one kind, with its spec typed. */
export type ResourceOf<K extends KindName> = Omit<GridlakeResource, 'kind' | 'spec'> & {
  readonly kind: K;
  readonly spec: KindTypes[K]['spec'];
};

/** Narrows a validated resource to one kind (its spec was checked against that kind's schema). */
export function isKind<K extends KindName>(
  resource: GridlakeResource,
  kind: K,
): resource is GridlakeResource & ResourceOf<K> {
  return resource.kind === kind;
}

/** The validated resources of one kind, typed. */
export function ofKind<K extends KindName>(resources: readonly GridlakeResource[], kind: K): ResourceOf<K>[] {
  return resources.filter((r): r is GridlakeResource & ResourceOf<K> => isKind(r, kind));
}
