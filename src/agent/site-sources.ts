import { GROUP, VERSION } from '../api/common.js';
import { sourceKey, type SiteSourceKind } from '../api/agent-lease.js';
import type { PowerSourceSpec } from '../api/power-source.js';
import { siteNamespace } from '../api/remote-site.js';
import type { WeatherSourceSpec } from '../api/weather-source.js';
import type { Clock } from '../clock.js';
import { errorStatus } from '../k8s/api-errors.js';
import { Informer, type InformerOptions, type ResourceRef } from '../k8s/informer.js';
import { objectPath, type KubeClient } from '../k8s/kube-client.js';
import type { KubeObject } from '../k8s/object-cache.js';
import { POWER_TOPIC, WEATHER_TOPIC } from '../api/defaults.js';
import type { Logger } from '../observe/log.js';
import { ServiceKey } from '../sources/common/service-key.js';

/*
 * The sources of one site: PowerSources and WeatherSources in namespace
 * `gridlake-site-<site>` (and nowhere else: the agent's Role allows nothing
 * else), each run by one collector. What runs follows the informers' caches:
 * a new source starts, a spec change (generation), a re-created source (uid)
 * or a rotated service key restarts it, a suspended or deleted one stops.
 * A source is deleted only when a successful list or watch says so: while the
 * hub cannot be reached the caches keep what they had and collecting goes on.
 */

export const SITE_SOURCE_RESOURCES: Readonly<Record<SiteSourceKind, ResourceRef>> = {
  PowerSource: { group: GROUP, version: VERSION, plural: 'powersources', kind: 'PowerSource' },
  WeatherSource: { group: GROUP, version: VERSION, plural: 'weathersources', kind: 'WeatherSource' },
};

/** One source of the site, as the cache holds it. */
export interface SiteSource {
  /** `PowerSource/<name>` (sourceKey in src/api/agent-lease.ts) */
  readonly key: string;
  readonly kind: SiteSourceKind;
  readonly namespace: string;
  readonly name: string;
  /** uid and generation: a different one means a different spec to run */
  readonly specVersion: string;
  readonly spec: PowerSourceSpec | WeatherSourceSpec;
}

/** The sources that should run, from the cached objects (a source being deleted or suspended should not). */
export function runnableSources(kind: SiteSourceKind, objects: readonly KubeObject[], namespace: string): SiteSource[] {
  const out: SiteSource[] = [];
  for (const o of objects) {
    const spec = o['spec'] as (PowerSourceSpec | WeatherSourceSpec) | undefined;
    const name = o.metadata.name;
    if (o.metadata.namespace !== namespace || name === undefined || spec === undefined) continue;
    if (o.metadata.deletionTimestamp !== undefined || spec.suspend === true) continue;
    out.push({
      key: sourceKey(kind, name),
      kind,
      namespace,
      name,
      specVersion: `${o.metadata.uid ?? ''}@${o.metadata.generation ?? 0}`,
      spec,
    });
  }
  return out;
}

/** What one source should run with: its version (spec and key), or null while its service key is unknown. */
export interface WantedCollector {
  readonly key: string;
  readonly version: string | null;
}

/** What to do to bring the running collectors to the wanted ones. */
export interface CollectorChanges {
  /** running, no longer wanted (deleted, suspended) or to restart: stop these first */
  readonly stop: readonly string[];
  /** wanted with a known version and not running it (new, or restarted after `stop`) */
  readonly start: readonly string[];
}

/**
 * Pure: compares the wanted collectors with the running ones (key → version).
 * A source whose version is unknown (its Secret cannot be read just now) keeps
 * what runs: a failed read of a Secret must not stop a working collector.
 */
export function planCollectors(
  wanted: readonly WantedCollector[],
  running: ReadonlyMap<string, string>,
): CollectorChanges {
  const want = new Map(wanted.map((w) => [w.key, w.version]));
  const stop: string[] = [];
  const start: string[] = [];
  for (const [key, version] of running) {
    if (!want.has(key)) stop.push(key);
    else {
      const next = want.get(key);
      if (next !== null && next !== undefined && next !== version) stop.push(key);
    }
  }
  for (const [key, version] of want) {
    if (version === null) continue;
    if (running.get(key) !== version) start.push(key);
  }
  return { stop: stop.sort(), start: start.sort() };
}

