import { formatKmaDateTime } from '../common/wire-time.js';
import type { ServiceKey } from '../common/service-key.js';

export const KMA_NCST_PATH = '/1360000/VilageFcstInfoService_2.0/getUltraSrtNcst';

/** URL of one nowcast call: one cell, one base hour. */
export function kmaNcstUrl(base: string, key: ServiceKey, hourMs: number, nx: number, ny: number): string {
  const { date, time } = formatKmaDateTime(hourMs);
  return `${base.replace(/\/+$/, '')}${KMA_NCST_PATH}?serviceKey=${key.queryValue()}&pageNo=1&numOfRows=10&dataType=JSON&base_date=${date}&base_time=${time}&nx=${nx}&ny=${ny}`;
}
