/**
 * The gridlake API (group gridlake.io, version v1alpha1): schemas and types of
 * every kind, CRD generation, and validation of resource YAML for the
 * embedded default. An explicit list, so each name's home file stays obvious.
 */
export { API_VERSION, GROUP, VERSION, Condition, LakeLocation, SecretKeyRef, SourceRef } from './common.js';
export { KINDS, kindByName } from './kinds.js';
export type { KindDefinition, PrinterColumn } from './kind-definition.js';
export {
  PowerSourceSpec,
  PowerSourceStatus,
  PowerSourceProgress,
  POLL_OUTCOMES,
  powerSourceKind,
} from './power-source.js';
export type { PollOutcome } from './power-source.js';
export {
  WeatherLocation,
  WeatherSourceSpec,
  WeatherSourceStatus,
  WeatherSourceProgress,
  weatherSourceKind,
} from './weather-source.js';
export { FlushPolicy, LakeSinkSpec, LakeSinkStatus, LakeSinkProgress, lakeSinkKind } from './lake-sink.js';
export {
  DailyJoinSpec,
  DailyJoinStatus,
  SqlOutput,
  CATCH_UP_POLICIES,
  CONCURRENCY_POLICIES,
  SQL_LOAD_MODES,
  DAILY_JOIN_NAME_MAX,
  dailyJoinKind,
} from './daily-join.js';
export type { CatchUpPolicy, ConcurrencyPolicy, SqlLoadMode } from './daily-join.js';
export { checkDailyJoinSemantics, isKnownTimeZone, todayIn } from './daily-join-semantics.js';
export type { FieldProblem } from './daily-join-semantics.js';
export {
  DailyJoinRunSpec,
  DailyJoinRunStatus,
  DailyJoinRunProgress,
  RUN_OUTCOMES,
  RUN_STATES,
  RUN_TRIGGERS,
  RUN_STAGES,
  dailyJoinRunName,
  dailyJoinRunKind,
} from './daily-join-run.js';
export type { RunOutcome, RunState, RunTrigger } from './daily-join-run.js';
export {
  RemoteSiteSpec,
  RemoteSiteStatus,
  SITE_NAMESPACE_PREFIX,
  siteNamespace,
  remoteSiteKind,
} from './remote-site.js';
export { buildCrd, buildCrds, crdToYaml, allCrdsYaml, writeCrds, CATEGORY } from './crd.js';
export type { CustomResourceDefinition } from './crd.js';
export { validateResource } from './validate.js';
export type { FieldError, GridlakeResource, ValidateOptions, ValidationResult } from './validate.js';
export { loadResources, loadResourcesFromText, loadResourcesOrThrow, formatLoadError, checkSet } from './load.js';
export type { LoadedResource, LoadError, LoadResult } from './load.js';
export { isKind, ofKind } from './resource.js';
export type { KindName, KindTypes, ResourceOf } from './resource.js';
export {
  RUN_CONTAINER,
  RUN_REPORT_FILE,
  parseRunReport,
  reportFromPods,
  runOutcome,
  summarizeRunReport,
} from './run-report.js';
export type { RunReportSummary } from './run-report.js';
