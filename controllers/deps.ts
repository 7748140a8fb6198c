import { specOrMetadataChanged } from '../src/k8s/controller.js';
import type { CacheEvent, KubeObject } from '../src/k8s/object-cache.js';
import { deepEqual } from '../src/k8s/status-writer.js';
import type { EventRecorder } from '../src/k8s/events.js';
import type { ReconcileResult } from '../src/k8s/controller.js';
import type { KubeClient } from '../src/k8s/kube-client.js';
import type { StatusWriteResult } from '../src/k8s/status-writer.js';
import type { Logger } from '../src/observe/log.js';
import type { WorkloadOptions } from './workload-plan.js';

/** What every reconciler needs from the outside; the clock is injected so tests control time. */
export interface ControllerDeps {
  readonly client: KubeClient;
  readonly clock: { now(): number };
  readonly workload: WorkloadOptions;
  readonly logger?: Logger;
  readonly events?: EventRecorder;
}

/** The result after writing status: a conflict re-reads soon, else the plan's requeue (if any). */
export function resultAfter(written: StatusWriteResult, requeueAfterMs: number | null): ReconcileResult {
  if (written.kind === 'conflict') return { kind: 'requeue', afterMs: 100 };
  if (written.kind === 'gone' || requeueAfterMs === null) return { kind: 'done' };
  return { kind: 'requeue', afterMs: requeueAfterMs };
}

/**
 * Queues a worker-owned object on spec/metadata changes and when its worker
 * rewrote `status.progress` (Collecting/Sinking follow it); the controller's
 * own status writes (conditions) still do not wake it (no hot loop).
 */
export function specOrProgressChanged(ev: CacheEvent<KubeObject>): boolean {
  if (specOrMetadataChanged(ev)) return true;
  if (ev.type !== 'updated') return false;
  const progress = (o: KubeObject) => (o['status'] as { progress?: unknown } | undefined)?.progress;
  return !deepEqual(progress(ev.old), progress(ev.object));
}
