// Losing a whole workload cluster (docs/recovery.md), at the scale. Three testbed
// clusters: control, region-a and region-b, plus registered clusters nobody runs (the bad
// inputs). 30 apps on region-a (plain, Kustomize, Helm, hooks, resource waves, app waves,
// dependsOn) and 10 on region-b, all from one Git repository: small apps (two to six objects),
// so the scale costs syncs, not objects. region-a is destroyed (processes killed, data deleted);
// the recovery action starts a new testbed cluster and hands back its credentials; every app of
// region-a is Synced and Healthy on it again, and region-b is not written to (every object's
// resourceVersion and managedFields, every app's operations and sync count unchanged). Then the
// same in approve mode, then a failover to a standby, in the same testbed.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterClient } from '../../src/adapters/kube/cluster-client.ts';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import { Controller } from '../../src/controller/controller.ts';
import type { Cluster } from '../../src/core/model/cluster.ts';
import { parseRecoveryActions } from '../../src/core/model/recovery-actions.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import { buildServer } from '../../src/server/app.ts';
import { FakeAuth } from '../../src/server/testkit.ts';
import { loadCluster, startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import {
  createApp,
  createExamplesRepo,
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  patchApp,
  startEnv,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };
const provisioner = join(import.meta.dirname, 'recovery-provisioner.ts');
const clusterPath = (name: string) => `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters/${name}`;

type RegionAApp = {
  name: string;
  path: string;
  extra?: Record<string, unknown>;
  wave?: string;
  manual?: boolean;
  dependsOn?: string[];
};
const helm = { helm: { valueFiles: ['values-production.yaml'] } };
const series = (prefix: string, count: number, app: Omit<RegionAApp, 'name'>): RegionAApp[] =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${i + 1}`, ...app }));
/**
 * Apps of region-a: plain (two first, in app wave -1), Kustomize, Helm (two synced by hand),
 * hooks and resource waves (app wave 1, the waves ones after a-plain-1 by dependsOn).
 */
const regionAApps: RegionAApp[] = [
  ...series('a-infra', 2, { path: 'guestbook', wave: '-1' }),
  ...series('a-plain', 7, { path: 'guestbook' }),
  ...series('a-kustomize', 8, { path: 'kustomize-guestbook' }),
  ...series('a-helm', 4, { path: 'helm-guestbook', extra: helm }),
  ...series('a-helm-manual', 2, { path: 'helm-guestbook', extra: helm, manual: true }),
  ...series('a-hooks', 3, { path: 'pre-post-sync', wave: '1' }),
  ...series('a-waves', 4, { path: 'sync-waves', wave: '1', dependsOn: ['a-plain-1'] }),
];
const regionBApps = [
  ...series('b-plain', 5, { path: 'guestbook' }),
  ...series('b-kustomize', 5, { path: 'kustomize-guestbook' }),
];

describe('losing a workload cluster', () => {
  let env: Env;
  let regionA: TestCluster;
  let regionB: TestCluster;
  let controller: Controller;
  let repo: string;
  const recoveryDir = mkdtempSync(join(tmpdir(), 'tiphys-recovery-'));
  const logs: string[] = [];
  const cp = () => ({ rest: env.rest, namespace: NAMESPACE });
  const cluster = (name: string) => env.rest.request<Cluster>('GET', clusterPath(name));
  const patchCluster = (name: string, body: unknown) =>
    env.rest.request<Cluster>('PATCH', clusterPath(name), {
      body,
      contentType: 'application/merge-patch+json',
    });
  const register = (name: string, server: string, token: string, ca?: string) =>
    registerCluster(
      cp(),
      { name, server, credentials: { bearerToken: token, ...(ca ? { caData: ca } : {}) } },
      { replace: false },
    );
  const waitForCluster = (name: string, what: string, check: (c: Cluster) => boolean, timeoutMs = 120_000) =>
    eventually(
      `${name}: ${what}`,
      async () => ((c) => (check(c) ? c : undefined))(await cluster(name)),
      timeoutMs,
      async () => JSON.stringify((await cluster(name)).status, null, 1),
    );
  /** The replacement clusters the action started, newest last. */
  const replacements = () =>
    readdirSync(recoveryDir)
      .sort()
      .map((dir) => loadCluster(join(recoveryDir, dir)));

  before(async () => {
    [env, regionA, regionB] = await Promise.all([
      startEnv('control'),
      startCluster({ name: 'region-a' }),
      startCluster({ name: 'region-b' }),
    ]);
    repo = await createExamplesRepo(env);
    const actions = parseRecoveryActions(
      JSON.stringify({
        actions: {
          'testbed-up': {
            command: [process.execPath, provisioner, 'ok'],
            env: {
              RECOVERY_DIR: recoveryDir,
              XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/', '.cache'),
            },
            timeoutSeconds: 240,
            maxAttempts: 2,
            backoffSeconds: 1,
          },
          'always-fails': {
            command: [process.execPath, provisioner, 'fail'],
            maxAttempts: 2,
            backoffSeconds: 1,
          },
          hangs: { command: [process.execPath, provisioner, 'hang'], timeoutSeconds: 2, maxAttempts: 1 },
          'dead-credentials': { command: [process.execPath, provisioner, 'dead'], maxAttempts: 1 },
        },
      }),
      'test actions',
    );
    await register('region-a', regionA.server, regionA.token, regionA.ca);
    await register('region-b', regionB.server, regionB.token, regionB.ca);
    await patchCluster('region-a', {
      spec: {
        health: { lostAfterSeconds: 4, stableAfterSeconds: 2 },
        recovery: { mode: 'auto', action: 'testbed-up' },
      },
    });
    controller = new Controller({
      kubeConfig: loadKubeConfig(env.cluster.kubeconfigPath),
      namespace: NAMESPACE,
      tools: env.tools,
      cacheDir: mkdtempSync(join(tmpdir(), 'tiphys-ctrl-')),
      leaderElection: false,
      recoveryActions: actions,
      clusterProbeIntervalMs: 1_000,
      log: (line) => {
        logs.push(line);
        if (process.env.TIPHYS_TEST_LOG) console.error(`[controller] ${line}`);
      },
    });
    await controller.start();
    for (const app of regionAApps) {
      await createApp(env, app.name, {
        source: { repoURL: repo, path: app.path, ...app.extra },
        destination: { cluster: 'region-a', namespace: app.name },
        ...(app.manual
          ? { syncPolicy: { syncOptions: ['CreateNamespace=true'] } }
          : { syncPolicy: automated }),
        ...(app.dependsOn ? { dependsOn: app.dependsOn } : {}),
      });
      if (app.wave)
        await patchApp(env, app.name, { metadata: { annotations: { 'tiphys.dev/sync-wave': app.wave } } });
      if (app.manual)
        await patchApp(env, app.name, { operation: { sync: {}, initiatedBy: { username: 'test' } } });
    }
    for (const app of regionBApps) {
      await createApp(env, app.name, {
        source: { repoURL: repo, path: app.path },
        destination: { cluster: 'region-b', namespace: app.name },
        syncPolicy: automated,
      });
    }
    for (const app of [...regionAApps, ...regionBApps]) {
      await waitForApp(env, app.name, syncedAndHealthy, 'Synced and Healthy', 180_000);
    }
  });

  after(async () => {
    await controller?.stop();
    for (const replacement of existsSync(recoveryDir) ? replacements() : [])
      await replacement.stop().catch(() => {});
    rmSync(recoveryDir, { recursive: true, force: true });
    await regionA?.stop();
    await regionB?.stop();
    await env?.stop();
  });

  test('bad inputs: failing, hanging, unconfigured and dead actions fail with a reason, nothing half-registered; no policy says so', async () => {
    const ghosts: [string, Record<string, unknown> | undefined][] = [
      ['ghost-fails', { mode: 'auto', action: 'always-fails' }],
      ['ghost-hangs', { mode: 'auto', action: 'hangs' }],
      ['ghost-dead', { mode: 'auto', action: 'dead-credentials' }],
      ['ghost-unconfigured', { mode: 'auto', action: 'rm-rf' }],
      ['ghost-nopolicy', undefined],
    ];
    for (const [name, recovery] of ghosts) {
      await register(name, 'https://127.0.0.1:9', `token-of-${name}`);
      await patchCluster(name, {
        spec: { health: { lostAfterSeconds: 2 }, ...(recovery ? { recovery } : {}) },
      });
    }
    await createApp(env, 'on-ghost', {
      source: { repoURL: repo, path: 'guestbook' },
      destination: { cluster: 'ghost-nopolicy', namespace: 'ghost' },
      syncPolicy: automated,
    });
    const failed = (name: string, pattern: RegExp) =>
      waitForCluster(
        name,
        `recovery Failed matching ${pattern}`,
        (c) => c.status?.recovery?.phase === 'Failed' && pattern.test(c.status.recovery.message ?? ''),
      );
    const [fails] = await Promise.all([
      failed('ghost-fails', /attempt 2 of 2 failed: action always-fails failed \(exit code 1\)/),
      failed('ghost-hangs', /action hangs timed out after 2 s and was stopped/),
      failed('ghost-dead', /does not answer with the credentials action dead-credentials gave/),
      failed(
        'ghost-unconfigured',
        /no recovery action "rm-rf" is configured in the controller.*nothing was run/,
      ),
    ]);
    assert.equal(fails.status?.recovery?.attempts, 2, 'retried once after a backoff');
    assert.ok(
      !fails.status?.recovery?.message?.includes('abcdefghijklmnopqrstuvwxyz0123456789'),
      'the token in stderr is masked',
    );
    assert.ok(fails.status?.conditions?.some((c) => c.type === 'RecoveryFailed'));
    for (const name of ['ghost-fails', 'ghost-hangs', 'ghost-dead']) {
      const c = await cluster(name);
      assert.equal(c.spec.server, 'https://127.0.0.1:9', `${name}: nothing registered`);
      assert.equal(c.spec.credentialsSecret?.name, `cluster-${name}`, `${name}: the old credentials stay`);
    }
    const nopolicy = await waitForCluster(
      'ghost-nopolicy',
      'Lost',
      (c) => c.status?.health?.phase === 'Lost',
    );
    assert.match(
      nopolicy.status?.conditions?.find((c) => c.type === 'ClusterLost')?.message ?? '',
      /no recovery policy/,
    );
    assert.equal(nopolicy.status?.recovery, undefined);
    await waitForApp(
      env,
      'on-ghost',
      (app) =>
        (app.status?.conditions ?? []).some((c) =>
          /cluster ghost-nopolicy is lost .*no recovery policy/.test(c.message),
        ),
      'says its cluster is lost',
    );
  });

  test('attacker: a Cluster writer cannot make the controller run a command', async () => {
    const marker = join(recoveryDir, 'pwned');
    // Through the API server a cluster's registration has no recovery field at all.
    const server = await buildServer({
      kubeConfig: loadKubeConfig(env.cluster.kubeconfigPath),
      namespace: NAMESPACE,
      auth: new FakeAuth(),
      apps: controller.apps,
      uiDir: '/nonexistent-ui',
    });
    try {
      const response = await server.inject({
        method: 'POST',
        url: '/api/v1/clusters',
        headers: { authorization: 'Bearer admin-token' },
        payload: {
          name: 'evil',
          server: 'https://127.0.0.1:9',
          bearerToken: 'x',
          recovery: { mode: 'auto', command: ['touch', marker] },
        },
      });
      assert.equal(response.statusCode, 400, response.body);
    } finally {
      await server.close();
    }
    // Written straight to the control cluster, a command in the Cluster is not a field: it runs nothing.
    await register('evil', 'https://127.0.0.1:9', 'x');
    await patchCluster('evil', {
      spec: { health: { lostAfterSeconds: 1 }, recovery: { mode: 'auto', command: ['touch', marker] } },
    });
    const evil = await waitForCluster(
      'evil',
      'recovery Failed',
      (c) => c.status?.recovery?.phase === 'Failed',
    );
    assert.match(evil.status?.recovery?.message ?? '', /neither an action nor a failover; nothing was run/);
    assert.equal(existsSync(marker), false, 'nothing ran');
  });

  test('region-a destroyed: the action provisions a replacement, every app is Healthy on it, region-b untouched', async () => {
    await waitForCluster('region-a', 'Reachable', (c) => c.status?.health?.phase === 'Reachable');
    const before = await regionBSnapshot();
    const aDir = regionA.dir;
    await regionA.killComponent('kube-apiserver');
    await regionA.killComponent('etcd');
    await regionA.stop();
    assert.equal(existsSync(aDir), false, "region-a's data is deleted");
    await waitForApp(
      env,
      'a-plain-1',
      (app) => (app.status?.conditions ?? []).some((c) => /cluster region-a is lost/.test(c.message)),
      'says its cluster is lost',
    );
    const recovered = await waitForCluster(
      'region-a',
      'recovery Succeeded',
      (c) => c.status?.recovery?.phase === 'Succeeded',
      300_000,
    );
    await checkRecovered(recovered, 1);
    assert.deepEqual(await regionBSnapshot(), before, 'region-b: no write, no sync');
    const token = replacements()[0]?.token ?? '';
    assert.ok(token.length > 0);
    assert.ok(!logs.some((line) => line.includes(token)), 'the replacement’s token is in no log line');
    const reasons = await clusterEventReasons('region-a');
    for (const reason of [
      'ClusterUnreachable',
      'ClusterLost',
      'RecoveryStarted',
      'RecoveryActionStarted',
      'RecoveryClusterAnswers',
      'RecoveryFirstAppSynced',
      'RecoverySucceeded',
    ]) {
      assert.ok(reasons.includes(reason), `Event ${reason} on the Cluster (have ${reasons.join(', ')})`);
    }
    const metrics = await controller.metrics.registry.metrics();
    assert.match(metrics, /tiphys_cluster_recovery_seconds\{cluster="region-a",step="allHealthyAt"\} \d/);
    assert.match(metrics, /tiphys_cluster_lost_total\{cluster="region-a"\} 1/);
  });

  test('approve mode: nothing runs until a person with the right approves (API, audited); the CLI refuses a second approval', async () => {
    await patchCluster('region-a', { spec: { recovery: { mode: 'approve', action: 'testbed-up' } } });
    const first = replacements()[0] as TestCluster;
    await first.stop();
    rmSync(first.dir, { recursive: true, force: true });
    const waiting = await waitForCluster(
      'region-a',
      'AwaitingApproval',
      (c) => c.status?.recovery?.phase === 'AwaitingApproval',
    );
    assert.equal(waiting.status?.recovery?.attempts, 0, 'no attempt before approval');
    assert.ok(waiting.status?.conditions?.some((c) => c.type === 'RecoveryAwaitingApproval'));
    const auth = new FakeAuth();
    const server = await buildServer({
      kubeConfig: loadKubeConfig(env.cluster.kubeconfigPath),
      namespace: NAMESPACE,
      auth,
      apps: controller.apps,
      uiDir: '/nonexistent-ui',
    });
    try {
      const url = '/api/v1/clusters/region-a/recovery/approve';
      const denied = await server.inject({
        method: 'POST',
        url,
        headers: { authorization: 'Bearer reader-token' },
      });
      assert.equal(denied.statusCode, 403);
      assert.ok(auth.audits.some((a) => a.result === 'denied' && a.object === 'region-a'));
      assert.equal((await cluster('region-a')).status?.recovery?.phase, 'AwaitingApproval');
      const approved = await server.inject({
        method: 'POST',
        url,
        headers: { authorization: 'Bearer admin-token' },
      });
      assert.equal(approved.statusCode, 200, approved.body);
      assert.ok(
        auth.audits.some(
          (a) => a.result === 'success' && a.action === 'approve-recovery' && a.identity?.subject === 'admin',
        ),
      );
    } finally {
      await server.close();
    }
    const recovered = await waitForCluster(
      'region-a',
      'recovery Succeeded',
      (c) =>
        c.status?.recovery?.incident === waiting.status?.recovery?.incident &&
        c.status?.recovery?.phase === 'Succeeded',
      300_000,
    );
    assert.equal(recovered.status?.recovery?.approvedBy, 'local:admin');
    // The first replacement and its data were deleted above: one replacement exists.
    await checkRecovered(recovered, 1);
    const again = await runTiphysProcess(env.cluster.kubeconfigPath, [
      'cluster',
      'recover',
      'approve',
      'region-a',
    ]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /has no recovery waiting for approval \(recovery is Succeeded\)/);
  });

  test('failover: the apps move to a reachable standby chosen by labels', async () => {
    await patchCluster('region-b', { metadata: { labels: { standby: 'true' } } });
    await patchCluster('region-a', {
      spec: { recovery: { mode: 'auto', action: null, failover: { selector: { standby: 'true' } } } },
    });
    await waitForCluster('region-b', 'Reachable', (c) => c.status?.connection?.status === 'Successful');
    const second = replacements().at(-1) as TestCluster;
    await second.stop();
    const done = await waitForCluster(
      'region-a',
      'failover Succeeded',
      (c) => c.status?.recovery?.failoverTo === 'region-b' && c.status.recovery.phase === 'Succeeded',
      300_000,
    );
    assert.deepEqual(done.status?.recovery?.apps, regionAApps.map((a) => a.name).sort());
    for (const { name } of regionAApps) {
      const app = await waitForApp(env, name, syncedAndHealthy, 'Synced and Healthy on the standby', 120_000);
      assert.equal(app.spec.destination.cluster, 'region-b');
      assert.equal(app.metadata.annotations?.['tiphys.dev/failed-over-from'], 'region-a');
    }
    const onB = await new KubeRest(loadKubeConfig(regionB.kubeconfigPath)).request(
      'GET',
      '/apis/apps/v1/namespaces/a-plain-1/deployments/guestbook-ui',
    );
    assert.ok(onB);
  });

  /**
   * What a write to region-b or a sync of its apps would change: every object each app tracks
   * (read on region-b: resourceVersion and managedFields), each app's last operation, history
   * and the controller's count of its finished syncs.
   */
  async function regionBSnapshot() {
    const client = new ClusterClient(loadKubeConfig(regionB.kubeconfigPath));
    const objects: Record<string, unknown> = {};
    const operations: Record<string, unknown> = {};
    const metrics = await controller.metrics.registry.metrics();
    try {
      for (const { name } of regionBApps) {
        const app = await getApp(env, name);
        const resources = app.status?.resources ?? [];
        assert.ok(resources.length >= 2, `${name} tracks its objects`);
        for (const r of resources) {
          const apiVersion = r.group ? `${r.group}/${r.version}` : (r.version ?? 'v1');
          const live = await client.read({
            apiVersion,
            kind: r.kind,
            metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
          });
          assert.ok(live, `${r.kind} ${r.namespace}/${r.name} of ${name} is on region-b`);
          const { resourceVersion, managedFields } = live.metadata as {
            resourceVersion?: string;
            managedFields?: unknown;
          };
          objects[`${r.kind}/${r.namespace}/${r.name}`] = { resourceVersion, managedFields };
        }
        const syncs = metrics
          .split('\n')
          .filter((line) => line.startsWith('tiphys_app_sync_total{') && line.includes(`name="${name}"`));
        operations[name] = {
          startedAt: app.status?.operationState?.startedAt,
          history: app.status?.history?.map((h) => h.id),
          syncs,
        };
      }
    } finally {
      client.rest.close();
    }
    return { objects, operations };
  }

  async function checkRecovered(recovered: Cluster, count: number) {
    const timeline = recovered.status?.recovery?.timeline ?? {};
    const steps = [
      'lostAt',
      'actionStartedAt',
      'clusterAnsweredAt',
      'firstAppSyncedAt',
      'allHealthyAt',
    ] as const;
    const times = steps.map((step) => Date.parse(timeline[step] ?? ''));
    assert.ok(times.every(Number.isFinite), `every step of the timeline: ${JSON.stringify(timeline)}`);
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
      'the steps in order',
    );
    assert.equal(replacements().length, count);
    const replacement = replacements().at(-1) as TestCluster;
    assert.equal(recovered.spec.server, replacement.server, 'the Cluster points at the replacement');
    assert.equal(recovered.status?.health?.phase, 'Reachable');
    assert.deepEqual(recovered.status?.recovery?.apps, regionAApps.map((a) => a.name).sort());
    const client = new ClusterClient(loadKubeConfig(replacement.kubeconfigPath));
    try {
      for (const { name } of regionAApps) {
        const app = await waitForApp(
          env,
          name,
          syncedAndHealthy,
          'Synced and Healthy on the replacement',
          60_000,
        );
        assert.equal(app.spec.destination.cluster, 'region-a');
        // Every object the app tracks is on the replacement (hooks come and go).
        const resources = (app.status?.resources ?? []).filter((r) => !r.hook);
        assert.ok(resources.length >= 2, `${name} tracks its objects`);
        for (const r of resources) {
          const live = await client.read({
            apiVersion: r.group ? `${r.group}/${r.version}` : (r.version ?? 'v1'),
            kind: r.kind,
            metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
          });
          assert.ok(live, `${r.kind} ${r.namespace}/${r.name} of ${name} is on the replacement`);
        }
      }
    } finally {
      client.rest.close();
    }
  }

  async function clusterEventReasons(name: string): Promise<string[]> {
    const events = await env.rest.request<{
      items: { reason: string; involvedObject: { kind: string; name: string } }[];
    }>('GET', `/api/v1/namespaces/${NAMESPACE}/events`);
    return events.items
      .filter((e) => e.involvedObject.kind === 'Cluster' && e.involvedObject.name === name)
      .map((e) => e.reason);
  }
});
