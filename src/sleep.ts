/**
 * Waits `ms` of real time, or less when `signal` aborts; never rejects. The
 * timer is cleared on abort: a pending timer would keep a stopped process
 * alive until it fires (an idle collector's next poll is up to an hour away).
 * The one real sleep behind the bus, controller-runtime and collector clocks.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
