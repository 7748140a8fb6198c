import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a collector stands, saved so a restart resumes (and backfills) instead of starting over. */
export interface SourceCheckpoint {
  readonly v: 1;
  /** Newest power slot emitted, with its history row number. */
  power?: { baseMs: number; rn: number | null };
  /** Newest base hour emitted per weather location name. */
  weather?: Record<string, number>;
  /**
   * Calls used on one KST day per `keyFingerprint|operation`, so a restart
   * the same day goes on counting instead of starting again from zero.
   */
  budget?: { day: string; used: Record<string, number> };
}

/** Loads and saves a checkpoint; saving never throws into the collector. */
export interface CheckpointStore {
  load(): SourceCheckpoint | null;
  save(checkpoint: SourceCheckpoint): void;
}

/** Keeps the checkpoint in memory (tests; processes without a state folder). */
export class MemoryCheckpointStore implements CheckpointStore {
  #value: SourceCheckpoint | null = null;

  load(): SourceCheckpoint | null {
    return this.#value === null ? null : structuredClone(this.#value);
  }

  save(checkpoint: SourceCheckpoint): void {
    this.#value = structuredClone(checkpoint);
  }
}

/**
 * A JSON file, written to a temporary name and renamed, so a crash leaves the
 * old or the new checkpoint, never half of one. Writes are throttled to one
 * per `minIntervalMs` of the caller's clock plus a final `flush()`.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly #path: string;
  readonly #onError: (err: unknown) => void;

  constructor(path: string, onError: (err: unknown) => void = () => {}) {
    this.#path = path;
    this.#onError = onError;
  }

  load(): SourceCheckpoint | null {
    try {
      const value = JSON.parse(readFileSync(this.#path, 'utf8')) as Partial<SourceCheckpoint>;
      return value.v === 1 ? (value as SourceCheckpoint) : null;
    } catch {
      return null;
    }
  }

  save(checkpoint: SourceCheckpoint): void {
    try {
      mkdirSync(dirname(this.#path), { recursive: true });
      const tmp = `${this.#path}.tmp`;
      writeFileSync(tmp, JSON.stringify(checkpoint));
      renameSync(tmp, this.#path);
    } catch (err) {
      this.#onError(err);
    }
  }
}
