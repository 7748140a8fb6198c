import { describe, expect, it } from 'vitest';
import {
  conditionTime,
  findCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
  setConditions,
  type Condition,
} from '../../../src/k8s/conditions.js';

const T0 = Date.parse('2026-08-21T10:00:00.750Z');
const ready = (status: Condition['status'], generation = 1, reason = 'Ok') => ({
  type: 'Ready',
  status,
  reason,
  message: `it is ${status}`,
  observedGeneration: generation,
});

describe('conditions', () => {
  it('stamps a new condition with the time truncated to whole seconds', () => {
    const out = setCondition(undefined, ready('True'), T0);
    expect(out).toEqual([{ ...ready('True'), lastTransitionTime: '2026-08-21T10:00:00Z' }]);
    expect(conditionTime(T0)).toBe('2026-08-21T10:00:00Z');
  });

  it.each([
    ['keeps lastTransitionTime when only reason, message or generation change', 'True', '2026-08-21T10:00:00Z'],
    ['moves lastTransitionTime when the status changes', 'False', '2026-08-21T11:00:00Z'],
  ] as const)('%s', (_name, status, expected) => {
    const first = setCondition(undefined, ready('True'), T0);
    const second = setCondition(first, ready(status, 2, 'Other'), T0 + 3_600_000);
    expect(second[0]).toMatchObject({ status, reason: 'Other', observedGeneration: 2, lastTransitionTime: expected });
  });

  it('gives an identical list when nothing changed, so status writers can skip the write', () => {
    const first = setConditions(
      undefined,
      [ready('True'), { type: 'Degraded', status: 'False', reason: 'Ok', message: '' }],
      T0,
    );
    const again = setConditions(
      first,
      [ready('True'), { type: 'Degraded', status: 'False', reason: 'Ok', message: '' }],
      T0 + 99_000,
    );
    expect(again).toEqual(first);
  });

  it('keeps the order of other conditions and appends new types', () => {
    const a = setConditions(
      undefined,
      [
        { ...ready('True'), type: 'A' },
        { ...ready('True'), type: 'B' },
      ],
      T0,
    );
    const b = setCondition(a, { ...ready('False'), type: 'A' }, T0);
    const c = setCondition(b, { ...ready('True'), type: 'C' }, T0);
    expect(c.map((x) => x.type)).toEqual(['A', 'B', 'C']);
    expect(removeCondition(c, 'B').map((x) => x.type)).toEqual(['A', 'C']);
  });

  it('truncates messages to the API limit of 32768 characters', () => {
    const out = setCondition(undefined, { ...ready('False'), message: 'x'.repeat(40_000) }, T0);
    expect(out[0]!.message).toHaveLength(32_768);
  });

  it('reads conditions, checking observedGeneration when asked', () => {
    const list = setCondition(undefined, ready('True', 3), T0);
    expect(findCondition(list, 'Ready')?.status).toBe('True');
    expect(isConditionTrue(list, 'Ready')).toBe(true);
    expect(isConditionTrue(list, 'Ready', 3)).toBe(true);
    expect(isConditionTrue(list, 'Ready', 4)).toBe(false);
    expect(isConditionTrue(list, 'Missing')).toBe(false);
  });
});
