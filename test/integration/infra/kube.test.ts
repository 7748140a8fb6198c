import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../../eventually.js';
import { kube } from '../../infra/index.js';

const run = promisify(execFile);

const GROUP = 'infra.gridlake.io';

function widgetCrd(): k8s.V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { replicas: { type: 'integer' }, minReplicas: { type: 'integer' } },
                  x_kubernetes_validations: [
                    {
                      rule: '!has(self.minReplicas) || self.minReplicas <= self.replicas',
                      message: 'minReplicas must be <= replicas',
                    },
                  ],
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe('test Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager)', () => {
  it('serves CRDs, custom objects, watches and CEL validation to client-node and kubectl', async () => {
    const info = await kube();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(info.kubeconfig);
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);

    await ext.createCustomResourceDefinition({ body: widgetCrd() }).catch((e: k8s.ApiException<unknown>) => {
      if (e.code !== 409) throw e;
    });
    await eventually(
      'CRD established',
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name: `widgets.${GROUP}` });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    const namespace = `infra-${randomUUID().slice(0, 8)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });

    // A watch on a CRD established a moment ago can be refused with 429 while the
    // API server initialises its watch cache; clients must retry, as we do here.
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    let ended: unknown = null;
    const req = await eventually(
      'a watch that stays open',
      async () => {
        ended = null;
        const r = await watch.watch(
          `/apis/${GROUP}/v1/namespaces/${namespace}/widgets`,
          {},
          (type: string, obj: { metadata?: { name?: string } }) => events.push(`${type} ${obj.metadata?.name}`),
          (err: unknown) => (ended = err ?? 'closed'),
        );
        await new Promise((res) => setTimeout(res, 300));
        return ended === null ? r : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace,
      plural: 'widgets',
      body: {
        apiVersion: `${GROUP}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { replicas: 2, minReplicas: 1 },
      },
    });
    const list = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace,
      plural: 'widgets',
    })) as {
      items: { metadata: { name: string } }[];
    };
    expect(list.items.map((i) => i.metadata.name)).toEqual(['w1']);
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace,
      plural: 'widgets',
      name: 'w1',
    });
    await eventually('watch events', async () => (events.includes('DELETED w1') ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 100,
    }).catch((e: Error) => {
      throw new Error(`${e.message}; saw ${JSON.stringify(events)}, watch ended: ${String(ended)}`);
    });
    req.abort();
    expect(events).toEqual(['ADDED w1', 'DELETED w1']);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'infra-kubectl-'));
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(
      bad,
      `apiVersion: ${GROUP}/v1\nkind: Widget\nmetadata: { name: w2, namespace: ${namespace} }\nspec: { replicas: 1, minReplicas: 3 }\n`,
    );
    const refused = await run(info.kubectl, [
      '--kubeconfig',
      info.kubeconfig,
      'apply',
      '--dry-run=server',
      '-f',
      bad,
    ]).then(
      () => 'accepted',
      (e: { stderr: string }) => e.stderr,
    );
    expect(refused).toContain('minReplicas must be <= replicas');
  });

  it('authorizes by RBAC: the operator token is forbidden until granted', async () => {
    const info = await kube();
    const { stdout } = await run(info.kubectl, [
      '--kubeconfig',
      info.kubeconfig,
      '--context',
      'operator',
      'auth',
      'can-i',
      'list',
      'pods',
    ]).catch((e: { stdout: string }) => e);
    expect(stdout.trim()).toBe('no');
  });

  it('garbage-collects dependents through owner references (kube-controller-manager runs)', async () => {
    const info = await kube();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(info.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const namespace = 'default';
    const name = `owner-${randomUUID().slice(0, 8)}`;
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: `${name}-child`,
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name, uid: owner.metadata!.uid! }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ namespace, name });
    await eventually(
      'child collected',
      async () => {
        const left = await core.listNamespacedConfigMap({ namespace });
        return left.items.some((c) => c.metadata?.name === `${name}-child`) ? undefined : true;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  });
});
