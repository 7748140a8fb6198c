import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicPartition, TopicPartitionOffset } from '../bus.js';

/**
 * Committed offsets of one consumer group in the local log, one JSON file per
 * group replaced atomically (temp file, fsync, rename).
 */
export class GroupOffsets {
  private readonly offsets = new Map<string, number>();
  private readonly file: string;

  constructor(
    dir: string,
    readonly groupId: string,
  ) {
    const groupsDir = join(dir, '_groups');
    mkdirSync(groupsDir, { recursive: true });
    this.file = join(groupsDir, `${encodeURIComponent(groupId)}.json`);
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, number>;
      for (const [k, v] of Object.entries(saved)) this.offsets.set(k, v);
    } catch {
      // no commit yet
    }
  }

  get(tp: TopicPartition): number | null {
    return this.offsets.get(key(tp)) ?? null;
  }

  commit(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.offsets.set(key(o), o.offset);
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(Object.fromEntries(this.offsets)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

function key(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`;
}
