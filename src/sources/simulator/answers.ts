import { formatKmaDateTime, formatKpxDatetime } from '../common/wire-time.js';
import { f32, powerAt, rnOfSlot, type WeatherValues } from './synthetic.js';

/**
 * Answer bodies in the real shapes (test/fixtures/samples, docs/upstream-apis.md): KPX JSON counts are
 * strings and one row is an object; KMA JSON counts and nx/ny are numbers and
 * obsrValue is a string; XML is all text; gateway errors are XML whatever was asked.
 */

export type Format = 'json' | 'xml';

const GATEWAY_MESSAGES: Readonly<Record<string, string>> = {
  '20': 'SERVICE_ACCESS_DENIED_ERROR',
  '21': 'TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR',
  '22': 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR',
  '30': 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR',
  '31': 'DEADLINE_HAS_EXPIRED_ERROR',
  '32': 'UNREGISTERED_IP_ERROR',
  '33': 'UNSIGNED_CALL_ERROR',
  '99': 'UNKNOWN_ERROR',
};

const RESULT_MESSAGES: Readonly<Record<string, string>> = {
  '00': 'NORMAL_SERVICE',
  '01': 'APPLICATION_ERROR',
  '02': 'DB_ERROR',
  '03': 'NO_DATA',
  '04': 'HTTP_ERROR',
  '05': 'SERVICETIME_OUT',
  '10': 'INVALID_REQUEST_PARAMETER_ERROR',
  '11': 'NO_MANDATORY_REQUEST_PARAMETERS_ERROR',
  '12': 'NO_OPENAPI_SERVICE_ERROR',
  '99': 'UNKNOWN_ERROR',
};

/** The gateway's XML error envelope (HTTP 200). */
export function gatewayError(code: string): string {
  return `<OpenAPI_ServiceResponse>\n\t<cmmMsgHeader>\n\t\t<errMsg>SERVICE ERROR</errMsg>\n\t\t<returnAuthMsg>${GATEWAY_MESSAGES[code] ?? 'UNKNOWN_ERROR'}</returnAuthMsg>\n\t\t<returnReasonCode>${code}</returnReasonCode>\n\t</cmmMsgHeader>\n</OpenAPI_ServiceResponse>`;
}

/** A service-level error (no body) in the requested format. */
export function resultError(code: string, format: Format): string {
  const msg = RESULT_MESSAGES[code] ?? 'UNKNOWN_ERROR';
  if (format === 'json') return JSON.stringify({ response: { header: { resultCode: code, resultMsg: msg } } });
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response><header><resultCode>${code}</resultCode><resultMsg>${msg}</resultMsg></header></response>`;
}

/** One KPX row as the gateway sends it (float32-looking numbers). */
export interface KpxItem {
  readonly rn?: number;
  readonly baseDatetime: string;
  readonly suppAbility: number;
  readonly currPwrTot: number;
  readonly forecastLoad: number;
  readonly suppReservePwr: number;
  readonly suppReserveRate?: number;
  readonly operReservePwr?: number;
  readonly operReserveRate?: number;
}

/** The KPX row of a slot; history rows send forecastLoad 0.0 (unknown). */
export function kpxItem(slotMs: number, history: boolean, withRn = true): KpxItem {
  const p = powerAt(slotMs);
  return {
    ...(withRn ? { rn: rnOfSlot(slotMs) } : {}),
    baseDatetime: formatKpxDatetime(slotMs),
    suppAbility: f32(p.capacity),
    currPwrTot: f32(p.demand),
    forecastLoad: history ? 0.0 : f32(p.forecastPeak),
    suppReservePwr: f32(p.supplyReserve),
    suppReserveRate: f32(p.supplyReserveRate),
    operReservePwr: f32(p.operReserve),
    operReserveRate: f32(p.operReserveRate),
  };
}

/** A KPX gateway answer (latest or history page). */
export function kpxAnswer(
  items: readonly KpxItem[],
  page: { pageNo: number; numOfRows: number; totalCount: number },
  format: Format,
): string {
  if (format === 'json') {
    const itemsValue = items.length === 0 ? '' : { item: items.length === 1 ? items[0] : items };
    return JSON.stringify({
      response: {
        header: { resultCode: '00', resultMsg: 'NORMAL SERVICE.' },
        body: {
          dataType: 'JSON',
          items: itemsValue,
          numOfRows: String(page.numOfRows),
          pageNo: String(page.pageNo),
          totalCount: String(page.totalCount),
        },
      },
    });
  }
  const rows = items.map((i) => `<item>${xmlFields(i)}</item>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header><body><dataType>XML</dataType><items>${rows}</items><numOfRows>${page.numOfRows}</numOfRows><pageNo>${page.pageNo}</pageNo><totalCount>${page.totalCount}</totalCount></body></response>`;
}

/** The legacy operation's XML answer (one row, no rn, no counts). */
export function kpxLegacyAnswer(item: KpxItem): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header><body><items><item>${xmlFields(item)}</item></items></body></response>`;
}

