import type { DailyJoinSpec } from '../src/api/daily-join.js';
import { todayIn } from '../src/api/daily-join-semantics.js';
import type { RemoteSiteStatus } from '../src/api/remote-site.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { addDays } from '../src/kst.js';
import { siteOfNamespace } from './source-plan.js';

/**
 * Whether a date's inputs from remote sites are in hub Kafka (pure). A source
 * in a site namespace (gridlake-site-<site>) is collected by that site's agent,
 * which spools and forwards in order: its forwarded watermark (RemoteSite
 * `status.sources[].forwardedWatermark`) at or after the end of a date means
 * every reading of the date is in Kafka, so the join can start. See
 * docs/remote-sites.md, "The join waits for sites".
 */

export type SiteSourceKind = 'PowerSource' | 'WeatherSource';

/** An input of the join that a site's agent collects. */
export interface SiteInput {
  readonly kind: SiteSourceKind;
  readonly namespace: string;
  readonly name: string;
  readonly site: string;
}

/** An input whose site has not forwarded the whole date yet. */
export interface SiteLag {
  readonly input: SiteInput;
  /** false: no RemoteSite of that name */
  readonly registered: boolean;
  /** the forwarded watermark, null when the site reports none for the source */
  readonly watermark: string | null;
}

/** RemoteSite by name (the cluster-scoped informer's get). */
export type SiteLookup = (site: string) => KubeObject | undefined;

/** The join's inputs that live in a site namespace (a reference without namespace is in the join's). */
export function siteInputs(spec: Pick<DailyJoinSpec, 'inputs'>, joinNamespace: string): SiteInput[] {
  const refs: { kind: SiteSourceKind; name: string; namespace?: string | undefined }[] = [
    { kind: 'PowerSource', ...spec.inputs.power },
    ...spec.inputs.weather.map((w) => ({ kind: 'WeatherSource' as const, ...w })),
  ];
  const out: SiteInput[] = [];
  for (const r of refs) {
    const namespace = r.namespace ?? joinNamespace;
    const site = siteOfNamespace(namespace);
    if (site !== null) out.push({ kind: r.kind, namespace, name: r.name, site });
  }
  return out;
}

/**
 * The first instant of `date` in `timeZone` (epoch ms, to the minute): the
 * offset is searched, not assumed, so zones with daylight saving work, and a
 * midnight that does not exist gives the first minute that does.
 */
export function dateStartIn(date: string, timeZone: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  // Every zone's offset is within ±14 h; the date starts where the local date first reaches it.
  let lo = utcMidnight - 15 * 3_600_000;
  let hi = utcMidnight + 15 * 3_600_000;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (todayIn(timeZone, new Date(mid)) >= date) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The end of `date` in `timeZone`: the first instant of the next date. */
export function dateEndIn(date: string, timeZone: string): number {
  return dateStartIn(addDays(date, 1), timeZone);
}

/** The inputs whose site's forwarded watermark has not reached the end of `date`; empty: the date may start. */
export function sitesBehind(
  inputs: readonly SiteInput[],
  lookup: SiteLookup,
  date: string,
  timeZone: string,
): SiteLag[] {
  if (inputs.length === 0) return [];
  const end = dateEndIn(date, timeZone);
  const lags: SiteLag[] = [];
  for (const input of inputs) {
    const site = lookup(input.site);
    const status = site?.['status'] as RemoteSiteStatus | undefined;
    const entry = status?.sources?.find((s) => s.kind === input.kind && s.name === input.name);
    const watermark = entry?.forwardedWatermark ?? null;
    const at = watermark === null ? NaN : Date.parse(watermark);
    // A reading at the end instant belongs to the next date, and the spool forwards in order.
    if (Number.isFinite(at) && at >= end) continue;
    lags.push({ input, registered: site !== undefined, watermark });
  }
  return lags;
}

/** One lag in a sentence: the site, the source and where its watermark is. */
export function lagText(lag: SiteLag): string {
  const src = `${lag.input.kind} ${lag.input.namespace}/${lag.input.name}`;
  if (!lag.registered) return `site ${lag.input.site} (no RemoteSite of that name): ${src}`;
  return `site ${lag.input.site}: ${src} forwarded ${lag.watermark === null ? 'nothing yet' : `up to ${lag.watermark}`}`;
}
