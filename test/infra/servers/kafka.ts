import { randomUUID } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { KafkaInfo } from '../types.js';
import { freePort, runCommand, startProcess, waitUntil, type ManagedProcess } from '../process.js';
import { toolPath } from '../tools.js';

/** A single-node Apache Kafka in KRaft mode (broker + controller), from Maven Central jars. */
export async function startKafka(runDir: string): Promise<{ info: KafkaInfo; procs: ManagedProcess[] }> {
  const dir = path.join(runDir, 'kafka');
  await mkdir(dir, { recursive: true });
  const [kp, kc] = [await freePort(), await freePort()];
  const props = path.join(dir, 'server.properties');
  await writeFile(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${kc}`,
      `listeners=PLAINTEXT://127.0.0.1:${kp},CONTROLLER://127.0.0.1:${kc}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${kp}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=1',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const log4j = path.join(dir, 'log4j2.properties');
  await writeFile(
    log4j,
    [
      'appender.console.type=Console',
      'appender.console.name=STDOUT',
      'appender.console.layout.type=PatternLayout',
      'appender.console.layout.pattern=[%d] %p %m (%c)%n',
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.stdout.ref=STDOUT',
      // "Kafka Server started" is logged at INFO by kafka.server: it is our readiness signal.
      'logger.k.name=kafka.server',
      'logger.k.level=INFO',
      '',
    ].join('\n'),
  );
  const cp = `${toolPath('kafka-libs')}/*`;
  const jvm = [
    '-Xms256m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${path.join(dir, 'logs')}`,
    `-Dlog4j2.configurationFile=${log4j}`,
  ];
  const clusterId = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
  await runCommand('java', [
    ...jvm,
    '-cp',
    cp,
    'kafka.tools.StorageTool',
    'format',
    // `=`: a random base64url id may start with '-' and be taken for an option.
    `--cluster-id=${clusterId}`,
    '-c',
    props,
    '--ignore-formatted',
  ]);
  const logFile = path.join(dir, 'kafka.log');
  const proc = startProcess({
    name: 'kafka',
    command: 'java',
    args: [...jvm, '-cp', cp, 'kafka.Kafka', props],
    logFile,
  });
  await waitUntil('kafka', async () => (await readFile(logFile, 'utf8')).includes('Kafka Server started'), {
    timeoutMs: 60_000,
    proc,
    intervalMs: 200,
  });
  return { info: { brokers: [`127.0.0.1:${kp}`] }, procs: [proc] };
}