/** Reads a service key the way a collector pod gets it from `secretKeyRef`: one key of a Secret in the source's namespace. */
export async function readServiceKey(
  client: KubeClient,
  namespace: string,
  ref: { readonly name: string; readonly key: string },
): Promise<ServiceKey> {
  const secret = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath({ group: '', version: 'v1', plural: 'secrets', namespace }, ref.name),
    timeoutMs: 10_000,
  });
  const data = (secret['data'] ?? {}) as Record<string, string>;
  const encoded = data[ref.key];
  if (encoded === undefined) throw new MissingKey(`Secret ${ref.name} has no key ${ref.key}`);
  const value = Buffer.from(encoded, 'base64').toString('utf8');
  if (value.trim() === '') throw new MissingKey(`key ${ref.key} of Secret ${ref.name} is empty`);
  return new ServiceKey(value);
}

class MissingKey extends Error {}

/** A collector the agent runs for one source. */
export interface RunningCollector {
  /** `final`: write status.progress a last time (false when the source is gone) */
  stop(final: boolean): Promise<void>;
}

export interface SiteSourcesOptions {
  readonly site: string;
  /** the hub client (the agent's own token) */
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly clock: Clock;
  /** starts the collector of one source with its service key */
  readonly startCollector: (source: SiteSource, key: ServiceKey) => RunningCollector;
  /** how often Secrets are read again (a rotated key restarts its source) and waiting sources retried; default 60 s */
  readonly recheckMs?: number;
  /** informer tuning (tests) */
  readonly informer?: Partial<Omit<InformerOptions, 'client' | 'resource' | 'logger'>>;
}

/** What the agent shows about its sources. */
export interface SiteSourcesState {
  /** sources running a collector: key → the version it runs (`<uid>@<generation>#<service key id>`) */
  readonly running: Readonly<Record<string, string>>;
  /** sources that should run but cannot yet, with why (their Secret cannot be read) */
  readonly waiting: Readonly<Record<string, string>>;
}

interface Running {
  readonly version: string;
  readonly collector: RunningCollector;
}

/** Watches the site's sources and keeps one collector running per runnable source. */
export class SiteSources {
  readonly #o: SiteSourcesOptions;
  readonly #namespace: string;
  readonly #informers: readonly (readonly [SiteSourceKind, Informer])[];
  readonly #running = new Map<string, Running>();
  readonly #waiting = new Map<string, string>();
  /** last key read per Secret reference: a Secret that cannot be read now keeps the key it had */
  readonly #keys = new Map<string, ServiceKey>();
  readonly #stopper = new AbortController();
  #pass: Promise<void> = Promise.resolve();
  #again = false;
  #queued = false;
  #halted = false;
  #ticker: Promise<void> | undefined;

  constructor(options: SiteSourcesOptions) {
    this.#o = options;
    this.#namespace = siteNamespace(options.site);
    this.#informers = (['PowerSource', 'WeatherSource'] as const).map(
      (kind) =>
        [
          kind,
          new Informer({
            ...options.informer,
            client: options.client,
            resource: { ...SITE_SOURCE_RESOURCES[kind], namespace: this.#namespace },
            logger: options.logger,
          }),
        ] as const,
    );
  }

  get namespace(): string {
    return this.#namespace;
  }

  start(): void {
    for (const [, informer] of this.#informers) {
      informer.on(() => this.#schedule());
      informer.start();
    }
    const every = this.#o.recheckMs ?? 60_000;
    this.#ticker = (async () => {
      while (!this.#stopper.signal.aborted) {
        await this.#o.clock.sleep(every, this.#stopper.signal);
        if (!this.#stopper.signal.aborted) this.#schedule();
      }
    })();
  }

