import type { ServiceKey } from '../common/service-key.js';

/** data.go.kr gateway host. */
export const DATA_GO_KR = 'https://apis.data.go.kr';
/** KPX's own host for the legacy operation. */
export const KPX_LEGACY_HOST = 'http://openapi.kpx.or.kr';

export const KPX_PATHS = {
  latest: '/B552115/sukub5mMaxDatetime2/getSukub5mMaxDatetime2',
  history: '/B552115/Sukub5mToday/getSukub5mToday',
  legacy: '/openapi/sukub5mMaxDatetime/getSukub5mMaxDatetime',
} as const;

/** URL of the latest operation (one row). */
export function kpxLatestUrl(base: string, key: ServiceKey): string {
  return `${trim(base)}${KPX_PATHS.latest}?serviceKey=${key.queryValue()}&pageNo=1&numOfRows=1&dataType=json`;
}

/** URL of one history page. */
export function kpxHistoryUrl(base: string, key: ServiceKey, pageNo: number, numOfRows: number): string {
  return `${trim(base)}${KPX_PATHS.history}?serviceKey=${key.queryValue()}&pageNo=${pageNo}&numOfRows=${numOfRows}&dataType=json`;
}

/** URL of the legacy XML operation. */
export function kpxLegacyUrl(base: string, key: ServiceKey): string {
  return `${trim(base)}${KPX_PATHS.legacy}?serviceKey=${key.queryValue()}`;
}

const trim = (base: string): string => base.replace(/\/+$/, '');
