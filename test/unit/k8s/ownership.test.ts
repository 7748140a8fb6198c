import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { controllerReference, finalizerPatch, hasFinalizer, isControlledBy } from '../../../src/k8s/ownership.js';

const owner: KubeObject = {
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'DailyJoin',
  metadata: { name: 'j', namespace: 'hub', uid: 'u-1', resourceVersion: '5', finalizers: ['a'] },
};

describe('ownership helpers', () => {
  it('builds a controller reference that blocks owner deletion', () => {
    const ref = controllerReference(owner, { metadata: { namespace: 'hub' } });
    expect(ref).toEqual({
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'DailyJoin',
      name: 'j',
      uid: 'u-1',
      controller: true,
      blockOwnerDeletion: true,
    });
    expect(isControlledBy({ metadata: { ownerReferences: [ref] } }, owner)).toBe(true);
    expect(isControlledBy({ metadata: { ownerReferences: [{ ...ref, controller: false }] } }, owner)).toBe(false);
  });

  it.each([
    ['a child in another namespace', { metadata: { namespace: 'other' } }],
    ['a cluster-scoped child', { metadata: {} }],
  ])('refuses %s of a namespaced owner', (_name, child) => {
    expect(() => controllerReference(owner, child)).toThrow(/outside its namespace/);
  });

  it('refuses an owner without a uid (not read from the server)', () => {
    expect(() => controllerReference({ ...owner, metadata: { name: 'j' } })).toThrow(/uid/);
  });

  it('patches finalizers only when they change, with the resourceVersion read', () => {
    expect(hasFinalizer(owner, 'a')).toBe(true);
    expect(finalizerPatch(owner, 'a', 'add')).toBeUndefined();
    expect(finalizerPatch(owner, 'b', 'remove')).toBeUndefined();
    expect(finalizerPatch(owner, 'b', 'add')).toEqual({ metadata: { finalizers: ['a', 'b'], resourceVersion: '5' } });
    expect(finalizerPatch(owner, 'a', 'remove')).toEqual({ metadata: { finalizers: [], resourceVersion: '5' } });
  });
});
