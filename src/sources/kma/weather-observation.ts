/** WeatherObservation as on the bus (docs/messages.md). */
export interface WeatherObservation {
  readonly v: 1;
  readonly source: string;
  readonly location: string;
  readonly nx: number;
  readonly ny: number;
  readonly baseTime: string;
  readonly baseDateRaw: string;
  readonly baseTimeRaw: string;
  readonly temperatureC: number | null;
  readonly rain1hMm: number | null;
  readonly humidityPct: number | null;
  readonly precipitationType: number | null;
  readonly windSpeedMs: number | null;
  readonly windDirectionDeg: number | null;
  readonly windEastMs: number | null;
  readonly windNorthMs: number | null;
  readonly ingestedAt: string;
}

/** The bus key of a weather observation: `yyyyMMddHHmm:nx:ny` (KST base time, grid cell). */
export function weatherIdentity(o: Pick<WeatherObservation, 'baseDateRaw' | 'baseTimeRaw' | 'nx' | 'ny'>): string {
  return `${o.baseDateRaw}${o.baseTimeRaw}:${o.nx}:${o.ny}`;
}
