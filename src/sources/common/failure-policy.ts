import { assertNever } from '../../errors.js';
import { backoffDelay } from '../../backoff.js';
import { TRANSIENT_BACKOFF } from './backoff-policies.js';
import type { Operation } from './budget.js';
import { authMessage, type CollectorCore } from './collector-core.js';
import type { Failure } from './outcome.js';

/** Consecutive-failure state of one polling stream. */
export interface FailureState {
  transient: number;
  malformed: number;
}

/** What the caller does after a failure. */
export type FailureStep =
  { readonly kind: 'retry_at'; readonly at: number } | { readonly kind: 'stop' } | { readonly kind: 'skip' }; // give up on this item, go on with the next

/** Malformed answers are retried this many times (a cut body may be the network), then skipped. */
export const MALFORMED_RETRIES = 2;

/**
 * The one behaviour per failure class (docs/upstream-apis.md): quota pauses the key until
 * 00:00 KST, auth and bad requests stop with a condition, transient errors back
 * off with jitter, malformed answers go to the dead letter. `no_data` is left
 * to the caller, who knows the publication schedule.
 */
export async function applyFailure(
  core: CollectorCore,
  op: Operation,
  api: string,
  failure: Failure,
  state: FailureState,
  rawText: string | null,
  /** What the request asked for (a KMA location and its cell), named in a refused request's condition. */
  subject?: string,
): Promise<FailureStep> {
  const { budget, clock, rng } = core.deps;
  const keyId = core.binding.key.id;
  const now = clock.now();
  switch (failure.outcome) {
    case 'no_data':
      return { kind: 'skip' };
    case 'quota': {
      const until = budget.pauseUntilMidnight(keyId, op, now, failure.reason);
      core.setCondition(
        'QuotaExhausted',
        'QuotaExceeded',
        `${api} answered ${failure.reason}: the daily quota is used up; no calls until ${new Date(until).toISOString()} (00:00 KST)`,
      );
      return { kind: 'retry_at', at: until };
    }
    case 'auth':
      budget.block(keyId, op, failure.reason);
      core.setCondition(
        'AuthFailed',
        failure.code === '32' ? 'AddressNotAllowed' : 'KeyRefused',
        authMessage(api, failure, op),
      );
      return { kind: 'stop' };
    case 'bad_request':
      core.setCondition(
        'BadRequest',
        'RequestRefused',
        // Locations off KMA's grid are refused before any call (resource validation, --location), so a
        // refusal here is not something the person's configuration can cause.
        `${api} refused the request${subject === undefined ? '' : ` for ${subject}`} (${failure.reason}): a bug in gridlake or a retired operation; not retried. Report it with this message.`,
      );
      return { kind: 'stop' };
    case 'http_error':
    case 'timeout': {
      const delay = backoffDelay(state.transient, TRANSIENT_BACKOFF, rng) * (failure.slowDown ? 2 : 1);
      state.transient++;
      if (state.transient >= 3) {
        core.setCondition(
          'Degraded',
          failure.outcome === 'timeout' ? 'Timeouts' : 'HttpErrors',
          `${api}: ${state.transient} failures in a row, last: ${failure.reason}`,
        );
      }
      core.log.warn({ outcome: failure.outcome, reason: failure.reason, retryInMs: delay }, 'poll failed, backing off');
      return { kind: 'retry_at', at: now + delay };
    }
    case 'malformed': {
      await core.deadLetter('parse', failure.reason, rawText ?? '');
      state.malformed++;
      if (state.malformed > MALFORMED_RETRIES) {
        state.malformed = 0;
        return { kind: 'skip' };
      }
      return { kind: 'retry_at', at: now + backoffDelay(state.malformed - 1, TRANSIENT_BACKOFF, rng) };
    }
    default:
      return assertNever(failure.outcome);
  }
}

/**
 * The due time a failure step leaves a polling stream with: when to retry,
 * null when the stream stopped, or what skipping the item means to the caller.
 */
export function dueAfter<S>(step: FailureStep, onSkip: () => S): number | null | S {
  switch (step.kind) {
    case 'retry_at':
      return step.at;
    case 'stop':
      return null;
    case 'skip':
      return onSkip();
    default:
      return assertNever(step);
  }
}

/** Resets the counters after a success and clears the Degraded condition. */
export function recordSuccess(core: CollectorCore, state: FailureState): void {
  state.transient = 0;
  state.malformed = 0;
  core.clearCondition('Degraded');
  core.clearCondition('QuotaExhausted');
}
