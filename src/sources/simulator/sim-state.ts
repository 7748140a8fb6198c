import { seededRng, type Rng } from '../../random.js';
import type { Clock } from '../../clock.js';
import { kstDay } from '../../kst.js';
import { parseFaults, parseSimConfig, type Fault, type SimConfig } from './sim-config.js';

/** Which simulated operation a call hit. */
export type SimOperation = 'kpx.latest' | 'kpx.history' | 'kpx.legacy' | 'kma.ncst';

/** Mutable state of a running simulator: config, fault list, per-key call counts. */
export class SimState {
  config: SimConfig;
  readonly clock: Clock;
  #rng: Rng;
  /** calls[keyId|op|day] */
  readonly #calls = new Map<string, number>();
  /** Totals per operation since start (admin view). */
  readonly totals = new Map<string, number>();

  constructor(clock: Clock, config?: unknown) {
    this.clock = clock;
    this.config = parseSimConfig(config ?? {});
    this.#rng = seededRng(this.config.seed);
  }

  /** Replaces part of the config (validated). */
  update(partial: unknown): void {
    this.config = parseSimConfig(partial, this.config);
    if (typeof partial === 'object' && partial !== null && 'seed' in partial) this.#rng = seededRng(this.config.seed);
  }

  setFaults(input: unknown): void {
    this.config = { ...this.config, faults: parseFaults(input) };
  }

  addFaults(input: unknown): void {
    this.config = { ...this.config, faults: [...this.config.faults, ...parseFaults(input)] };
  }

  /** Counts one call against the key's quota; false when the quota is already used up. */
  countCall(key: string, op: SimOperation): boolean {
    const limit = op === 'kma.ncst' ? this.config.quotaKma : this.config.quotaKpx;
    const slot = `${key}|${op}|${kstDay(this.clock.now())}`;
    const used = this.#calls.get(slot) ?? 0;
    this.totals.set(op, (this.totals.get(op) ?? 0) + 1);
    if (used >= limit) return false;
    this.#calls.set(slot, used + 1);
    return true;
  }

  /** Calls counted today per operation and key fingerprint (keys are shortened). */
  callsToday(): Record<string, number> {
    const day = kstDay(this.clock.now());
    const out: Record<string, number> = {};
    for (const [slot, n] of this.#calls) {
      const [key = '', op = '', d] = slot.split('|');
      if (d === day) out[`${op}:${key.slice(0, 4)}…`] = n;
    }
    return out;
  }

  /** The faults that fire for this call (dice rolled once per fault; counted ones are used up). */
  firingFaults(op: SimOperation): Fault[] {
    const api = op.startsWith('kpx') ? 'kpx' : 'kma';
    const firing: Fault[] = [];
    const keep: Fault[] = [];
    for (const f of this.config.faults) {
      let fault = f;
      if ((f.api === 'all' || f.api === api) && this.#rng() < (f.probability ?? 1)) {
        firing.push(f);
        if (f.remaining !== undefined) {
          if (f.remaining <= 1) continue;
          fault = { ...f, remaining: f.remaining - 1 };
        }
      }
      keep.push(fault);
    }
    if (firing.length > 0) this.config = { ...this.config, faults: keep };
    return firing;
  }

  /** Whether a client address is served. */
  allows(ip: string): boolean {
    const list = this.config.allowClients;
    if (list.length === 0) return true;
    const bare = ip.replace(/^::ffff:/, '');
    return list.includes(ip) || list.includes(bare);
  }
}
