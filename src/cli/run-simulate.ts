import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { commandLogger } from '../observe/log.js';
import { parseFaults } from '../sources/simulator/sim-config.js';
import { parseClockOption, SimClock } from '../sources/simulator/sim-clock.js';
import { createSimulator } from '../sources/simulator/simulator-server.js';
import { stopSignal } from './process.js';
import type { SimulateConfig } from '../config.js';

/** `gridlake simulate`: serves the simulated KPX and KMA APIs until SIGINT or SIGTERM. */
export async function runSimulate(opts: SimulateConfig): Promise<void> {
  const logger = commandLogger('gridlake-simulate', opts);
  const { startMs, speed } = parseClockOption(opts.clock, Date.now());
  const fileConfig = opts.config ? (parseYaml(readFileSync(opts.config, 'utf8')) as Record<string, unknown>) : {};
  const config = {
    ...fileConfig,
    ...(opts.quotaKpx === undefined ? {} : { quotaKpx: opts.quotaKpx }),
    ...(opts.quotaKma === undefined ? {} : { quotaKma: opts.quotaKma }),
    ...(opts.allowClient ? { allowClients: opts.allowClient } : {}),
    ...(opts.key ? { keys: opts.key } : {}),
    ...(opts.legacyOpen ? { legacyDenied: false } : {}),
    ...(opts.fault ? { faults: parseFaults(opts.fault.map((f) => JSON.parse(f) as unknown)) } : {}),
  };
  const { app } = createSimulator({ clock: new SimClock(startMs, speed), config });
  const address = await app.listen({ host: opts.host, port: opts.port });
  logger.info({ address, start: new Date(startMs).toISOString(), speed }, 'simulator listening');
  void stopSignal().then(() => app.close().then(() => process.exit(0)));
}
