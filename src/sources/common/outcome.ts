import { assertNever } from '../../errors.js';
import { POLL_OUTCOMES, type PollOutcome } from '../../api/power-source.js';

/**
 * What one poll ended in (docs/upstream-apis.md; the `outcome` label of
 * docs/metrics.md). One list with the API's, so what a collector
 * reports in status.progress is always what the CRD accepts.
 */
export type Outcome = PollOutcome;

/** Every outcome, for metrics pre-registration and exhaustive tests. */
export const OUTCOMES: readonly Outcome[] = POLL_OUTCOMES;

/** The one behaviour each outcome has (src/sources/README.md, docs/upstream-apis.md). */
export type Behaviour =
  | 'emit' // ok: produce the readings
  | 'retry_soon' // no_data: the hour/slot is not published yet
  | 'pause_until_midnight' // quota: stop calling the key until 00:00 KST
  | 'stop' // auth, bad_request: stop and raise a condition a person can act on
  | 'backoff' // http_error, timeout: exponential backoff with jitter
  | 'dead_letter'; // malformed: dead letter with the raw text, never crash

/** The behaviour an outcome maps to. */
export function behaviourOf(outcome: Outcome): Behaviour {
  switch (outcome) {
    case 'ok':
      return 'emit';
    case 'no_data':
      return 'retry_soon';
    case 'quota':
      return 'pause_until_midnight';
    case 'auth':
    case 'bad_request':
      return 'stop';
    case 'http_error':
    case 'timeout':
      return 'backoff';
    case 'malformed':
      return 'dead_letter';
    default:
      return assertNever(outcome);
  }
}

/** A classified failure: the outcome, the provider's code if any, and a human reason (no secrets). */
export interface Failure {
  readonly outcome: Exclude<Outcome, 'ok'>;
  /** Provider result code (`03`, `22`...) or HTTP status as text. */
  readonly code: string | null;
  readonly reason: string;
  /** 429 asks the caller to slow down as well as back off. */
  readonly slowDown?: boolean;
  /**
   * The error class `status.progress.lastError.class` shows when it says more than the outcome:
   * `ConnectTimeout` for a `timeout` whose TCP connection was never answered.
   */
  readonly errorClass?: string;
}
