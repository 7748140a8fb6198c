/** PowerReading as on the bus (docs/messages.md). */
export interface PowerReading {
  readonly v: 1;
  readonly source: string;
  readonly baseTime: string;
  readonly baseDatetimeRaw: string;
  readonly supplyCapacityMw: number;
  readonly currentDemandMw: number;
  readonly forecastPeakMw: number | null;
  readonly supplyReserveMw: number | null;
  readonly supplyReservePct: number | null;
  readonly operatingReserveMw: number | null;
  readonly operatingReservePct: number | null;
  readonly ingestedAt: string;
}

/** The bus key of a power reading: its base time as sent (`yyyyMMddHHmmss`, KST). */
export function powerIdentity(reading: Pick<PowerReading, 'baseDatetimeRaw'>): string {
  return reading.baseDatetimeRaw;
}
