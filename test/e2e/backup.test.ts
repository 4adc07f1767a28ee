// Losing the control plane (docs/recovery.md, issue 11): `tiphys admin export` of a control
// cluster with a project, a cluster, repository credentials and apps (one mid-sync, held by a
// PreSync hook), the control cluster destroyed, a fresh one installed, `tiphys admin import`:
// everything reconciles again from the imported credentials, nothing that was in sync is synced
// again, no hook runs twice, and the sync that was in flight resumes and finishes. The export
// holds no secret in clear; a wrong key or a changed file is refused and imports nothing.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { installTiphys, loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import { Controller } from '../../src/controller/controller.ts';
import type { KubeObject } from '../../src/core/manifest/object.ts';
import type { Application } from '../../src/core/model/application.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import { addRepository } from '../../src/domain/repositories.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { startGitServer } from '../../testbed/src/git-server.ts';
import {
  applicationObject,
  type Env,
  eventually,
  examplesDir,
  NAMESPACE,
  startEnv,
  syncedAndHealthy,
} from './support.ts';

const GIT_AUTH = { username: 'tiphys-reader', password: 'git-password-c4f1e9a07d' };
const tiphys = (plural: string, name = '') =>
  `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/${plural}${name ? `/${name}` : ''}`;
/** A CLI process on a loaded 2-core machine: starting Node and loading the client takes a while. */
const CLI_TIMEOUT = 240_000;
const slowly = 240_000;

/** The apps of the exported control plane, all on the registered cluster `workload`. */
const APPS = [
  { name: 'guestbook', path: 'guestbook' },
  { name: 'hooks', path: 'pre-post-sync' },
  { name: 'inflight', path: 'gated-hook' },
];

type Pod = KubeObject & { status?: { phase?: string } };

