import type { Logger } from '../../observe/log.js';
import type { CallBudget, Denial, Operation } from './budget.js';
import { CollectorProgress } from './collector-progress.js';
import { describeDenial } from './budget.js';
import type { Clock } from '../../clock.js';
import type { Rng } from '../../random.js';
import { IdentitySet } from './dedupe.js';
import { isoUtc } from '../../kst.js';
import type { Failure, Outcome } from './outcome.js';
import type { ReadingSink, SinkRecord } from './reading-sink.js';
import type { ServiceKey } from './service-key.js';
import { redactServiceKey } from './service-key.js';
import type { SourceKind, SourceMetrics } from './source-metrics.js';
import { StopRequested, type Transport } from './transport.js';

/** What every collector is built from; all I/O and time come in here. */
export interface CollectorDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly transport: Transport;
  readonly sink: ReadingSink;
  readonly budget: CallBudget;
  readonly metrics: SourceMetrics;
  readonly logger: Logger;
  /** asks the collectors to stop: no new call starts and a call in flight is abandoned */
  readonly stop?: AbortSignal;
}

/** Which source this is and where its records go. */
export interface SourceBinding {
  readonly kind: SourceKind;
  /** `namespace/name` of the resource. */
  readonly source: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly key: ServiceKey;
}

/** A condition in the Kubernetes shape (the controller copies these into status). */
export interface SourceCondition {
  readonly type: 'BudgetExceeded' | 'QuotaExhausted' | 'AuthFailed' | 'BadRequest' | 'Degraded';
  readonly status: 'True';
  readonly reason: string;
  readonly message: string;
  readonly since: string;
}

/** The result of one budgeted call. */
export type CallResult =
  | { readonly kind: 'denied'; readonly denial: Denial }
  | { readonly kind: 'answer'; readonly status: number; readonly text: string; readonly receivedAt: number }
  | { readonly kind: 'no_answer'; readonly failure: Failure };

/** A record ready for the bus. */
export interface Emission {
  readonly identity: string;
  readonly value: unknown;
}

/** Dead letters kept while the sink refuses them (each at most 64 KiB of payload). */
const DEAD_LETTERS_WAITING = 100;

/**
 * The part every collector shares: budgeted calls with metrics, dedupe,
 * emission to the sink, dead letters and conditions. Never logs the key.
 */
export class CollectorCore {
  readonly deps: CollectorDeps;
  readonly binding: SourceBinding;
  readonly log: Logger;
  /** what the worker reports in its resource's `status.progress` */
  readonly progress = new CollectorProgress();
  readonly #emitted = new IdentitySet(20_000);
  readonly #conditions = new Map<SourceCondition['type'], SourceCondition>();
  readonly #waitingDeadLetters: SinkRecord[] = [];
  #sendingDeadLetters = false;
  #deadLettersRefused = false;

  constructor(deps: CollectorDeps, binding: SourceBinding) {
    this.deps = deps;
    this.binding = binding;
    this.log = deps.logger.child({ kind: binding.kind, source: binding.source, keyId: binding.key.id });
  }

  get labels(): { kind: SourceKind; source: string } {
    return { kind: this.binding.kind, source: this.binding.source };
  }

  /** One API call, if the budget allows it (`reserve` calls are kept back for planned work). */
  async call(op: Operation, url: string, reserve = 0): Promise<CallResult> {
    const { budget, clock, transport, metrics, stop } = this.deps;
    // A step may make many calls (a backfill): stopping must not wait for all of them.
    if (stop?.aborted) throw new StopRequested();
    const keyId = this.binding.key.id;
    const denial = budget.tryAcquire(keyId, op, clock.now(), reserve);
    if (denial !== null) return { kind: 'denied', denial };
    this.progress.called(clock.now());
    metrics.quotaUsed.set(this.labels, budget.usedRatio(keyId, op, clock.now()));
    const res = await transport(url, stop);
    metrics.requestDuration.observe(this.labels, res.durationMs / 1000);
    this.log.debug(
      {
        op,
        url: redactServiceKey(url),
        status: res.kind === 'answer' ? res.status : res.kind,
        ms: Math.round(res.durationMs),
      },
      'api call',
    );
    if (res.kind === 'answer') return { kind: 'answer', status: res.status, text: res.text, receivedAt: clock.now() };
    const failure: Failure = { outcome: 'timeout', code: null, reason: redactServiceKey(res.reason) };
    return {
      kind: 'no_answer',
      failure: res.kind === 'connect_timeout' ? { ...failure, errorClass: CONNECT_TIMEOUT } : failure,
    };
  }

  /** Counts a classified poll; `reason` (no secrets) is what a failure said, `errorClass` its class if not the outcome. */
  countPoll(outcome: Outcome, reason: string | null = null, errorClass?: string): void {
    this.deps.metrics.polls.inc({ ...this.labels, outcome });
    this.progress.polled(outcome, reason, this.deps.clock.now(), errorClass);
  }

  /** Whether an identity was already emitted by this process. */
  emitted(identity: string): boolean {
    return this.#emitted.has(identity);
  }

  /**
   * Sends the records not emitted before; returns how many went out. Throws
   * when the sink fails, and then nothing is marked emitted.
   */
  async emit(items: readonly Emission[]): Promise<number> {
    await this.#sendDeadLetters();
    const fresh = items.filter(
      (i, idx) => !this.#emitted.has(i.identity) && items.findIndex((j) => j.identity === i.identity) === idx,
    );
    if (fresh.length === 0) return 0;
    await this.deps.sink.send(
      this.binding.topic,
      fresh.map((i) => ({ key: i.identity, value: JSON.stringify(i.value) })),
    );
    for (const i of fresh) this.#emitted.admit(i.identity);
    this.deps.metrics.records.inc(this.labels, fresh.length);
    this.progress.emitted(fresh.length);
    return fresh.length;
  }

