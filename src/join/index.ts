/**
 * The daily join's public surface, for the CLI, the embedded default and the
 * operator: an explicit list, so each name's home file stays obvious.
 */
export { joinConfig, DEFAULT_POWER_TOPIC, DEFAULT_WEATHER_TOPIC } from './join-config.js';
export type { JoinConfig } from './join-config.js';
export { DayCollector, joinDay } from './join-day.js';
export { createJoinMetrics } from './join-metrics.js';
export type { JoinMetrics } from './join-metrics.js';
export { LocalJoinStore } from './join-store.js';
export { openJoinStore } from './open-join-store.js';
export type { JoinStore, RangeReader } from './join-store.js';
export { dataKey, manifestKey, inputsChanged } from './manifest.js';
export type { Manifest, RunReport, RunInputs } from './manifest.js';
export { checkRerun } from './rerun-check.js';
export type { RerunCheck } from './rerun-check.js';
export { runDailyJoin } from './run-join.js';
export type { JoinDeps, SqlExportStep } from './run-join.js';
export { connectSql, exportDay, sqlExportStep } from './sql-export.js';
export type { SqlExportConfig, SqlSession } from './sql-export.js';
export type { SqlDialect, SqlMode } from './sql-schema.js';
export { DEFAULT_THRESHOLDS } from './types.js';
export type { DailyRow, DayResult, HourlyRow, JoinOutcome, Thresholds } from './types.js';
