/** How long `eventually` polls, and how often. */
export interface EventuallyOptions {
  readonly timeoutMs: number;
  /** pause between two probes (default 50 ms) */
  readonly intervalMs?: number;
}

/** What a passing probe returns: anything but the three "not yet" values. */
export type Passed<T> = Exclude<Awaited<T>, undefined | null | false>;

/**
 * Polls `probe` until it passes and returns what it returned. One rule for
 * every test: a probe passes when it returns (or resolves to) a value other
 * than `undefined`, `null` or `false`; returning one of those, or throwing,
 * means "not yet". The probe runs at least once. After `timeoutMs` it throws
 * an Error that names `what`, with the last thrown error as its `cause` (and
 * in the message), or else the last value returned.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  { timeoutMs, intervalMs = 50 }: EventuallyOptions,
): Promise<Passed<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: { error: unknown } | { value: unknown };
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as Passed<T>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      const detail =
        'error' in last
          ? `last error: ${last.error instanceof Error ? last.error.message : String(last.error)}`
          : `last value: ${String(last.value)}`;
      throw new Error(`${what}: not true after ${timeoutMs} ms (${detail})`, {
        ...('error' in last ? { cause: last.error } : {}),
      });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
