import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Failure } from './outcome.js';

/**
 * Envelope classification shared by KPX and KMA (docs/upstream-apis.md, errors):
 * by HTTP status AND body, never by Content-Type. Pure; never throws.
 */

/** A parsed body that passed the envelope checks with result code 00. */
export interface EnvelopeOk {
  readonly ok: true;
  readonly format: 'json' | 'xml';
  /** The `response.body` object (JSON or XML-as-object), or null when absent. */
  readonly body: Record<string, unknown> | null;
  readonly resultCode: string;
}

export type Envelope = EnvelopeOk | { readonly ok: false; readonly failure: Failure };

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false, // XML is all text: keep it, the field parsers decide
  trimValues: true,
  isArray: (name) => name === 'item',
});

const GATEWAY_AUTH = new Set(['20', '21', '30', '31', '32', '33']);

/** Maps a data.go.kr result code (service or gateway level) to a failure; null for 00. */
export function classifyResultCode(rawCode: string, message: string, gateway: boolean): Failure | null {
  const code = /^\d+$/.test(rawCode) ? rawCode.padStart(2, '0') : rawCode;
  if (code === '00') return null;
  const reason = `result code ${code}${message ? ` ${message}` : ''}`;
  if (code === '03') return { outcome: 'no_data', code, reason };
  if (code === '22') return { outcome: 'quota', code, reason };
  if (GATEWAY_AUTH.has(code)) return { outcome: 'auth', code, reason };
  if (gateway) return { outcome: 'http_error', code, reason };
  if (code === '10' || code === '11' || code === '12') return { outcome: 'bad_request', code, reason };
  return { outcome: 'http_error', code, reason };
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

const asText = (v: unknown): string | null =>
  typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : null;

/** Classifies an HTTP answer into a failure or a result-code-00 envelope. */
export function classifyEnvelope(status: number, text: string): Envelope {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (status === 401) return fail('auth', '401', 'HTTP 401 Unauthorized: the key is not approved for this dataset');
  if (status === 429)
    return {
      ok: false,
      failure: { outcome: 'http_error', code: '429', reason: 'HTTP 429 Too Many Requests', slowDown: true },
    };
  if (status !== 200) return fail('http_error', String(status), `HTTP ${status}`);
  if (trimmed === '') return fail('malformed', null, 'empty body');
  if (trimmed.startsWith('<')) return classifyXml(trimmed);
  if (trimmed.startsWith('{')) return classifyJson(trimmed);
  if (/^unauthorized$/i.test(trimmed))
    return fail('auth', null, 'Unauthorized: the key is not approved for this dataset');
  return fail('malformed', null, 'body is neither JSON nor XML');
}

function fail(outcome: Failure['outcome'], code: string | null, reason: string): Envelope {
  return { ok: false, failure: { outcome, code, reason } };
}

function classifyXml(text: string): Envelope {
  if (/^<(!doctype\s+)?html/i.test(text)) return fail('http_error', null, 'HTML error page');
  if (XMLValidator.validate(text) !== true) return fail('malformed', null, 'XML body is not well-formed (truncated?)');
  let doc: Record<string, unknown> | null;
  try {
    doc = asRecord(xml.parse(text));
  } catch {
    return fail('malformed', null, 'XML body could not be parsed');
  }
  if (doc === null) return fail('malformed', null, 'XML body is empty');
  const gateway = asRecord(asRecord(doc['OpenAPI_ServiceResponse'])?.['cmmMsgHeader']);
  if (gateway !== null) {
    const code = asText(gateway['returnReasonCode']) ?? '';
    const msg = asText(gateway['returnAuthMsg']) ?? asText(gateway['errMsg']) ?? '';
    if (code === '') return fail('malformed', null, 'gateway error without returnReasonCode');
    const failure = classifyResultCode(code, msg, true) ?? {
      outcome: 'http_error' as const,
      code,
      reason: `gateway ${msg}`,
    };
    return { ok: false, failure };
  }
  return classifyResponse(doc['response'], 'xml');
}

function classifyJson(text: string): Envelope {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('malformed', null, 'JSON body could not be parsed (truncated?)');
  }
  return classifyResponse(asRecord(doc)?.['response'], 'json');
}

function classifyResponse(response: unknown, format: 'json' | 'xml'): Envelope {
  const res = asRecord(response);
  if (res === null) return fail('malformed', null, 'no `response` object');
  const header = asRecord(res['header']);
  const code = header === null ? null : asText(header['resultCode']);
  if (code === null || code === '') return fail('malformed', null, 'no `response.header.resultCode`');
  const failure = classifyResultCode(code, asText(header?.['resultMsg']) ?? '', false);
  if (failure !== null) return { ok: false, failure };
  const rawBody = res['body'];
  return { ok: true, format, body: asRecord(rawBody), resultCode: code };
}

/** The `items.item` rows of a body: object → [object], `""`/absent → []; null when the shape is wrong. */
export function bodyItems(body: Record<string, unknown> | null): Record<string, unknown>[] | null {
  if (body === null) return [];
  const items = body['items'];
  if (items === undefined || items === '' || items === null) return [];
  const rec = asRecord(items);
  if (rec === null) return null;
  const item = rec['item'];
  if (item === undefined || item === '' || item === null) return [];
  const list = Array.isArray(item) ? item : [item];
  const rows: Record<string, unknown>[] = [];
  for (const row of list) {
    const r = asRecord(row);
    if (r === null) return null;
    rows.push(r);
  }
  return rows;
}

/** A count field that may be a number (KMA) or a string (KPX, XML); null when absent or not a count. */
export function countField(body: Record<string, unknown> | null, name: string): number | null {
  const v = body?.[name];
  const t = asText(v);
  if (t === null || !/^\d+$/.test(t)) return null;
  return Number(t);
}
