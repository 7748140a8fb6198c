import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import kafkajs from 'kafkajs';
import type { KafkaInfo } from '../types.js';
import { freePort, runCommand, startProcess, waitUntil, type ManagedProcess } from '../process.js';
import { makeServerPki } from '../pki.js';
import { toolPath } from '../tools.js';

// Node's CommonJS export detection misses kafkajs's ACL enums, so a plain node run (the benches) needs the default import.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, logLevel } = kafkajs;

export interface KafkaStartOptions {
  /** address the SITE listener binds to and advertises (default 127.0.0.1), e.g. a veth address in a network namespace */
  readonly siteHost?: string;
  /** more subjectAltName entries for the broker certificate, in openssl form: `IP:10.77.0.1`, `DNS:hub` */
  readonly extraSans?: readonly string[];
}

/**
 * A single-node Apache Kafka in KRaft mode (broker + controller), from Maven
 * Central jars. Two client listeners: PLAINTEXT on loopback for the hub's own
 * clients (anonymous, a super user) and SITE, SASL_SSL with SCRAM-SHA-512, for
 * remote sites, whose users may do only what their ACLs allow (`addSiteUser`).
 */
export async function startKafka(
  runDir: string,
  options: KafkaStartOptions = {},
): Promise<{ info: KafkaInfo; procs: ManagedProcess[] }> {
  const dir = path.join(runDir, 'kafka');
  await mkdir(dir, { recursive: true });
  const [kp, kc, ks] = [await freePort(), await freePort(), await freePort()];
  const siteHost = options.siteHost ?? '127.0.0.1';
  const pki = await makePki(path.join(dir, 'pki'), [
    'IP:127.0.0.1',
    'DNS:localhost',
    ...(siteHost === '127.0.0.1' ? [] : [isIP(siteHost) ? `IP:${siteHost}` : `DNS:${siteHost}`]),
    ...(options.extraSans ?? []),
  ]);
  const props = path.join(dir, 'server.properties');
  await writeFile(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${kc}`,
      `listeners=PLAINTEXT://127.0.0.1:${kp},CONTROLLER://127.0.0.1:${kc},SITE://${siteHost}:${ks}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${kp},SITE://${siteHost}:${ks}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SITE:SASL_SSL',
      'listener.name.site.ssl.keystore.type=PEM',
      `listener.name.site.ssl.keystore.location=${pki.keystore}`,
      'listener.name.site.sasl.enabled.mechanisms=SCRAM-SHA-512',
      // Without a JAAS entry for the listener the broker exits at start; the server side needs no credentials in it.
      'listener.name.site.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // Every PLAINTEXT connection (broker to controller included) is ANONYMOUS: without it the broker never registers.
      // So whoever reaches the loopback listener is a super user; site users exist only on SITE.
      'super.users=User:ANONYMOUS;User:admin',
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
  return {
    info: {
      brokers: [`127.0.0.1:${kp}`],
      site: { brokers: [`${siteHost}:${ks}`], caFile: pki.caFile, ca: await readFile(pki.caFile, 'utf8') },
    },
    procs: [proc],
  };
}

/** The broker's certificate and Kafka's PEM keystore: the PKCS#8 key (what OpenSSL 3 writes, unencrypted), then the chain. */
async function makePki(dir: string, sans: readonly string[]): Promise<{ caFile: string; keystore: string }> {
  const pki = await makeServerPki(dir, { caName: 'gridlake-test-kafka-ca', name: 'broker', sans, days: 30 });
  const keystore = path.join(dir, 'broker-keystore.pem');
  const parts = await Promise.all([pki.keyFile, pki.certFile, pki.caFile].map((f) => readFile(f, 'utf8')));
  await writeFile(keystore, parts.join(''));
  return { caFile: pki.caFile, keystore };
}

export interface SiteUser {
  readonly user: string;
  readonly password: string;
  /** topics the user may write (literal names); nothing else is granted */
  readonly topics: readonly string[];
}

/**
 * Makes a SCRAM-SHA-512 user for a remote site and grants it WRITE on the
 * given topics only (literal ACLs), over the internal listener. kafkajs cannot
 * create SCRAM credentials, so the user comes from Kafka's ConfigCommand
 * (a JVM, ≈1 s); the ACLs from kafkajs.
 */
export async function addSiteUser(kafka: KafkaInfo, site: SiteUser): Promise<void> {
  await runCommand('java', [
    '-Xmx128m',
    '-cp',
    `${toolPath('kafka-libs')}/*`,
    '-Dlog4j2.level=WARN',
    'kafka.admin.ConfigCommand',
    '--bootstrap-server',
    kafka.brokers[0]!,
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    site.user,
    '--add-config',
    `SCRAM-SHA-512=[iterations=4096,password=${site.password}]`,
  ]);
  if (site.topics.length === 0) return;
  const admin = new Kafka({ clientId: 'test-infra', brokers: [...kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: site.topics.map((topic) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: `User:${site.user}`,
        host: '*',
        operation: AclOperationTypes.WRITE,
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
