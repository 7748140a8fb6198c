import { specOrMetadataChanged } from '../src/k8s/controller.js';
import type { CacheEvent, KubeObject } from '../src/k8s/object-cache.js';
import { deepEqual, writeStatus } from '../src/k8s/status-writer.js';
import type { EventRecorder } from '../src/k8s/events.js';
import type { ReconcileResult } from '../src/k8s/controller.js';
import type { KubeClient } from '../src/k8s/kube-client.js';
import type { ResourceRef } from '../src/k8s/informer.js';
import type { StatusWriteResult } from '../src/k8s/status-writer.js';
import type { Logger } from '../src/observe/log.js';
import { applyActions, recordActions, type Action } from './apply.js';
import type { WorkloadOptions } from './workload-plan.js';

/** What every reconciler needs from the outside; the clock is injected so tests control time. */
export interface ControllerDeps {
  readonly client: KubeClient;
  readonly clock: { now(): number };
  readonly workload: WorkloadOptions;
  readonly logger?: Logger;
  readonly events?: EventRecorder;
  /** told once when a DailyJoinRun's outcome first reaches its status (the run metrics; daily-join-metrics.ts) */
  readonly joinRunFinished?: (run: KubeObject, status: Record<string, unknown>) => void;
}

/** The result after writing status: a conflict re-reads soon, else the plan's requeue (if any). */
export function resultAfter(written: StatusWriteResult, requeueAfterMs: number | null): ReconcileResult {
  if (written.kind === 'conflict') return { kind: 'requeue', afterMs: 100 };
  if (written.kind === 'gone' || requeueAfterMs === null) return { kind: 'done' };
  return { kind: 'requeue', afterMs: requeueAfterMs };
}

/** What a planner decided for one object: the actions, its full status, and when time alone changes it. */
export interface ObjectPlan {
  readonly actions: readonly Action[];
  readonly status: Record<string, unknown>;
  readonly requeueAfterMs: number | null;
}

/**
 * Carries a plan out: applies its actions in order, records them as Events
 * (not awaited), then writes the status; the result follows that write.
 * `onWritten` sees the object as the API server stored it, only when this
 * call wrote it (a write from a stale cache is a conflict, not a write).
 */
export async function enactPlan(
  deps: ControllerDeps,
  resource: Pick<ResourceRef, 'group' | 'version' | 'plural'>,
  object: KubeObject,
  plan: ObjectPlan,
  signal: AbortSignal,
  onWritten?: (written: KubeObject) => void,
): Promise<ReconcileResult> {
  await applyActions(deps.client, plan.actions, signal);
  void recordActions(deps.events, object, plan.actions);
  const written = await writeStatus(deps.client, resource, object, plan.status, signal);
  if (written.kind === 'written') onWritten?.(written.object);
  return resultAfter(written, plan.requeueAfterMs);
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
