// Each example config repo of ../shared/examples syncs to Healthy, driven through the CLI the way
// a person or a CI pipeline would: `tiphys app create`, then `tiphys app wait`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import type { Controller } from '../../src/controller/controller.ts';
import {
  createExamplesRepo,
  type Env,
  getApp,
  readObject,
  startEnv,
  startInProcessController,
} from './support.ts';

const examples: { name: string; flags: string[]; check: string }[] = [
  { name: 'guestbook', flags: [], check: '/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui' },
  {
    name: 'kustomize-guestbook',
    flags: [],
    check: '/apis/apps/v1/namespaces/kustomize-guestbook/deployments/kustomize-guestbook-ui',
  },
  {
    name: 'helm-guestbook',
    flags: ['--values', 'values-production.yaml'],
    check: '/apis/apps/v1/namespaces/helm-guestbook/deployments/helm-guestbook',
  },
  {
    name: 'pre-post-sync',
    flags: [],
    check: '/apis/apps/v1/namespaces/pre-post-sync/deployments/pre-post-sync-kustomize-guestbook-ui',
  },
  { name: 'sync-waves', flags: [], check: '/apis/apps/v1/namespaces/sync-waves/replicasets/backend' },
];

describe('the example apps through the CLI', () => {
  let env: Env;
  let controller: Controller;
  let repo: string;
  before(async () => {
    env = await startEnv('examples');
    repo = await createExamplesRepo(env);
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
  });

  for (const example of examples) {
    test(`${example.name} syncs to Synced and Healthy`, async () => {
      const kubeconfig = env.cluster.kubeconfigPath;
      const created = await runTiphysProcess(kubeconfig, [
        'app',
        'create',
        example.name,
        '--repo',
        repo,
        '--path',
        example.name,
        '--dest-namespace',
        example.name,
        '--sync-policy',
        'automated',
        '--auto-prune',
        '--self-heal',
        '--sync-option',
        'CreateNamespace=true',
        ...example.flags,
      ]);
      assert.equal(created.code, 0, created.stderr);
      const waited = await runTiphysProcess(
        kubeconfig,
        ['app', 'wait', example.name, '--sync', '--health', '--timeout', '120'],
        130_000,
      );
      assert.equal(waited.code, 0, `${waited.stdout}\n${waited.stderr}`);
      assert.ok(await readObject(env, example.check), `${example.check} exists`);
      const got = await runTiphysProcess(kubeconfig, ['app', 'get', example.name, '-o', 'json']);
      const app = JSON.parse(got.stdout) as {
        status: { sync: { status: string }; health: { status: string } };
      };
      assert.equal(app.status.sync.status, 'Synced');
      assert.equal(app.status.health.status, 'Healthy');
    });
  }

  test('the hooks of pre-post-sync and sync-waves ran and succeeded', async () => {
    for (const [app, hooks] of [
      ['pre-post-sync', ['PreSync', 'PostSync']],
      ['sync-waves', ['PreSync', 'Sync']],
    ] as const) {
      const state = (await getApp(env, app)).status?.operationState;
      const ran = (state?.syncResult?.resources ?? []).filter((r) => r.hookType);
      for (const phase of hooks) {
        assert.ok(
          ran.some((r) => r.hookType === phase && r.hookPhase === 'Succeeded'),
          `${app}: a ${phase} hook succeeded (${JSON.stringify(ran)})`,
        );
      }
    }
    // HookSucceeded deleted pre-post-sync's hooks; sync-waves keeps its (BeforeHookCreation).
    assert.equal(await readObject(env, '/apis/batch/v1/namespaces/pre-post-sync/jobs/before'), undefined);
  });
});
