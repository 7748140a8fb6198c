import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { AgentLeaseReport } from '../api/agent-lease.js';
import { startAgent, type AgentDeps } from '../agent/agent.js';
import { openHubCredentials } from '../agent/credentials.js';
import { startForwarder } from '../agent/forwarder.js';
import { startHeartbeat } from '../agent/heartbeat.js';
import type { AgentSpool, Heartbeat, HubCredentials } from '../agent/ports.js';
import { openSpool } from '../agent/spool.js';
import { KafkaBus } from '../bus/kafka/kafka-bus.js';
import { parseClockOption, SimClock } from '../sources/simulator/sim-clock.js';
import { systemClock, type Clock } from '../clock.js';
import { glError } from '../errors.js';
import type { AgentConfig } from '../config.js';
import { commandLogger, type Logger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { startObserveServer, stopSignal } from './process.js';

/** The gridlake version the agent writes on its Lease (the CLI's `--version`). */
export const AGENT_VERSION = '0.1.0';

/** What lives in `--state-dir` (a volume): the spool, one checkpoint file per source (the credentials keep `hub-token.json` beside them). */
export interface AgentStatePaths {
  readonly spoolDir: string;
  readonly checkpointDir: string;
}

export function agentStatePaths(stateDir: string): AgentStatePaths {
  return {
    spoolDir: path.join(stateDir, 'spool'),
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
  readonly startForwarder: AgentDeps['startForwarder'];
  readonly startHeartbeat: (report: () => AgentLeaseReport) => Heartbeat;
}

/**
 * Builds the real parts: the hub credentials (TokenRequest from the bootstrap
 * kubeconfig), the spool on the state volume, and the factories of the
 * forwarder (hub Kafka over SASL_SSL as the site's user) and the heartbeat.
 */
export async function buildAgentParts(input: AgentPartsInput): Promise<AgentParts> {
  const { config, paths, logger, registry, clock } = input;
  if (config.bootstrapKubeconfig === undefined)
    throw glError(
      'GL_CONFIG_INVALID',
      `gridlake agent --site ${config.site} needs --bootstrap-kubeconfig: the hub's address, CA and a token an admin minted (docs/remote-sites.md, "Runbook")`,
      { context: { option: '--bootstrap-kubeconfig' } },
    );
  if (config.kafkaPasswordFile === undefined)
    throw glError(
      'GL_CONFIG_INVALID',
      `gridlake agent --site ${config.site} needs --kafka-password-file: the password of the site's Kafka user (SCRAM-SHA-512)`,
      { context: { option: '--kafka-password-file' } },
    );
  const credentials = await openHubCredentials({
    bootstrapKubeconfig: config.bootstrapKubeconfig,
    stateDir: config.stateDir,
    site: config.site,
    logger: logger.child({ component: 'credentials' }),
    clock,
    registry,
    ...(config.tokenSeconds === undefined ? {} : { defaultTokenExpirationSeconds: config.tokenSeconds }),
  });
  const spool = openSpool({
    dir: paths.spoolDir,
    limitBytes: config.spoolLimitBytes,
    site: config.site,
    registry,
    clock,
  });
  const hub = new KafkaBus({
    brokers: config.kafkaBrokers.split(',').map((b) => b.trim()),
    clientId: `gridlake-agent-${config.site}`,
    ...(config.kafkaCaFile ? { ssl: { ca: [readFileSync(config.kafkaCaFile, 'utf8')] } } : {}),
    sasl: {
      mechanism: 'scram-sha-512',
      username: config.kafkaUsername ?? `site-${config.site}`,
      password: readFileSync(config.kafkaPasswordFile, 'utf8').trim(),
    },
    // Few client retries: the forwarder has its own backoff, and a dead link must show as `linked() === false` soon.
    connection: { retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2000 } },
  });
  return {
    credentials,
    spool,
    startForwarder: (_spool, kindOfTopic) => {
      const forwarder = startForwarder({
        spool,
        hub,
        kindOfTopic,
        log: logger.child({ component: 'forwarder' }),
        site: config.site,
        registry,
        clock,
      });
      return {
        watermarks: () => forwarder.watermarks(),
        linked: () => forwarder.linked(),
        stop: async () => {
          await forwarder.stop();
          await hub.close();
        },
      };
    },
    startHeartbeat: (report) =>
      startHeartbeat({
        client: credentials.client,
        site: config.site,
        identity: `${config.podName ?? hostname()}/${bootId()}`,
        report,
        intervalSeconds: config.heartbeatSeconds,
        logger: logger.child({ component: 'heartbeat' }),
        clock,
        registry,
      }),
  };
}

function simulatedClock(option: string): SimClock {
  const c = parseClockOption(option, Date.now());
  return new SimClock(c.startMs, c.speed);
}

/** This boot of this process: a restarted agent is a new Lease holder (leaseTransitions counts restarts). */
function bootId(): string {
  return randomUUID().slice(0, 8);
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
  const input = { config, paths, logger, registry, clock };
  const parts = await (o.buildParts ?? buildAgentParts)(input);
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
    ...(config.clock ? { collectorClock: simulatedClock(config.clock) } : {}),
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
