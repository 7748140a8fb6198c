import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { AgentLeaseReport } from '../api/agent-lease.js';
import { startAgent, type AgentDeps } from '../agent/agent.js';
import type { AgentSpool, Forwarder, Heartbeat, HubCredentials } from '../agent/ports.js';
import { systemClock, type Clock } from '../clock.js';
import type { AgentConfig } from '../config.js';
import { commandLogger, type Logger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { startObserveServer, stopSignal } from './process.js';

/** The gridlake version the agent writes on its Lease (the CLI's `--version`). */
export const AGENT_VERSION = '0.1.0';

/** What lives in `--state-dir` (a volume): the spool, the agent's own token, one checkpoint file per source. */
export interface AgentStatePaths {
  readonly spoolDir: string;
  readonly tokenFile: string;
  readonly checkpointDir: string;
}

export function agentStatePaths(stateDir: string): AgentStatePaths {
  return {
    spoolDir: path.join(stateDir, 'spool'),
    tokenFile: path.join(stateDir, 'token'),
    checkpointDir: path.join(stateDir, 'checkpoints'),
  };
}

/** What the parts are built from. */
export interface AgentPartsInput {
  readonly config: AgentConfig;
  readonly paths: AgentStatePaths;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
}

/** The agent's parts (src/agent/ports.ts): the two it runs on are started here, the other two by the agent. */
export interface AgentParts {
  /** started: holds a working token (or knows why not) */
  readonly credentials: HubCredentials;
  /** opened on `paths.spoolDir` with `config.spoolLimitBytes` */
  readonly spool: AgentSpool;
  readonly startForwarder: (spool: AgentSpool) => Forwarder;
  readonly startHeartbeat: (report: () => AgentLeaseReport) => Heartbeat;
}

/**
 * Builds the real parts. The factories live on other branches of issue 13;
 * each `lead:` line says which call goes where.
 */
export function buildAgentParts(input: AgentPartsInput): Promise<AgentParts> {
  // lead: wire credentials factory here (src/agent/credentials.ts), e.g.
  //   const credentials = await startHubCredentials({ site: config.site, bootstrapKubeconfig: config.bootstrapKubeconfig,
  //     tokenFile: paths.tokenFile, tokenSeconds: config.tokenSeconds, env: config.env, logger, registry, clock });
  // lead: wire spool factory here (src/agent/spool.ts), e.g.
  //   const spool = openAgentSpool({ dir: paths.spoolDir, limitBytes: config.spoolLimitBytes, site: config.site, registry });
  // lead: wire forwarder factory here (src/agent/forwarder.ts), e.g.
  //   startForwarder: (s) => startForwarder({ spool: s, brokers: config.kafkaBrokers.split(','), caFile: config.kafkaCaFile,
  //     username: config.kafkaUsername ?? `gridlake-site-${config.site}`, passwordFile: config.kafkaPasswordFile, logger, registry, clock })
  // lead: wire heartbeat factory here (src/agent/heartbeat.ts), e.g.
  //   startHeartbeat: (report) => startHeartbeat({ client: credentials.client, namespace: siteNamespace(config.site),
  //     holder: `${config.podName}/<boot id>`, intervalMs: config.heartbeatSeconds * 1000, report, logger, clock })
  return Promise.reject(
    new Error(
      `gridlake agent --site ${input.config.site}: the spool, forwarder, credentials and heartbeat are not wired in yet`,
    ),
  );
}

/** `gridlake agent`: runs until SIGINT or SIGTERM; `buildParts` is for tests. */
export async function runAgent(
  config: AgentConfig,
  o: { readonly buildParts?: (input: AgentPartsInput) => Promise<AgentParts>; readonly stop?: Promise<unknown> } = {},
): Promise<void> {
  const logger = commandLogger('gridlake-agent', config).child({ site: config.site });
  const registry = createRegistry();
  const clock = systemClock;
  const paths = agentStatePaths(config.stateDir);
  mkdirSync(paths.checkpointDir, { recursive: true });
  const parts = await (o.buildParts ?? buildAgentParts)({ config, paths, logger, registry, clock });
  const deps: AgentDeps = {
    site: config.site,
    podName: config.podName ?? hostname(),
    version: AGENT_VERSION,
    checkpointDir: paths.checkpointDir,
    spool: parts.spool,
    credentials: parts.credentials,
    startForwarder: parts.startForwarder,
    startHeartbeat: parts.startHeartbeat,
    registry,
    logger,
    clock,
  };
  const agent = startAgent(deps);
  const shutdown = async (): Promise<void> => {
    await agent.stop();
    await parts.spool.close();
    await parts.credentials.stop();
  };
  const server = await startObserveServer({
    registry,
    logger,
    host: config.metricsHost,
    port: config.metricsPort,
    readiness: [() => agent.readiness()],
    undo: shutdown,
  });
  logger.info({ address: server.address, namespace: agent.sources.namespace }, 'agent started');
  await (o.stop ?? stopSignal());
  await shutdown();
  await server.close();
}