describe('losing the control plane: export, import into a new one', () => {
  let env: Env;
  let workload: TestCluster;
  let workloadRest: KubeRest;
  let git: Awaited<ReturnType<typeof startGitServer>>;
  let controller: Controller | undefined;
  let clusterToken = '';
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-backup-'));
  const file = join(dir, 'backup.age');
  const keyFile = join(dir, 'key.txt');
  const otherKeyFile = join(dir, 'other-key.txt');
  const hookPod = '/api/v1/namespaces/inflight/pods/gated-migrate';

  const newController = (kubeconfigPath: string) =>
    new Controller({
      kubeConfig: loadKubeConfig(kubeconfigPath),
      namespace: NAMESPACE,
      tools: env.tools,
      cacheDir: mkdtempSync(join(tmpdir(), 'tiphys-ctrl-')),
      leaderElection: false,
      log: (line) => {
        if (process.env.TIPHYS_TEST_LOG) console.error(`[controller] ${line}`);
      },
    });
  const readApp = (rest: KubeRest, name: string) =>
    rest.request<Application>('GET', tiphys('applications', name));
  const waitFor = (what: string, rest: KubeRest, name: string, check: (app: Application) => boolean) =>
    eventually(
      `${name}: ${what}`,
      async () => ((app) => (check(app) ? app : undefined))(await readApp(rest, name)),
      slowly,
      async () => JSON.stringify((await readApp(rest, name)).status?.operationState ?? {}, null, 1),
    );
  /** What says whether an app was synced again: its last operation and the length of its history. */
  const operations = async (rest: KubeRest) =>
    Object.fromEntries(
      await Promise.all(
        APPS.map(async ({ name }) => {
          const app = await readApp(rest, name);
          return [name, [app.status?.operationState?.startedAt, app.status?.history?.length ?? 0]] as const;
        }),
      ),
    );
  /**
   * Every hook Job that ever ran in the hooks app's namespace, by the Events its Job controller
   * wrote (the Jobs themselves are deleted once they succeed: hook-delete-policy HookSucceeded).
   */
  const hookJobsEverRun = async () => {
    const events = await workloadRest.request<{
      items: { involvedObject: { kind: string; uid?: string } }[];
    }>('GET', '/api/v1/namespaces/hooks/events');
    const jobs = events.items.filter((e) => e.involvedObject.kind === 'Job');
    return [...new Set(jobs.map((e) => e.involvedObject.uid))].sort();
  };

  before(async () => {
    [env, workload, git] = await Promise.all([
      startEnv('control'),
      startCluster({ name: 'workload' }),
      startGitServer({ auth: GIT_AUTH }),
    ]);
    workloadRest = new KubeRest(loadKubeConfig(workload.kubeconfigPath));
    clusterToken = workload.token;
    const source = mkdtempSync(join(tmpdir(), 'tiphys-backup-repo-'));
    cpSync(examplesDir, source, { recursive: true });
    cpSync(join(import.meta.dirname, 'testdata', 'gated-hook'), join(source, 'gated-hook'), {
      recursive: true,
    });
    const { url } = await git.createRepo('private', source);
    rmSync(source, { recursive: true, force: true });
    const cp = { rest: env.rest, namespace: NAMESPACE };
    await addRepository(
      cp,
      { url, username: GIT_AUTH.username, password: GIT_AUTH.password },
      { replace: false },
    );
    await registerCluster(
      cp,
      {
        name: 'workload',
        server: workload.server,
        credentials: { bearerToken: workload.token, caData: workload.ca },
      },
      { replace: false },
    );
    await env.rest.request('POST', tiphys('appprojects'), {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'team' },
        spec: {
          sourceRepos: [url],
          destinations: APPS.map(({ name }) => ({ cluster: 'workload', namespace: name })),
          clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        },
      },
    });
    for (const { name, path } of APPS) {
      await env.rest.request('POST', tiphys('applications'), {
        body: applicationObject(name, {
          project: 'team',
          source: { repoURL: url, path },
          destination: { cluster: 'workload', namespace: name },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
        }),
      });
    }
    const identity = await generateIdentity();
    writeFileSync(keyFile, `# the test's age key\n${identity}\n`, { mode: 0o600 });
    writeFileSync(otherKeyFile, `${await generateIdentity()}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'recipient.txt'), await identityToRecipient(identity));
    controller = newController(env.cluster.kubeconfigPath);
    await controller.start();
  });

  after(async () => {
    await controller?.stop();
    workloadRest?.close();
    await workload?.stop();
    await git?.close();
    await env?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  test('export, lose the control cluster, import: every app reconciles, nothing re-synced, no hook re-run, the sync in flight resumes; a wrong key or a changed file imports nothing', async (t) => {
    // Synced and Healthy can come before the sync's PostSync hooks end and its history entry is
    // written: wait for the operation itself to have succeeded, so "before" is a settled state.
    const settled = (app: Application) =>
      syncedAndHealthy(app) && app.status?.operationState?.phase === 'Succeeded';
    await waitFor('Synced, Healthy and its sync Succeeded', env.rest, 'guestbook', settled);
    await waitFor('Synced, Healthy and its sync Succeeded', env.rest, 'hooks', settled);
    // The PreSync hook Pod of `inflight` stays Running until this test ends it: its sync is in flight.
    const hook = await eventually(
      'the PreSync hook Pod of inflight to run',
      async () => ((pod) => (pod?.status?.phase === 'Running' ? pod : undefined))(await readPod()),
      slowly,
    );
    const running = await waitFor(
      'sync Running',
      env.rest,
      'inflight',
      (a) => a.status?.operationState?.phase === 'Running',
    );
    const jobsBefore = await hookJobsEverRun();
    assert.ok(jobsBefore.length > 0, 'the hooks app ran its hook Jobs');
    // The controller goes down with its control plane; the export is taken from what is left.
    await controller?.stop();
    controller = undefined;
    const before = await operations(env.rest);

    const started = Date.now();
    const exported = await runTiphysProcess(
      env.cluster.kubeconfigPath,
      ['admin', 'export', '-r', readFileSync(join(dir, 'recipient.txt'), 'utf8'), '-o', file],
      CLI_TIMEOUT,
    );
    t.diagnostic(`tiphys admin export took ${Date.now() - started} ms (process start included)`);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /exported \d+ object\(s\) of namespace tiphys/);
    const armored = readFileSync(file, 'utf8');
    assert.match(armored, /^-----BEGIN AGE ENCRYPTED FILE-----/);
    for (const secret of [GIT_AUTH.password, clusterToken, Buffer.from(GIT_AUTH.password).toString('base64')])
      assert.ok(!armored.includes(secret), 'no credential in clear in the export');
    assert.ok(!exported.stdout.includes(GIT_AUTH.password) && !exported.stderr.includes(GIT_AUTH.password));

    await env.cluster.stop();
    const control2 = await startCluster({ name: 'control-2' });
    const rest2 = new KubeRest(loadKubeConfig(control2.kubeconfigPath));
    try {
      await installTiphys({ kubeconfigPath: control2.kubeconfigPath });
      const counts = async () => {
        const secrets = await rest2.request<{ items: unknown[] }>(
          'GET',
          `/api/v1/namespaces/${NAMESPACE}/secrets`,
          {
            query: { labelSelector: 'tiphys.dev/secret-type' },
          },
        );
        const lists = await Promise.all(
          ['applications', 'appprojects', 'clusters', 'applicationsets'].map((plural) =>
            rest2.request<{ items: unknown[] }>('GET', tiphys(plural)),
          ),
        );
        return [secrets.items.length, ...lists.map((l) => l.items.length)];
      };
      const empty = await counts();
      assert.deepEqual(
        empty,
        [0, 0, 1, 0, 0],
        'a fresh control cluster: only the default AppProject of tiphys install',
      );

      const wrongKey = await runTiphysProcess(
        control2.kubeconfigPath,
        ['admin', 'import', '-f', file, '-i', otherKeyFile],
        CLI_TIMEOUT,
      );
      assert.equal(wrongKey.code, 1, wrongKey.stderr);
      assert.match(wrongKey.stderr, /backup\.age: encrypted for another recipient/);
      assert.deepEqual(await counts(), empty, 'a wrong key imports nothing');

      const lines = armored.split('\n');
      const middle = Math.floor(lines.length / 2);
      lines[middle] = `${lines[middle]?.[0] === 'A' ? 'B' : 'A'}${lines[middle]?.slice(1)}`;
      const changed = join(dir, 'changed.age');
      writeFileSync(changed, lines.join('\n'));
      const tampered = await runTiphysProcess(
        control2.kubeconfigPath,
        ['admin', 'import', '-f', changed, '-i', keyFile],
        CLI_TIMEOUT,
      );
      assert.equal(tampered.code, 1, tampered.stderr);
      assert.match(
        tampered.stderr,
        /changed\.age: (refused, the file was changed or damaged|not an armored age file)/,
      );
      assert.deepEqual(await counts(), empty, 'a changed file imports nothing');

      const imported = await runTiphysProcess(
        control2.kubeconfigPath,
        ['admin', 'import', '-f', file, '-i', keyFile],
        CLI_TIMEOUT,
      );
      assert.equal(imported.code, 0, imported.stderr);
      assert.deepEqual(
        await counts(),
        [2, APPS.length, 2, 1, 0],
        'the repository and cluster credentials, the apps, the projects (default replaced), the cluster',
      );
      const again = await runTiphysProcess(
        control2.kubeconfigPath,
        ['admin', 'import', '-f', file, '-i', keyFile],
        CLI_TIMEOUT,
      );
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /already has .*nothing was imported/);

      const importedAt = Date.now();
      controller = newController(control2.kubeconfigPath);
      await controller.start();
      // The new controller fetches Git afresh (a new cache) with the imported repository credentials.
      for (const name of ['guestbook', 'hooks'])
        await waitFor(
          'reconciled by the new controller, Synced and Healthy',
          rest2,
          name,
          (app) => Date.parse(app.status?.reconciledAt ?? '') > importedAt && syncedAndHealthy(app),
        );
      const resumed = await waitFor(
        'sync still Running under the new controller',
        rest2,
        'inflight',
        (app) =>
          Date.parse(app.status?.reconciledAt ?? '') > importedAt &&
          app.status?.operationState?.phase === 'Running',
      );
      assert.equal(
        resumed.status?.operationState?.startedAt,
        running.status?.operationState?.startedAt,
        'the same operation',
      );
      assert.equal((await readPod())?.metadata.uid, hook.metadata.uid, 'the hook was not created again');
      await finishHook();
      const done = await waitFor(
        'the resumed sync Succeeded',
        rest2,
        'inflight',
        (app) => app.status?.operationState?.phase === 'Succeeded',
      );
      assert.equal(
        done.status?.operationState?.startedAt,
        running.status?.operationState?.startedAt,
        'the same operation finished',
      );
      assert.equal((await readPod())?.metadata.uid, hook.metadata.uid, 'the hook ran once');
      await workloadRest.request('GET', '/api/v1/namespaces/inflight/configmaps/after-hook');
      const after = await operations(rest2);
      assert.deepEqual(
        { guestbook: after.guestbook, hooks: after.hooks },
        { guestbook: before.guestbook, hooks: before.hooks },
        'nothing that was in sync was synced again: the same last operation and history',
      );
      assert.deepEqual(await hookJobsEverRun(), jobsBefore, 'no hook Job created again');
      await workloadRest.request('GET', '/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui');
    } finally {
      await controller?.stop();
      controller = undefined;
      rest2.close();
      await control2.stop();
    }
  });

  function readPod(): Promise<Pod | undefined> {
    return workloadRest.request<Pod>('GET', hookPod).catch((error: { status?: number }) => {
      if (error.status === 404) return undefined;
      throw error;
    });
  }

  /** Ends the gated hook as its container would: the Pod's status says Succeeded. */
  async function finishHook(): Promise<void> {
    const now = new Date().toISOString();
    await workloadRest.request('PATCH', `${hookPod}/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          phase: 'Succeeded',
          containerStatuses: [
            {
              name: 'migrate',
              image: 'busybox:1.36',
              imageID: '',
              ready: false,
              restartCount: 0,
              started: false,
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
            },
          ],
        },
      },
    });
  }
});
