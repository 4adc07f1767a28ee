// A lost cluster that comes back by itself is compared, not overwritten (docs/recovery.md, "Coming
// back by itself"). region-c runs two apps, one automated with self-heal and one synced by hand;
// the manual one has drifted (a person deleted its Service). region-c's API server stops: the
// cluster is lost and its recovery (approve mode) waits for a person, who never comes. The API
// server starts again and, before Tiphys trusts it, the automated app's Deployment is changed
// too. Once the cluster has answered steadily: the recovery is Cancelled and nothing ran; the
// manual app's change is still there, the app OutOfSync and named in DriftAfterReturn; the
// automated app healed.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import type { Controller } from '../../src/controller/controller.ts';
import type { Cluster } from '../../src/core/model/cluster.ts';
import { parseRecoveryActions } from '../../src/core/model/recovery-actions.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import {
  createApp,
  createExamplesRepo,
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  patchApp,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const clusterPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters/region-c`;
const deployment = (ns: string) => `/apis/apps/v1/namespaces/${ns}/deployments/guestbook-ui`;
const service = (ns: string) => `/api/v1/namespaces/${ns}/services/guestbook-ui`;

describe('a lost cluster that comes back by itself', () => {
  let env: Env;
  let regionC: TestCluster;
  let controller: Controller;
  const marker = mkdtempSync(join(tmpdir(), 'tiphys-return-'));

  before(async () => {
    [env, regionC] = await Promise.all([startEnv('control'), startCluster({ name: 'region-c' })]);
    const repo = await createExamplesRepo(env);
    await registerCluster(
      { rest: env.rest, namespace: NAMESPACE },
      {
        name: 'region-c',
        server: regionC.server,
        credentials: { bearerToken: regionC.token, caData: regionC.ca },
      },
      { replace: false },
    );
    await env.rest.request('PATCH', clusterPath, {
      contentType: 'application/merge-patch+json',
      body: {
        spec: {
          health: { lostAfterSeconds: 3, stableAfterSeconds: 5 },
          recovery: { mode: 'approve', action: 'provision' },
        },
      },
    });
    // Would leave a file behind if it ever ran: nobody approves, so it must not.
    const actions = parseRecoveryActions(
      JSON.stringify({
        actions: {
          provision: {
            command: [process.execPath, '-e', 'require("fs").writeFileSync(process.env.MARK, "ran")'],
            env: { MARK: join(marker, 'ran') },
            maxAttempts: 1,
          },
        },
      }),
      'test actions',
    );
    controller = startInProcessController(env, { recoveryActions: actions, clusterProbeIntervalMs: 1_000 });
    await controller.start();
    const source = { repoURL: repo, path: 'guestbook' };
    await createApp(env, 'c-auto', {
      source,
      destination: { cluster: 'region-c', namespace: 'c-auto' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await createApp(env, 'c-manual', {
      source,
      destination: { cluster: 'region-c', namespace: 'c-manual' },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    });
    await patchApp(env, 'c-manual', { operation: { sync: {}, initiatedBy: { username: 'test' } } });
    for (const name of ['c-auto', 'c-manual'])
      await waitForApp(env, name, syncedAndHealthy, 'Synced and Healthy', 180_000);
  });

  after(async () => {
    await controller?.stop();
    await regionC?.stop();
    await env?.stop();
    rmSync(marker, { recursive: true, force: true });
  });

  const cluster = () => env.rest.request<Cluster>('GET', clusterPath);
  const waitForCluster = (what: string, check: (c: Cluster) => boolean) =>
    eventually(
      `region-c: ${what}`,
      async () => ((c) => (check(c) ? c : undefined))(await cluster()),
      120_000,
      async () =>
        JSON.stringify(
          {
            cluster: (await cluster()).status,
            apps: await Promise.all(['c-auto', 'c-manual'].map(async (n) => (await getApp(env, n)).status)),
          },
          null,
          1,
        ),
    );
  const scale = (rest: KubeRest, ns: string, replicas: number) =>
    rest.request('PATCH', deployment(ns), {
      body: { spec: { replicas } },
      contentType: 'application/merge-patch+json',
    });

  test('the recovery is cancelled, the manual app’s drift is reported and kept, the automated app heals', async () => {
    const rest = new KubeRest(loadKubeConfig(regionC.kubeconfigPath));
    try {
      // A person deletes the manual app's Service (its Deployment scaled by hand compares Unknown:
      // the dry run fails, a separate finding).
      await rest.request('DELETE', service('c-manual'));
      await waitForApp(env, 'c-manual', (a) => a.status?.sync?.status === 'OutOfSync', 'OutOfSync');
      const manualHistory = (await getApp(env, 'c-manual')).status?.history?.length;

      await regionC.stopComponent('kube-apiserver');
      const waiting = await waitForCluster(
        'lost, its recovery waiting for approval',
        (c) => c.status?.health?.phase === 'Lost' && c.status.recovery?.phase === 'AwaitingApproval',
      );
      await regionC.startComponent('kube-apiserver');
      // Changed while Tiphys does not trust the cluster yet (it waits 5 s of steady answers).
      await scale(rest, 'c-auto', 4);

      const back = await waitForCluster(
        'back by itself, recovery Cancelled',
        (c) =>
          c.status?.health?.phase === 'Reachable' &&
          c.status.health.returnedAt !== undefined &&
          c.status.recovery?.phase === 'Cancelled',
      );
      assert.equal(back.status?.recovery?.incident, waiting.status?.recovery?.incident);
      assert.equal(back.status?.recovery?.attempts, 0, 'no attempt was made');
      assert.equal(back.spec.server, regionC.server, 'the registration is unchanged');

      // The automated app heals; the manual one keeps the person's change and says so.
      await eventually(
        'c-auto healed back to one replica',
        async () => {
          const live = await rest.request<{ spec: { replicas: number } }>('GET', deployment('c-auto'));
          return live.spec.replicas === 1 || undefined;
        },
        120_000,
      );
      await waitForApp(env, 'c-auto', syncedAndHealthy, 'Synced and Healthy again');
      const drift = await waitForCluster('DriftAfterReturn names c-manual', (c) =>
        (c.status?.conditions ?? []).some((x) => x.type === 'DriftAfterReturn' && /c-manual/.test(x.message)),
      );
      assert.match(
        drift.status?.conditions?.find((c) => c.type === 'DriftAfterReturn')?.message ?? '',
        /came back by itself; \d application\(s\) differ from Git/,
      );
      const manual = await getApp(env, 'c-manual');
      assert.equal(manual.status?.sync?.status, 'OutOfSync');
      assert.equal(manual.status?.history?.length, manualHistory, 'the manual app was not synced');
      const gone = await rest.request('GET', service('c-manual')).then(
        () => false,
        (error: { status?: number }) => error.status === 404,
      );
      assert.ok(gone, 'the person’s change is still there: the Service was not put back');
      assert.deepEqual(readdirSync(marker), [], 'the recovery action never ran');
    } finally {
      rest.close();
    }
  });
});
