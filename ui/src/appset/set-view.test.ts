import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application, ApplicationSet } from '../api/types.ts';
import { generatorSummary, stepGroups } from './set-view.ts';

test('generators read as one line each, nested ones too', () => {
  assert.equal(generatorSummary({ list: { elements: [{}, {}] } }), 'list (2 elements)');
  assert.equal(
    generatorSummary({ clusters: { selector: { matchLabels: { env: 'prod' } } } }),
    'clusters (env=prod)',
  );
  assert.equal(
    generatorSummary({
      matrix: { generators: [{ clusters: {} }, { git: { repoURL: 'https://g/r', directories: [] } }] },
    }),
    'matrix: clusters (all) × git directories of https://g/r',
  );
});

const app = (name: string, sync: string, health: string) =>
  [
    name,
    {
      metadata: { name },
      spec: { destination: {} },
      status: { sync: { status: sync }, health: { status: health } },
    },
  ] as [string, Application];

test('apps are grouped by rollout step with their live sync and health; unmatched ones go last', () => {
  const set: ApplicationSet = {
    metadata: { name: 'web' },
    spec: {
      generators: [],
      template: { metadata: {}, spec: {} },
      strategy: {
        type: 'RollingSync',
        rollingSync: {
          steps: [{ matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }], maxUpdate: 1 }],
        },
      },
    },
    status: {
      applicationStatus: [
        { application: 'web-eu', step: 1, status: 'Healthy' },
        { application: 'web-us', status: 'Waiting', message: 'waiting for step 1' },
      ],
    },
  };
  const groups = stepGroups(set, new Map([app('web-eu', 'Synced', 'Healthy')]));
  assert.deepEqual(groups, [
    {
      step: 1,
      selects: 'region In [eu]',
      maxUpdate: 1,
      apps: [{ name: 'web-eu', rollout: 'Healthy', sync: 'Synced', health: 'Healthy' }],
    },
    {
      step: 2,
      selects: 'apps no step selects',
      apps: [{ name: 'web-us', rollout: 'Waiting', message: 'waiting for step 1' }],
    },
  ]);
  const plain = stepGroups({ ...set, spec: { ...set.spec, strategy: undefined } }, new Map());
  assert.equal(plain.length, 1);
  assert.equal(plain[0]?.apps.length, 2);
});
