import { createRequire } from 'node:module';
import type * as KafkaJS from 'kafkajs';
import { installFastProducer } from './kafkajs-producer.js';
import { installFastRecordDecoder } from './kafkajs-records.js';

/**
 * kafkajs as gridlake runs it: the one place that loads it. kafkajs 2.2.4 is
 * the last release (the project pins it), and some of its hot paths cost more
 * than the rest of a send or a fetch, so they are replaced with functions whose
 * output is exactly kafkajs's (tests compare them): the produce path in
 * kafkajs-producer.ts, the fetch decoder in kafkajs-records.ts.
 * Partitioning is kafkajs's public `createPartitioner` option (partitioner.ts).
 *
 * kafkajs takes some of those modules when it loads, so they are put in its
 * module cache before kafkajs is required here. Loading kafkajs with `require`
 * (not a static import) keeps that order in a bundle too, where static imports
 * of packages are hoisted above the bundle's own code. When something loaded
 * kafkajs first, or it is another version, kafkajs is left as it is: slower,
 * not different.
 */
const require = createRequire(import.meta.url);

/** Whether this process's kafkajs producer runs kafkajs-producer.ts. */
export const fastProducerInstalled = installFastProducer();

const kafkajs = require('kafkajs') as typeof KafkaJS;
/** Whether its fetches decode with kafkajs-records.ts (installed before any fetch, when kafkajs loads that decoder). */
export const fastDecoderInstalled = installFastRecordDecoder();

export const { Kafka, logLevel } = kafkajs;
export type Kafka = KafkaJS.Kafka;
