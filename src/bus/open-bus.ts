import type { Bus } from './bus.js';
import { KafkaBus, type KafkaBusOptions, type KafkaSasl } from './kafka/kafka-bus.js';
import { LocalLogBus } from './local-log/local-log-bus.js';

/** Which bus a process uses: Kafka, or the local durable log in a folder. */
export type BusChoice =
  | {
      readonly kind: 'kafka';
      readonly brokers: readonly string[];
      readonly ssl?: { readonly ca: readonly string[] };
      readonly sasl?: KafkaSasl;
    }
  | { readonly kind: 'local'; readonly dir: string };

/** Opens the chosen bus; `clientId` and `consumer` apply to Kafka only. */
export function openBus(choice: BusChoice, kafka: Pick<KafkaBusOptions, 'clientId' | 'consumer'> = {}): Bus {
  return choice.kind === 'kafka'
    ? new KafkaBus({
        brokers: choice.brokers,
        ...(choice.ssl === undefined ? {} : { ssl: choice.ssl }),
        ...(choice.sasl === undefined ? {} : { sasl: choice.sasl }),
        ...kafka,
      })
    : new LocalLogBus({ dir: choice.dir });
}
