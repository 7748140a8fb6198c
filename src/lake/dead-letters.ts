import { ulid } from 'ulid';
import type { Bus } from '../bus/bus.js';
import { DEAD_LETTER_TOPIC } from '../api/defaults.js';
import { deadLetterKey } from './layout.js';
import { kstDay } from '../kst.js';
import type { ObjectStore } from './object-store.js';

/** The DeadLetter document (docs/messages.md). */
export interface DeadLetter {
  readonly v: 1;
  readonly source: string;
  readonly stage: 'parse' | 'validate' | 'encode' | 'write';
  readonly reason: string;
  readonly payload: string;
  readonly at: string;
}

export { DEAD_LETTER_TOPIC } from '../api/defaults.js';
const MAX_PAYLOAD_CHARS = 64 * 1024;

/** Builds a dead letter, truncating the payload to 64 KiB. */
export function deadLetter(
  source: string,
  stage: DeadLetter['stage'],
  reason: string,
  payload: Buffer,
  nowMs: number,
): DeadLetter {
  const text = payload.toString('utf8');
  return {
    v: 1,
    source,
    stage,
    reason,
    payload: text.length > MAX_PAYLOAD_CHARS ? text.slice(0, MAX_PAYLOAD_CHARS) : text,
    at: new Date(nowMs).toISOString(),
  };
}

/**
 * Sends dead letters to the dead-letter topic; when the bus refuses, keeps them
 * in the lake's deadletter/ folder instead (docs/lake.md), so nothing is dropped.
 */
export class DeadLetterWriter {
  constructor(
    private readonly bus: Bus | undefined,
    private readonly store: ObjectStore,
    private readonly topic: string = DEAD_LETTER_TOPIC,
  ) {}

  async write(dl: DeadLetter): Promise<'bus' | 'lake'> {
    const body = JSON.stringify(dl);
    if (this.bus) {
      try {
        await this.bus.send(this.topic, [{ key: dl.source, value: body }]);
        return 'bus';
      } catch {
        // fall through to the folder
      }
    }
    await this.store.putIfAbsent(
      deadLetterKey(dl.stage, kstDay(Date.parse(dl.at)), dl.source, ulid()),
      Buffer.from(body),
    );
    return 'lake';
  }
}
