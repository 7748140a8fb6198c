import { Gauge, type Registry } from 'prom-client';
import type { LocalLogBus } from './local-log-bus.js';

/**
 * `gridlake_spool_bytes{site}` and `gridlake_spool_records{site}`
 * (docs/metrics.md): the local log's size on disk and the records its
 * reader group has not committed yet, computed at scrape time.
 */
export function registerSpoolMetrics(
  registry: Registry,
  site: string,
  bus: LocalLogBus,
  groupId: string,
  topics: readonly string[],
): void {
  const backlog = (): { records: number; bytes: number } => {
    let records = 0;
    let bytes = 0;
    for (const t of topics) {
      if (!bus.hasTopic(t)) continue;
      const b = bus.backlog(groupId, t);
      records += b.records;
      bytes += b.bytes;
    }
    return { records, bytes };
  };
  new Gauge({
    name: 'gridlake_spool_bytes',
    help: 'Bytes the local durable log holds on disk.',
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.set({ site }, backlog().bytes);
    },
  });
  new Gauge({
    name: 'gridlake_spool_records',
    help: 'Records in the local durable log not yet committed by its reader.',
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.set({ site }, backlog().records);
    },
  });
}
