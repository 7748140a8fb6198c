import type { BackoffPolicy } from '../../backoff.js';

/** Transient errors: 30 s doubling up to 15 min, equal jitter so collectors' retries spread out. */
export const TRANSIENT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 15 * 60_000, jitter: 'equal' };

/** "Not published yet": 1 min doubling up to 8 min. */
export const NO_DATA_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 8 * 60_000, jitter: 'equal' };
