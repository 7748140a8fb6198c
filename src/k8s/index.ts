// The controller runtime's public surface, listed by name (no `export *`).
export {
  apiError,
  errorReason,
  errorStatus,
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  isTooManyRequests,
} from './api-errors.js';
export type { KubeStatus } from './api-errors.js';
export {
  conditionTime,
  findCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
  setConditions,
} from './conditions.js';
export type { Condition, ConditionInput } from './conditions.js';
export {
  Controller,
  TerminalError,
  controllerOwnerKeys,
  createController,
  specOrMetadataChanged,
} from './controller.js';
export type { ControllerOptions, ReconcileContext, ReconcileResult, Reconciler, Watched } from './controller.js';
export { EventRecorder } from './events.js';
export type { EventInput, EventRecorderOptions } from './events.js';
export { Informer } from './informer.js';
export type { InformerOptions, ResourceRef, RestartReason } from './informer.js';
export { createKubeClient, objectPath, resourcePath } from './kube-client.js';
export type { HttpMethod, KubeClient, KubeRequest, RequestObserver, WatchEvent } from './kube-client.js';
export { LeaderElector, microTime } from './leader-election.js';
export type { LeaderElectorOptions } from './leader-election.js';
export { Manager } from './manager.js';
export type { ManagerOptions } from './manager.js';
export { ObjectCache, objectKey, splitKey } from './object-cache.js';
export type { CacheEvent, KubeObject } from './object-cache.js';
export { controllerReference, finalizerPatch, hasFinalizer, isControlledBy } from './ownership.js';
export type { OwnerReference } from './ownership.js';
export { RateLimiter, RATE_LIMITER_DEFAULTS } from './rate-limiter.js';
export type { RateLimiterOptions } from './rate-limiter.js';
export { systemDeps, withDefaults } from './runtime-deps.js';
export type { RuntimeDeps } from './runtime-deps.js';
export { runtimeMetrics } from './runtime-metrics.js';
export type { RuntimeMetrics } from './runtime-metrics.js';
export { serveManager } from './serve-manager.js';
export type { ServeManagerOptions, ServedManager } from './serve-manager.js';
export { deepEqual, writeStatus } from './status-writer.js';
export type { StatusWriteResult } from './status-writer.js';
export { WorkQueue } from './work-queue.js';
export type { WorkHandler, WorkQueueOptions, WorkResult } from './work-queue.js';
