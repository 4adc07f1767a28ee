// Sync windows end to end: a deny window of the AppProject holds an automated sync and a manual
// one with a condition that names the window; removing the window lets both go on.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { AppProject } from '../../src/core/model/app-project.ts';
import type { Application } from '../../src/core/model/application.ts';
import {
  createApp,
  type Env,
  getApp,
  NAMESPACE,
  patchApp,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';
import { createFrozenProject } from './sync-window-project.ts';

const testdata = join(import.meta.dirname, 'testdata');
const projectPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects/frozen`;
const windowCondition = (app: Application) =>
  app.status?.conditions?.find((c) => c.type === 'SyncWindowClosed');

describe('sync windows', () => {
  let env: Env;
  let controller: Controller;
  let repo: string;

  before(async () => {
    env = await startEnv('sync-windows');
    repo = (await env.git.createRepo('testdata', testdata)).url;
    await createFrozenProject(env);
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
  });

  test('a deny window holds automated and manual syncs with a condition; removing it lets them run', async () => {
    const source = { repoURL: repo, path: 'deps/first' };
    await createApp(env, 'frozen-auto', {
      project: 'frozen',
      source,
      destination: { namespace: 'frozen-auto' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await createApp(env, 'frozen-manual', {
      project: 'frozen',
      source,
      destination: { namespace: 'frozen-manual' },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    });
    const auto = await waitForApp(
      env,
      'frozen-auto',
      (a) => Boolean(windowCondition(a)),
      'held by the window',
    );
    assert.match(
      windowCondition(auto)?.message ?? '',
      /^automated sync waits: a deny sync window is open: #0 deny "\* \* \* \* \*" for 1h \(freeze\) \(until at least .+\) \(project frozen\); no opening found ahead$/,
    );
    assert.equal(auto.status?.sync?.status, 'OutOfSync');
    assert.equal(auto.status?.operationState, undefined, 'no sync started');

    await waitForApp(env, 'frozen-manual', (a) => a.status?.sync?.status === 'OutOfSync', 'compared');
    await patchApp(env, 'frozen-manual', { operation: { sync: {}, initiatedBy: { username: 'alice' } } });
    const manual = await waitForApp(env, 'frozen-manual', (a) => Boolean(windowCondition(a)), 'held');
    assert.match(windowCondition(manual)?.message ?? '', /^manual sync waits: a deny sync window is open/);
    assert.ok((await getApp(env, 'frozen-manual')).operation, 'the request stays until a window lets it run');
    assert.equal(manual.status?.operationState, undefined);

    const project = await env.rest.request<AppProject>('GET', projectPath);
    await env.rest.request('PUT', projectPath, {
      body: { ...project, spec: { ...project.spec, syncWindows: [] } },
    });
    for (const name of ['frozen-auto', 'frozen-manual']) {
      const done = await waitForApp(
        env,
        name,
        (a) => syncedAndHealthy(a) && !windowCondition(a),
        'synced',
        90_000,
      );
      assert.equal(done.status?.operationState?.phase, 'Succeeded');
    }
  });
});
