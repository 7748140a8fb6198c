/** A `metav1.Condition` (apimachinery meta/v1 types.go). */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  /** one CamelCase word */
  readonly reason: string;
  /** a sentence for people; may be empty */
  readonly message: string;
  readonly observedGeneration?: number;
  /** RFC 3339, whole seconds */
  readonly lastTransitionTime: string;
}

/** What a controller decides; the transition time is filled in by `setCondition`. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

// The API server limits messages to 32768 characters.
const MAX_MESSAGE = 32_768;

/** RFC 3339 in whole seconds, the precision of `metav1.Time` (cluster-api truncates the same way). */
export function conditionTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Sets one condition, like `meta.SetStatusCondition`: `lastTransitionTime`
 * moves only when `status` changes, so re-reconciling an unchanged object
 * yields an identical list and no status write (a write is a watch event that
 * would wake the controller again: a hot loop). Returns a new
 * list; the order of existing conditions is kept, a new type is appended.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now: number,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const prev = i < 0 ? undefined : list[i];
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message.length > MAX_MESSAGE ? input.message.slice(0, MAX_MESSAGE) : input.message,
    ...(input.observedGeneration === undefined ? {} : { observedGeneration: input.observedGeneration }),
    lastTransitionTime: prev && prev.status === input.status ? prev.lastTransitionTime : conditionTime(now),
  };
  if (i < 0) list.push(next);
  else list[i] = next;
  return list;
}

/** Sets several conditions at once (see `setCondition`). */
export function setConditions(
  conditions: readonly Condition[] | undefined,
  inputs: readonly ConditionInput[],
  now: number,
): Condition[] {
  return inputs.reduce<Condition[]>((acc, input) => setCondition(acc, input, now), [...(conditions ?? [])]);
}

/** Removes a condition type (absence means Unknown). */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition exists, is True, and was computed for `generation` (if given). */
export function isConditionTrue(
  conditions: readonly Condition[] | undefined,
  type: string,
  generation?: number,
): boolean {
  const c = findCondition(conditions, type);
  return c?.status === 'True' && (generation === undefined || c.observedGeneration === generation);
}
