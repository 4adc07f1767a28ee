// One dry run per object (docs/engine.md, "Sync"): the comparison's server-side dry run of an
// object that exists counts as its validation, and the rule that every object is validated
// before the first apply still holds. A real cluster, a real Git server, the controller in-process.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import {
  createApp,
  type Env,
  readObject,
  startEnv,
  startInProcessController,
  waitForApp,
  writeFolder,
} from './support.ts';

const NS = 'validation';

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

const deployment = (replicas: number, extra = '') =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: z-last',
    'spec:',
    `  replicas: ${replicas}`,
    extra,
    '  selector:',
    '    matchLabels: {app: z-last}',
    '  template:',
    '    metadata:',
    '      labels: {app: z-last}',
    '    spec:',
    '      containers:',
    '        - {name: app, image: registry.example/z:1}',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');

const syncedAt = (revision: string, phase: string) => (app: Application) =>
  app.status?.operationState?.syncResult?.revision === revision && app.status.operationState.phase === phase;

async function configValue(env: Env, name: string): Promise<string | undefined> {
  const object = (await readObject(env, `/api/v1/namespaces/${NS}/configmaps/${name}`)) as
    | { data?: { value?: string } }
    | undefined;
  return object?.data?.value;
}

describe('sync validation with one dry run per object', () => {
  let env: Env;
  let controller: Controller;

  before(async () => {
    env = await startEnv('sync-validation');
    const dir = writeFolder({
      'a.yaml': configMap('a', 'one'),
      'b.yaml': configMap('b', 'one'),
      'z-last.yaml': deployment(1),
    });
    await env.git.createRepo('validation', dir);
    rmSync(dir, { recursive: true, force: true });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
  });

  test('a commit whose last object is invalid applies none of the objects it changes', async () => {
    await createApp(env, 'checked', {
      source: { repoURL: env.git.repoUrl('validation'), path: '.' },
      destination: { namespace: NS },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
    const first = await waitForApp(
      env,
      'checked',
      (app) => app.status?.sync?.status === 'Synced' && app.status.operationState?.phase === 'Succeeded',
      'first sync',
      120_000,
    );
    assert.ok(first.status?.sync?.revision);

    // Every object changes, so the comparison dry-runs each existing one; the Deployment, last
    // in the sync's order, now has a field its schema does not know.
    const invalid = await env.git.commitFiles(
      'validation',
      {
        'a.yaml': configMap('a', 'two'),
        'b.yaml': configMap('b', 'two'),
        'z-last.yaml': deployment(2, '  bogusField: 1'),
      },
      'change everything, one object invalid',
    );
    controller.refresh('checked');
    const failed = await waitForApp(
      env,
      'checked',
      syncedAt(invalid, 'Failed'),
      'the invalid sync failed',
      120_000,
    );
    const message = failed.status?.operationState?.message ?? '';
    assert.match(message, /dry run/);
    assert.match(message, /Deployment validation\/z-last/);
    assert.match(message, /bogusField/);
    assert.equal(
      await configValue(env, 'a'),
      'one',
      'a changed object was applied before the invalid one was validated',
    );
    assert.equal(await configValue(env, 'b'), 'one');
    const z = (await readObject(env, `/apis/apps/v1/namespaces/${NS}/deployments/z-last`)) as {
      spec?: { replicas?: number };
    };
    assert.equal(z.spec?.replicas, 1);

    // Fixed: the objects the comparison dry-ran are applied, without a second dry run each.
    const fixed = await env.git.commitFiles(
      'validation',
      { 'a.yaml': configMap('a', 'three'), 'z-last.yaml': deployment(2) },
      'fix the Deployment',
    );
    controller.refresh('checked');
    await waitForApp(env, 'checked', syncedAt(fixed, 'Succeeded'), 'the fixed sync', 120_000);
    assert.equal(await configValue(env, 'a'), 'three');
    assert.equal(await configValue(env, 'b'), 'two');
    const fixedZ = (await readObject(env, `/apis/apps/v1/namespaces/${NS}/deployments/z-last`)) as {
      spec?: { replicas?: number };
    };
    assert.equal(fixedZ.spec?.replicas, 2);
  });
});
