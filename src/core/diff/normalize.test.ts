import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignoreRuleApplies, LAST_APPLIED_ANNOTATION, normalize } from './normalize.ts';
import type { KubeObject } from './types.ts';

const live: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u',
    resourceVersion: '1',
    generation: 2,
    creationTimestamp: 't',
    selfLink: '/x',
    managedFields: [{ manager: 'hpa', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
    labels: { app: 'web' },
    annotations: {
      [LAST_APPLIED_ANNOTATION]: '{}',
      'tiphys.dev/tracking-id': 'shop:apps/Deployment:shop/web',
    },
  },
  spec: { replicas: 4, paused: false },
  status: { replicas: 4 },
};

test('normalize: drops server metadata, status and last-applied; keeps the rest and the input', () => {
  const before = structuredClone(live);
  assert.deepEqual(normalize(live), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      annotations: { 'tiphys.dev/tracking-id': 'shop:apps/Deployment:shop/web' },
    },
    spec: { replicas: 4, paused: false },
  });
  assert.deepEqual(live, before);
});

test('normalize: an annotations map left empty goes', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } },
  };
  assert.deepEqual(normalize(obj).metadata, { name: 'c' });
});

test('normalize: managers are read from the live object, also for the desired one', () => {
  const desired: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 2, paused: false },
  };
  const rules = [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['hpa'] }];
  assert.deepEqual(normalize(desired, { ignoreDifferences: rules, live }).spec, { paused: false });
  assert.deepEqual(normalize(live, { ignoreDifferences: rules }).spec, { paused: false });
});

const rules: { rule: Parameters<typeof ignoreRuleApplies>[0]; applies: boolean }[] = [
  { rule: { kind: 'Deployment' }, applies: true },
  { rule: { group: 'apps', kind: 'Deployment' }, applies: true },
  { rule: { group: '*', kind: '*' }, applies: true },
  { rule: { group: '', kind: 'Deployment' }, applies: false },
  { rule: { group: 'apps', kind: 'StatefulSet' }, applies: false },
  { rule: { kind: 'Deployment', name: 'web', namespace: 'shop' }, applies: true },
  { rule: { kind: 'Deployment', name: 'api' }, applies: false },
  { rule: { kind: 'Deployment', namespace: 'other' }, applies: false },
];
for (const { rule, applies } of rules) {
  test(`normalize: rule ${JSON.stringify(rule)} ${applies ? 'applies' : 'does not apply'} to apps/Deployment shop/web`, () => {
    assert.equal(ignoreRuleApplies(rule, live), applies);
  });
}
