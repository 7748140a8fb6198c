import { subscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/**
 * Which origins have a TCP (or TLS) connect in flight, from the diagnostics
 * channels of the fetch implementation Node bundles (undici). It tells a
 * request that timed out while still waiting for its connection (the SYN got
 * no answer: a service that silently drops this network, as KPX does with AWS
 * addresses) from one that connected and then waited for an answer.
 */

interface ConnectParams {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: string | number;
}

/** A connect attempt older than this is forgotten even if no end was published for it. */
const FORGET_AFTER_MS = 10 * 60_000;

/**
 * Start times of the connects in flight, per origin, oldest first. The events
 * carry a fresh object each and no attempt id, so an end closes the oldest
 * attempt of its origin: if a newer one ends first, the origin looks younger
 * than it is, which only makes a ConnectTimeout less likely to be claimed.
 */
const pending = new Map<string, number[]>();
let watching = false;

function originOf(protocol: string, hostname: string, port: string | number | undefined): string {
  const p = port === undefined || port === '' ? (protocol === 'https:' ? '443' : '80') : String(port);
  return `${protocol}//${hostname}:${p}`;
}

function paramsOrigin(msg: unknown): string | null {
  const params = (msg as { connectParams?: ConnectParams } | undefined)?.connectParams;
  return params === undefined ? null : originOf(params.protocol ?? 'http:', params.hostname ?? '', params.port);
}

/** The origin key of a URL, as the connect events name it. */
export function urlOrigin(url: string): string {
  const u = new URL(url);
  return originOf(u.protocol, u.hostname, u.port);
}

/** Starts listening to the connect events (idempotent; the subscription lives as long as the process). */
export function watchConnects(): void {
  if (watching) return;
  watching = true;
  subscribe('undici:client:beforeConnect', (msg) => {
    const origin = paramsOrigin(msg);
    if (origin === null) return;
    const now = performance.now();
    for (const [o, starts] of pending) {
      const kept = starts.filter((t) => now - t <= FORGET_AFTER_MS);
      if (kept.length === 0) pending.delete(o);
      else pending.set(o, kept);
    }
    pending.set(origin, [...(pending.get(origin) ?? []), now]);
  });
  const done = (msg: unknown) => {
    const origin = paramsOrigin(msg);
    const starts = origin === null ? undefined : pending.get(origin);
    if (origin === null || starts === undefined) return;
    starts.shift();
    if (starts.length === 0) pending.delete(origin);
  };
  subscribe('undici:client:connected', done);
  subscribe('undici:client:connectError', done);
}

/** When the oldest connect to `origin` still in flight started (`performance.now()` ms), or null when none is. */
export function connectPendingSince(origin: string): number | null {
  return pending.get(origin)?.[0] ?? null;
}