  /** The sink refused records: log it and report it until a poll succeeds again. */
  sinkFailed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error({ err: message }, 'sink send failed; will retry');
    this.progress.failed('bus', `records could not be sent to the bus: ${message}`, this.deps.clock.now());
  }

  /**
   * A dead letter with the reason and the raw text (64 KiB at most); never
   * throws. One the sink refuses (the broker down, the agent's spool full)
   * waits and is sent again before the next records.
   */
  async deadLetter(stage: 'parse' | 'validate', reason: string, payload: string): Promise<void> {
    const value = {
      v: 1,
      source: this.binding.source,
      stage,
      reason: redactServiceKey(reason),
      payload: truncateUtf8(payload, 64 * 1024),
      at: isoUtc(this.deps.clock.now()),
    };
    this.deps.metrics.deadLetters.inc({ stage, source: this.binding.source });
    this.log.warn({ stage, reason: value.reason }, 'reading sent to dead letter');
    this.#waitingDeadLetters.push({ key: this.binding.source, value: JSON.stringify(value) });
    if (this.#waitingDeadLetters.length > DEAD_LETTERS_WAITING) {
      this.#waitingDeadLetters.shift();
      this.log.error(
        { waiting: DEAD_LETTERS_WAITING },
        'dead letter dropped: the bus refused the ones before it and no more are kept',
      );
    }
    await this.#sendDeadLetters();
  }

  /** Sends the dead letters waiting, oldest first; keeps them when the sink refuses. Never throws. */
  async #sendDeadLetters(): Promise<void> {
    if (this.#waitingDeadLetters.length === 0 || this.#sendingDeadLetters) return;
    const batch = [...this.#waitingDeadLetters];
    this.#sendingDeadLetters = true;
    try {
      await this.deps.sink.send(this.binding.deadLetterTopic, batch);
      // By identity: while the send was in flight, more may have arrived and the oldest been dropped.
      for (const sent of batch) {
        const at = this.#waitingDeadLetters.indexOf(sent);
        if (at >= 0) this.#waitingDeadLetters.splice(at, 1);
      }
      if (this.#deadLettersRefused)
        this.log.info({ sent: batch.length }, 'dead letters sent after the bus refused them');
      this.#deadLettersRefused = false;
    } catch (err) {
      // One line when the bus starts refusing, not one per poll while it does (the poll's own send logs too).
      const level = this.#deadLettersRefused ? 'debug' : 'error';
      this.#deadLettersRefused = true;
      this.log[level](
        { err: err instanceof Error ? err.message : String(err), waiting: this.#waitingDeadLetters.length },
        'dead letter could not be sent; it is kept and sent again before the next records',
      );
    } finally {
      this.#sendingDeadLetters = false;
    }
  }

  setCondition(type: SourceCondition['type'], reason: string, message: string): void {
    const prev = this.#conditions.get(type);
    if (prev?.reason === reason && prev.message === message) return;
    this.#conditions.set(type, { type, status: 'True', reason, message, since: isoUtc(this.deps.clock.now()) });
    this.log.warn({ condition: type, reason, message }, 'source condition raised');
  }

  clearCondition(type: SourceCondition['type']): void {
    if (this.#conditions.delete(type)) this.log.info({ condition: type }, 'source condition cleared');
  }

  conditions(): SourceCondition[] {
    return [...this.#conditions.values()];
  }

  /** Raises the condition a denial means and returns when to try again (null: never). */
  onDenied(op: Operation, denial: Denial, fallback: number): number | null {
    const message = describeDenial(op, denial);
    if (denial.kind === 'paused') {
      if (!Number.isFinite(denial.until)) return null;
      return denial.until;
    }
    if (denial.kind === 'exhausted') {
      this.setCondition('QuotaExhausted', 'DailyBudgetUsed', message);
      return denial.resetsAt;
    }
    return fallback;
  }
}

/** The error class of a poll whose TCP connection was never answered (`status.progress.lastError.class`). */
export const CONNECT_TIMEOUT = 'ConnectTimeout';

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  return buf
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

const KPX_LEGACY_HOST_NAME = 'openapi.kpx.or.kr';

/** A message a person can act on for a refused key. */
export function authMessage(api: string, failure: Failure, op?: Operation): string {
  const hint =
    op === 'kpx.legacy' && (failure.code === '20' || failure.code === '401')
      ? `KPX's legacy operation (getSukub5mMaxDatetime on ${KPX_LEGACY_HOST_NAME}) denies keys it has not approved: switch the PowerSource to the gateway endpoint (api: gateway, data.go.kr), which also keeps every slot, or ask KPX to approve the key for the legacy operation and restart`
      : failure.code === '30'
        ? 'the key is not registered: check it was copied whole; if you gave the Encoding key try the Decoding key (or the reverse)'
        : failure.code === '32'
          ? 'this client address is not registered for the key: add it on data.go.kr, or run the source at a site whose address is allowed'
          : failure.code === '31'
            ? 'the key has expired: renew it on data.go.kr and update the Secret'
            : failure.code === '20' || failure.code === '401'
              ? `the key is not approved for ${api}: request use of this dataset on data.go.kr (approval can take a day) and update the Secret`
              : 'the key was refused: check it on data.go.kr and update the Secret';
  return `${api} refused the service key (${failure.reason}): ${hint}. Calls stop until the key changes.`;
}
