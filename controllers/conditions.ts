import type { Condition, ConditionInput } from '../src/k8s/conditions.js';
import { setConditions } from '../src/k8s/conditions.js';

/**
 * Condition types and reasons the controllers write, in one place so
 * `kubectl get -o yaml`, dashboards and tests agree on the words.
 */
export const COND = {
  Ready: 'Ready',
  Collecting: 'Collecting',
  Sinking: 'Sinking',
  SecretMissing: 'SecretMissing',
  InvalidSpec: 'InvalidSpec',
  BudgetExceeded: 'BudgetExceeded',
  Scheduling: 'Scheduling',
  LastRunFailed: 'LastRunFailed',
  Succeeded: 'Succeeded',
  Running: 'Running',
  Registered: 'Registered',
  AgentConnected: 'AgentConnected',
  SpoolHealthy: 'SpoolHealthy',
  NoInput: 'NoInput',
  WaitingForSites: 'WaitingForSites',
} as const;

export const REASON = {
  // workloads
  Available: 'Available',
  DeploymentNotAvailable: 'DeploymentNotAvailable',
  Suspended: 'Suspended',
  SpecValid: 'SpecValid',
  SpecInvalid: 'SpecInvalid',
  WithinBudget: 'WithinBudget',
  SecretFound: 'SecretFound',
  SecretNotFound: 'SecretNotFound',
  SecretKeyNotFound: 'SecretKeyNotFound',
  NoProgressYet: 'NoProgressYet',
  ProgressStale: 'ProgressStale',
  WorkerReportsOk: 'WorkerReportsOk',
  WorkerReportsError: 'WorkerReportsError',
  RunByAgent: 'RunByAgent',
  AgentNotConnected: 'AgentNotConnected',
  SiteNotRegistered: 'SiteNotRegistered',
  NetworkBlocked: 'NetworkBlocked',
  // runs
  JobPending: 'JobPending',
  JobRunning: 'JobRunning',
  JobSucceeded: 'JobSucceeded',
  JobFailed: 'JobFailed',
  JoinNotFound: 'JoinNotFound',
  JobOwnedElsewhere: 'JobOwnedElsewhere',
  // schedule
  Scheduled: 'Scheduled',
  WaitingForActiveRuns: 'WaitingForActiveRuns',
  UpToDate: 'UpToDate',
  LastRunSucceeded: 'LastRunSucceeded',
  LastRunFailed: 'LastRunFailed',
  NoRunsYet: 'NoRunsYet',
  // no input (the words of src/join/no-input.ts)
  DatesWithoutInput: 'DatesWithoutInput',
  InputsEmpty: 'InputsEmpty',
  InputsFound: 'InputsFound',
  // the join waits for sites (daily-join-sites.ts)
  WatermarkBehind: 'WatermarkBehind',
  SitesCaughtUp: 'SitesCaughtUp',
  NoSiteInputs: 'NoSiteInputs',
  // sites
  ChildrenCreated: 'ChildrenCreated',
  ChildrenCreating: 'ChildrenCreating',
  LeaseCurrent: 'LeaseCurrent',
  LeaseExpired: 'LeaseExpired',
  NoLease: 'NoLease',
  NeverConnected: 'NeverConnected',
  CredentialsRevoked: 'CredentialsRevoked',
  SpoolFilling: 'SpoolFilling',
  SpoolWithinBound: 'SpoolWithinBound',
  NoSpoolReport: 'NoSpoolReport',
  AgentDisconnected: 'AgentDisconnected',
} as const;

/** Builds the condition list for this reconcile: every input stamped with `generation`. */
export function conditionsFor(
  previous: readonly Condition[] | undefined,
  generation: number,
  inputs: readonly Omit<ConditionInput, 'observedGeneration'>[],
  now: number,
): Condition[] {
  return setConditions(
    previous,
    inputs.map((c) => ({ ...c, observedGeneration: generation })),
    now,
  );
}

/** The conditions of an object's status, if any. */
export function conditionsOf(obj: { readonly [k: string]: unknown }): Condition[] | undefined {
  const st = obj['status'] as { conditions?: Condition[] } | undefined;
  return st?.conditions;
}

/** InvalidSpec from the controller's own checks (what CEL cannot express); `problem` null: valid. */
export function invalidSpecCondition(problem: string | null): ConditionInput {
  return problem
    ? { type: COND.InvalidSpec, status: 'True', reason: REASON.SpecInvalid, message: problem }
    : { type: COND.InvalidSpec, status: 'False', reason: REASON.SpecValid, message: 'The spec is valid.' };
}