  /** Resolves once both informers listed the site's sources once. */
  async waitForSync(timeoutMs?: number): Promise<void> {
    await Promise.all(this.#informers.map(([, i]) => i.waitForSync(timeoutMs)));
    await this.settled();
  }

  /** Resolves when the pass under way (and one asked for meanwhile) is done. */
  async settled(): Promise<void> {
    do await this.#pass;
    while (this.#queued);
  }

  /** For /readyz: null once the sources are listed. */
  readonly readiness = (): string | null => {
    for (const [, i] of this.#informers) {
      const why = i.readiness();
      if (why !== null) return `the site's sources are not listed yet (${why})`;
    }
    return null;
  };

  /**
   * Which kind of source produces to `topic` (the forwarder moves that kind's
   * watermark): from the cached specs, else the default topics (the caches may
   * not be filled yet when a restarted agent drains its spool); undefined for
   * a dead-letter topic or one no source names.
   */
  kindOfTopic(topic: string): SiteSourceKind | undefined {
    for (const [kind, informer] of this.#informers) {
      for (const o of informer.list(this.#namespace)) {
        if ((o['spec'] as { topic?: string } | undefined)?.topic === topic) return kind;
      }
    }
    return topic === POWER_TOPIC ? 'PowerSource' : topic === WEATHER_TOPIC ? 'WeatherSource' : undefined;
  }

  state(): SiteSourcesState {
    const running = [...this.#running].sort(([a], [b]) => a.localeCompare(b)).map(([k, r]) => [k, r.version]);
    return { running: Object.fromEntries(running), waiting: Object.fromEntries(this.#waiting) };
  }

  /**
   * Stops every collector and starts none again, while the informers go on
   * (revocation: the agent stops collecting but keeps serving /metrics).
   */
  async halt(): Promise<void> {
    this.#halted = true;
    await this.settled();
    await this.#stopAll(true);
  }

  /** Stops the informers, the recheck timer and every collector. */
  async stop(): Promise<void> {
    this.#halted = true;
    this.#stopper.abort();
    await Promise.all(this.#informers.map(([, i]) => i.stop()));
    await this.#ticker;
    await this.settled();
    await this.#stopAll(true);
  }

  // One pass at a time; events during a pass ask for one more.
  #schedule(): void {
    if (this.#queued) {
      this.#again = true;
      return;
    }
    this.#queued = true;
    this.#pass = this.#pass.then(async () => {
      do {
        this.#again = false;
        try {
          await this.#reconcile();
        } catch (err) {
          this.#o.logger.error({ err }, 'site sources: reconcile failed');
        }
      } while (this.#again && !this.#halted);
      this.#queued = false;
    });
  }

  async #reconcile(): Promise<void> {
    if (this.#halted) return;
    const sources = this.#informers.flatMap(([kind, informer]) =>
      runnableSources(kind, informer.list(this.#namespace), this.#namespace),
    );
    // Before the first list of both kinds, absence means "not known yet", not "deleted".
    if (!this.#informers.every(([, i]) => i.synced)) return;
    const byKey = new Map(sources.map((s) => [s.key, s]));
    const keys = new Map<string, ServiceKey>();
    const wanted: WantedCollector[] = [];
    for (const s of sources) {
      const key = await this.#serviceKey(s);
      if (key !== null) keys.set(s.key, key);
      wanted.push({ key: s.key, version: key === null ? null : `${s.specVersion}#${key.id}` });
    }
    for (const k of [...this.#waiting.keys()]) if (!byKey.has(k)) this.#waiting.delete(k);
    const running = new Map([...this.#running].map(([k, r]) => [k, r.version]));
    const changes = planCollectors(wanted, running);
    for (const k of changes.stop) {
      const r = this.#running.get(k);
      this.#running.delete(k);
      const stays = byKey.has(k);
      this.#o.logger.info(
        { source: k },
        stays ? 'source changed: restarting its collector' : 'source gone: collector stopped',
      );
      // A deleted source has no status to write a last time to.
      await r?.collector.stop(stays);
    }
    if (this.#halted) return;
    for (const k of changes.start) {
      const s = byKey.get(k);
      const key = keys.get(k);
      const version = wanted.find((w) => w.key === k)?.version;
      if (!s || !key || !version) continue;
      try {
        const collector = this.#o.startCollector(s, key);
        this.#running.set(k, { version, collector });
        this.#o.logger.info({ source: k, version: s.specVersion }, 'collector started');
      } catch (err) {
        // An invalid spec (say, an off-grid location the CRD could not refuse) waits for the next change.
        const why = err instanceof Error ? err.message : String(err);
        this.#setWaiting(k, `cannot run: ${why}`);
      }
    }
  }

  async #serviceKey(s: SiteSource): Promise<ServiceKey | null> {
    const ref = s.spec.serviceKeySecretRef;
    const cacheKey = `${ref.name}/${ref.key}`;
    try {
      const key = await readServiceKey(this.#o.client, s.namespace, ref);
      this.#keys.set(cacheKey, key);
      this.#waiting.delete(s.key);
      return key;
    } catch (err) {
      const status = errorStatus(err);
      const why =
        err instanceof MissingKey
          ? err.message
          : status === 404
            ? `Secret ${ref.name} does not exist in ${s.namespace}`
            : status === 403
              ? `the agent may not read Secret ${ref.name} (the site's Role names the Secrets its sources use)`
              : `Secret ${ref.name} cannot be read: ${err instanceof Error ? err.message : String(err)}`;
      const known = this.#keys.get(cacheKey);
      // Unreachable hub: go on with the key already known. A missing Secret or key also keeps a running collector.
      if (known !== undefined) return known;
      this.#setWaiting(s.key, why);
      return null;
    }
  }

  #setWaiting(key: string, why: string): void {
    if (this.#waiting.get(key) !== why) this.#o.logger.warn({ source: key, reason: why }, 'source waiting');
    this.#waiting.set(key, why);
  }

  async #stopAll(final: boolean): Promise<void> {
    const all = [...this.#running.values()];
    this.#running.clear();
    await Promise.all(all.map((r) => r.collector.stop(final)));
  }
}
