import { fastify, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { assertNever } from '../../errors.js';
import type { Clock } from '../../clock.js';
import { HOUR_MS, SLOT_MS, floorHour, floorSlot } from '../../kst.js';
import { parseKmaDateTime } from '../common/wire-time.js';
import { KPX_PATHS } from '../kpx/kpx-endpoints.js';
import { KMA_NCST_PATH } from '../kma/kma-endpoints.js';
import {
  gatewayError,
  kmaAnswer,
  kmaObsValues,
  kpxAnswer,
  kpxItem,
  kpxLegacyAnswer,
  kpxLegacyDenied,
  resultError,
  type Format,
} from './answers.js';
import { SimState, type SimOperation } from './sim-state.js';
import { rnOfSlot, slotOfRn, weatherAt } from './synthetic.js';
import type { Fault } from './sim-config.js';

/** Options of the simulator. */
export interface SimulatorOptions {
  /** The simulated clock (SimClock from `--clock`, or a ManualClock in tests). */
  readonly clock: Clock;
  /** Initial config (validated; see sim-config.ts). */
  readonly config?: unknown;
  /** Real sleep for the `slow` fault (tests may shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly logger?: boolean;
}

type Query = Record<string, string | undefined>;

/**
 * `gridlake simulate`: KPX (latest, history, legacy) and the KMA nowcast in
 * their real formats, with publication timing by the simulated clock, per-key
 * quotas, faults, and a client allow-list. Admin endpoints under `/_sim/`.
 */
export function createSimulator(options: SimulatorOptions): { app: FastifyInstance; state: SimState } {
  const state = new SimState(options.clock, options.config);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Closing must not wait for a client's connection: an in-process collector that aborted a call
  // mid-request (on stop) keeps its socket, and close() would wait for it forever.
  const app = fastify({ logger: options.logger ?? false, forceCloseConnections: true });

  const serve =
    (op: SimOperation, answer: (q: Query, format: Format) => string) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      if (!state.allows(req.ip)) {
        // KPX drops connections from refused networks: the client sees a reset or timeout.
        reply.hijack();
        req.raw.socket.destroy();
        return reply;
      }
      const q = req.query as Query;
      const format: Format =
        op === 'kpx.legacy' ? 'xml' : (q['dataType'] ?? q['_type'] ?? 'xml').toLowerCase() === 'json' ? 'json' : 'xml';
      const key = q['serviceKey'] ?? '';
      const send = (status: number, body: string, type = format): FastifyReply =>
        reply
          .code(status)
          .header('content-type', type === 'json' ? 'application/json;charset=UTF-8' : 'text/xml;charset=UTF-8')
          .send(body);
      // An encoded key arrives double-encoded (it still holds %XX): the gateway does not know it.
      if (
        key === '' ||
        /%[0-9A-Fa-f]{2}/.test(key) ||
        (state.config.keys.length > 0 && !state.config.keys.includes(key))
      ) {
        return send(200, gatewayError('30'), 'xml');
      }
      if (!state.countCall(key, op)) return send(200, gatewayError('22'), 'xml');
      const faults = state.firingFaults(op);
      const slow = faults.find((f) => f.kind === 'slow');
      if (slow) await sleep(slow.delayMs ?? 5_000);
      const early = faultAnswer(faults, format);
      if (early)
        return early.type === 'text'
          ? reply.code(early.status).header('content-type', 'text/plain').send(early.body)
          : send(early.status, early.body, early.type);
      let body = answer(q, format);
      if (faults.some((f) => f.kind === 'missing') && op === 'kma.ncst') body = answerWithMissing(q, format, body);
      if (faults.some((f) => f.kind === 'truncate')) body = body.slice(0, Math.floor(body.length / 2));
      return send(200, body);
    };

  const newestSlot = (): number => floorSlot(options.clock.now() - state.config.kpxPublishDelayMs);

  app.get(
    KPX_PATHS.latest,
    serve('kpx.latest', (_q, format) => {
      const slot = newestSlot();
      return kpxAnswer([kpxItem(slot, false)], { pageNo: 1, numOfRows: 1, totalCount: 1 }, format);
    }),
  );

  app.get(
    KPX_PATHS.history,
    serve('kpx.history', (q, format) => {
      const pageNo = positiveInt(q['pageNo'], 1);
      const numOfRows = positiveInt(q['numOfRows'], 10);
      if (pageNo === null || numOfRows === null || numOfRows > 10_000) return resultError('10', format);
      const total = rnOfSlot(newestSlot());
      const first = (pageNo - 1) * numOfRows + 1;
      const last = Math.min(total, pageNo * numOfRows);
      const items = [];
      for (let rn = first; rn <= last; rn++) items.push(kpxItem(slotOfRn(rn), true));
      return kpxAnswer(items, { pageNo, numOfRows, totalCount: total }, format);
    }),
  );

  app.get(
    KPX_PATHS.legacy,
    serve('kpx.legacy', () =>
      state.config.legacyDenied ? kpxLegacyDenied() : kpxLegacyAnswer(kpxItem(newestSlot(), false, false)),
    ),
  );

  app.get(
    KMA_NCST_PATH,
    serve('kma.ncst', (q, format) => {
      const parsed = kmaRequest(q);
      if (parsed === null) return resultError('10', format);
      const now = options.clock.now();
      const newestHour = floorHour(now - state.config.kmaPublishOffsetMs);
      if (parsed.hourMs > newestHour || parsed.hourMs <= newestHour - state.config.kmaRetentionHours * HOUR_MS) {
        return resultError('03', format);
      }
      return observationAnswer(parsed, format, false);
    }),
  );

  function answerWithMissing(q: Query, format: Format, body: string): string {
    const parsed = kmaRequest(q);
    if (parsed === null || !body.includes('NORMAL_SERVICE')) return body;
    return observationAnswer(parsed, format, true);
  }

  app.get('/_sim/state', async () => ({
    now: new Date(options.clock.now()).toISOString(),
    config: state.config,
    callsToday: state.callsToday(),
    totals: Object.fromEntries(state.totals),
  }));
  app.put('/_sim/faults', async (req) => {
    state.setFaults(req.body ?? []);
    return { faults: state.config.faults };
  });
  app.post('/_sim/faults', async (req) => {
    state.addFaults(req.body ?? []);
    return { faults: state.config.faults };
  });
  app.delete('/_sim/faults', async () => {
    state.setFaults([]);
    return { faults: [] };
  });
  app.put('/_sim/config', async (req) => {
    state.update(req.body ?? {});
    return { config: state.config };
  });
  app.setErrorHandler((err: Error & { code?: string }, _req, reply) => {
    const status = err.code === 'GL_SOURCES_SIM_OPTION_INVALID' ? 400 : 500;
    void reply.code(status).send({ code: err.code ?? 'ERROR', message: err.message });
  });
  return { app, state };
}

function positiveInt(text: string | undefined, fallback: number): number | null {
  if (text === undefined || text === '') return fallback;
  return /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : null;
}

/** The KMA answer for the cell and hour asked, its values from the weather model (`missing`: the missing-value fault). */
function observationAnswer(at: { hourMs: number; nx: number; ny: number }, format: Format, missing: boolean): string {
  return kmaAnswer(at.hourMs, at.nx, at.ny, kmaObsValues(weatherAt(at.hourMs, at.nx, at.ny), missing), format);
}

function kmaRequest(q: Query): { hourMs: number; nx: number; ny: number } | null {
  const date = q['base_date'] ?? '';
  const time = q['base_time'] ?? '';
  const ms = parseKmaDateTime(date, time);
  const nx = Number(q['nx']);
  const ny = Number(q['ny']);
  if (ms === null || !Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || nx > 149 || ny < 1 || ny > 253)
    return null;
  return { hourMs: floorHour(ms), nx, ny };
}

function faultAnswer(
  faults: readonly Fault[],
  format: Format,
): { status: number; body: string; type: Format | 'text' } | null {
  for (const f of faults) {
    switch (f.kind) {
      case 'gateway':
        return { status: 200, body: gatewayError(f.code ?? '22'), type: 'xml' };
      case 'result':
        return { status: 200, body: resultError(f.code ?? '99', format), type: format };
      case 'http': {
        const status = Number(f.code ?? 500);
        return status === 401
          ? { status, body: 'Unauthorized', type: 'text' }
          : {
              status,
              body: status === 429 ? 'Too Many Requests' : `<html><body><h1>${status} Error</h1></body></html>`,
              type: 'text',
            };
      }
      case 'html':
        return {
          status: 200,
          body: '<!DOCTYPE html><html><head><title>Service unavailable</title></head><body>점검 중</body></html>',
          type: 'text',
        };
      // These shape the answer rather than replace it; applied where the answer is built.
      case 'slow':
      case 'truncate':
      case 'missing':
        break;
      default:
        return assertNever(f.kind);
    }
  }
  return null;
}

/** Slot length, for tests that walk the simulator's history. */
export const SIM_SLOT_MS = SLOT_MS;