/** The legacy operation's answer today: access denied (code 20, paging inside header). */
export function kpxLegacyDenied(): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response><header><resultCode>20</resultCode><resultMsg>SERVICE ACCESS DENIED ERROR.</resultMsg><pageNo>1</pageNo><numOfRows>1000</numOfRows><totalCount>0</totalCount><pageSize>1</pageSize><startPage>1</startPage></header></response>`;
}

function xmlFields(item: KpxItem): string {
  return Object.entries(item)
    .map(
      ([k, v]) =>
        `<${k}>${typeof v === 'number' && Number.isInteger(v) && k !== 'rn' ? v.toFixed(1) : String(v)}</${k}>`,
    )
    .join('');
}

/** KMA category values as text, in category order. */
export function kmaObsValues(v: WeatherValues, missing: boolean): [string, string][] {
  const rows: [string, string][] = [
    ['PTY', String(v.PTY)],
    ['REH', String(v.REH)],
    ['RN1', v.RN1 === 0 ? '0' : v.RN1.toFixed(1)],
    ['T1H', v.T1H.toFixed(1)],
    ['UUU', v.UUU.toFixed(1)],
    ['VEC', String(v.VEC)],
    ['VVV', v.VVV.toFixed(1)],
    ['WSD', v.WSD.toFixed(1)],
  ];
  if (!missing) return rows;
  // The missing-value fault: markers, text rain, and an absent category (samples/kma-ncst-missing.json).
  return rows
    .filter(([c]) => c !== 'WSD')
    .map(([c, val]): [string, string] =>
      c === 'REH'
        ? [c, '-999']
        : c === 'UUU'
          ? [c, '900.0']
          : c === 'VEC'
            ? [c, '-998']
            : c === 'RN1' && val === '0'
              ? [c, '강수없음']
              : [c, val],
    );
}

/** A KMA nowcast answer for one cell and hour. */
export function kmaAnswer(hourMs: number, nx: number, ny: number, values: [string, string][], format: Format): string {
  const { date, time } = formatKmaDateTime(hourMs);
  if (format === 'json') {
    const item = values.map(([category, obsrValue]) => ({
      baseDate: date,
      baseTime: time,
      category,
      nx,
      ny,
      obsrValue,
    }));
    return JSON.stringify({
      response: {
        header: { resultCode: '00', resultMsg: 'NORMAL_SERVICE' },
        body: { dataType: 'JSON', items: { item }, pageNo: 1, numOfRows: 10, totalCount: item.length },
      },
    });
  }
  const items = values
    .map(
      ([c, v]) =>
        `<item><baseDate>${date}</baseDate><baseTime>${time}</baseTime><category>${c}</category><nx>${nx}</nx><ny>${ny}</ny><obsrValue>${v}</obsrValue></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response><header><resultCode>00</resultCode><resultMsg>NORMAL_SERVICE</resultMsg></header><body><dataType>XML</dataType><items>${items}</items><numOfRows>10</numOfRows><pageNo>1</pageNo><totalCount>${values.length}</totalCount></body></response>`;
}
