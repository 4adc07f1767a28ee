// ApplicationSets on the testbed: three clusters (the control cluster and two registered ones
// labelled by region), a real Git server, the controller in-process. Each generator, matrix and
// merge, a Git outage that must delete nothing, and a rollout that stops at a Degraded app.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import type { Controller } from '../../src/controller/controller.ts';
import type { Cluster } from '../../src/core/model/cluster.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import {
  appsOfSet,
  conditionOf,
  createSet,
  registerTestCluster,
  repoOutage,
  waitForSet,
} from './fleet-support.ts';
import {
  createApp,
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

describe('ApplicationSets across three clusters', () => {
  let env: Env;
  let eu: TestCluster;
  let us: TestCluster;
  let controller: Controller;
  let repo: string;
  before(async () => {
    [env, eu, us] = await Promise.all([
      startEnv('fleet'),
      startCluster({ name: 'fleet-eu' }),
      startCluster({ name: 'fleet-us' }),
    ]);
    repo = (await env.git.createRepo('fleet', join(import.meta.dirname, 'testdata', 'fleet'))).url;
    await registerTestCluster(env, 'eu-1', eu, { region: 'eu' });
    await registerTestCluster(env, 'us-1', us, { region: 'us' });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([eu?.stop(), us?.stop()]);
    await env?.stop();
  });

  test('list, clusters, Git directories and Git files generators, written as for Argo CD', async () => {
    // Someone else's app already has a name the directories set will generate: it must stay theirs.
    await createApp(env, 'dir-api', {
      source: { repoURL: repo, path: 'apps/legacy' },
      destination: { namespace: 'hand-made' },
    });
    await createSet(env, 'by-list', {
      generators: [
        {
          list: {
            elements: [
              { name: 'one', ns: 'list-one' },
              { name: 'two', ns: 'list-two' },
            ],
          },
        },
      ],
      template: {
        metadata: { name: 'list-{{name}}' },
        spec: {
          project: 'default',
          source: { repoURL: repo, targetRevision: 'HEAD', path: 'apps/web' },
          destination: { server: IN_CLUSTER_SERVER, namespace: '{{ns}}' },
          syncPolicy: automated,
        },
      },
    });
    await createSet(env, 'by-cluster', {
      generators: [{ clusters: { selector: { matchExpressions: [{ key: 'region', operator: 'Exists' }] } } }],
      template: {
        metadata: { name: '{{name}}-web', labels: { region: '{{metadata.labels.region}}' } },
        spec: {
          source: { repoURL: repo, path: 'apps/web' },
          destination: { server: '{{server}}', namespace: 'web' },
          syncPolicy: automated,
        },
      },
    });
    await createSet(env, 'by-dir', {
      generators: [
        {
          git: {
            repoURL: repo,
            revision: 'main',
            directories: [{ path: 'apps/*' }, { path: 'apps/legacy', exclude: true }],
          },
        },
      ],
      template: {
        metadata: { name: 'dir-{{path.basename}}' },
        spec: {
          source: { repoURL: repo, path: '{{path}}' },
          destination: { name: 'in-cluster', namespace: 'dirs' },
        },
      },
    });
    await createSet(env, 'by-file', {
      generators: [{ git: { repoURL: repo, files: [{ path: 'config/**/config.*' }] } }],
      template: {
        metadata: { name: 'file-{{team}}', annotations: { db: '{{db.host}}', replicas: '{{replicas}}' } },
        spec: {
          source: { repoURL: repo, path: 'apps/web' },
          destination: { namespace: 'files-{{path.basename}}' },
        },
      },
    });
    await waitForSet(env, 'by-list', (s) => (s.status?.applicationStatus?.length ?? 0) === 2, 'two apps');
    assert.deepEqual(await appsOfSet(env, 'by-list'), ['list-one', 'list-two']);
    const byCluster = await waitForSet(
      env,
      'by-cluster',
      (s) => (s.status?.applicationStatus?.length ?? 0) === 2,
      'one app per region',
    );
    assert.deepEqual(await appsOfSet(env, 'by-cluster'), ['eu-1-web', 'us-1-web']);
    const euApp = await waitForApp(env, 'eu-1-web', syncedAndHealthy, 'synced to eu-1', 90_000);
    assert.deepEqual(euApp.spec.destination, { namespace: 'web', cluster: 'eu-1' });
    assert.equal(euApp.metadata.labels?.region, 'eu');
    const owners = (euApp.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences;
    assert.equal(owners?.[0]?.uid, byCluster.metadata.uid, 'the app is owned by its set');
    const byDir = await waitForSet(
      env,
      'by-dir',
      (s) => conditionOf(s, 'ApplicationRefused') !== undefined,
      'the clash reported',
    );
    assert.match(
      conditionOf(byDir, 'ApplicationRefused')?.message ?? '',
      /dir-api: .*does not belong to this set/,
    );
    assert.deepEqual(await appsOfSet(env, 'by-dir'), ['dir-web']);
    const handMade = await getApp(env, 'dir-api');
    assert.equal(handMade.spec.source?.path, 'apps/legacy', 'the hand-made app is unchanged');
    await waitForSet(
      env,
      'by-file',
      (s) => (s.status?.applicationStatus?.length ?? 0) === 2,
      'one app per file',
    );
    assert.deepEqual(await appsOfSet(env, 'by-file'), ['file-blog', 'file-shop']);
    const shop = await getApp(env, 'file-shop');
    assert.deepEqual(shop.metadata.annotations, { db: 'db.eu', replicas: '3' });
    assert.equal(shop.spec.destination.namespace, 'files-eu');
  });

  test('matrix (clusters x Git directories) and merge (clusters overridden by a list)', async () => {
    await createSet(env, 'matrix', {
      generators: [
        {
          matrix: {
            generators: [
              {
                clusters: {
                  selector: { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu', 'us'] }] },
                },
              },
              { git: { repoURL: repo, directories: [{ path: 'apps/{web,api}' }] } },
            ],
          },
        },
      ],
      template: {
        metadata: { name: 'mx-{{name}}-{{path.basename}}' },
        spec: {
          source: { repoURL: repo, path: '{{path}}' },
          destination: { server: '{{server}}', namespace: 'matrix' },
        },
      },
    });
    await createSet(env, 'merge', {
      generators: [
        {
          merge: {
            mergeKeys: ['name'],
            generators: [
              { clusters: { values: { tier: 'standard' } } },
              { list: { elements: [{ name: 'eu-1', 'values.tier': 'gold' }] } },
            ],
          },
        },
      ],
      template: {
        metadata: { name: 'tier-{{nameNormalized}}', labels: { tier: '{{values.tier}}' } },
        spec: {
          source: { repoURL: repo, path: 'apps/web' },
          destination: { server: '{{server}}', namespace: 'tiers' },
        },
      },
    });
    const matrix = await waitForSet(
      env,
      'matrix',
      (s) => (s.status?.applicationStatus?.length ?? 0) === 4,
      'four apps',
    );
    assert.equal(conditionOf(matrix, 'ApplicationRefused'), undefined);
    assert.deepEqual(await appsOfSet(env, 'matrix'), [
      'mx-eu-1-api',
      'mx-eu-1-web',
      'mx-us-1-api',
      'mx-us-1-web',
    ]);
    await waitForSet(env, 'merge', (s) => (s.status?.applicationStatus?.length ?? 0) === 3, 'three apps');
    assert.deepEqual(await appsOfSet(env, 'merge'), ['tier-eu-1', 'tier-in-cluster', 'tier-us-1']);
    assert.equal((await getApp(env, 'tier-eu-1')).metadata.labels?.tier, 'gold');
    assert.equal((await getApp(env, 'tier-us-1')).metadata.labels?.tier, 'standard');
  });

  test('a Git outage during generation deletes nothing; the next good generation applies', async () => {
    const before_ = await appsOfSet(env, 'by-dir');
    assert.deepEqual(before_, ['dir-web']);
    const outage = repoOutage(env, 'fleet');
    outage.start();
    try {
      controller.appSets.refresh('by-dir');
      const failed = await waitForSet(
        env,
        'by-dir',
        (s) => conditionOf(s, 'GeneratorError') !== undefined,
        'the generator error',
      );
      assert.match(conditionOf(failed, 'GeneratorError')?.message ?? '', /kept as they are/);
      assert.deepEqual(await appsOfSet(env, 'by-dir'), before_, 'no app deleted while Git is down');
    } finally {
      outage.end();
    }
    // Back: a directory removed from Git now does remove its app (so the check above could fail).
    await env.git.commitFiles('fleet', { 'apps/web/cm.yaml': null }, 'retire web');
    controller.appSets.refresh('by-dir');
    await waitForSet(
      env,
      'by-dir',
      (s) =>
        conditionOf(s, 'GeneratorError') === undefined &&
        (s.status?.applicationStatus ?? []).every((a) => a.application !== 'dir-web'),
      'the retired app gone',
    );
    assert.deepEqual(await appsOfSet(env, 'by-dir'), []);
  });

  test('a rollout across three clusters stops at a Degraded app and resumes from the CLI', async () => {
    await createSet(env, 'release', {
      generators: [
        {
          list: {
            elements: [
              { cluster: 'control', server: IN_CLUSTER_SERVER, region: 'a', dir: 'rollout/good' },
              { cluster: 'eu', server: eu.server, region: 'b', dir: 'rollout/bad' },
              { cluster: 'us', server: us.server, region: 'c', dir: 'rollout/good' },
            ],
          },
        },
      ],
      strategy: {
        type: 'RollingSync',
        rollingSync: {
          steps: ['a', 'b', 'c'].map((region) => ({
            matchExpressions: [{ key: 'region', operator: 'In', values: [region] }],
            maxUpdate: 1,
          })),
        },
      },
      template: {
        metadata: { name: 'release-{{cluster}}', labels: { region: '{{region}}' } },
        spec: {
          source: { repoURL: repo, path: '{{dir}}' },
          destination: { server: '{{server}}', namespace: 'release' },
          syncPolicy: automated,
        },
      },
    });
    const stopped = await waitForSet(
      env,
      'release',
      (s) => s.status?.rollout?.phase === 'Stopped',
      'the rollout to stop',
      120_000,
    );
    assert.match(stopped.status?.rollout?.message ?? '', /release-eu is Degraded/);
    assert.equal(stopped.status?.rollout?.step, 2);
    assert.deepEqual(
      await appsOfSet(env, 'release'),
      ['release-control', 'release-eu'],
      'step 3 was not started',
    );
    const steps = Object.fromEntries(
      (stopped.status?.applicationStatus ?? []).map((a) => [a.application, `${a.step}/${a.status}`]),
    );
    assert.deepEqual(steps, {
      'release-control': '1/Healthy',
      'release-eu': '2/Degraded',
      'release-us': '3/Waiting',
    });
    const resumed = await runTiphysProcess(
      env.cluster.kubeconfigPath,
      ['appset', 'rollout', 'resume', 'release'],
      180_000,
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    await waitForApp(env, 'release-us', syncedAndHealthy, 'the last step deployed after resume', 90_000);
    await waitForSet(env, 'release', (s) => s.status?.rollout?.phase === 'Completed', 'the rollout complete');
  });
  test('cluster labels set from the CLI move a cluster into a selector; the Cluster status reports the connection', async () => {
    const labelled = await runTiphysProcess(
      env.cluster.kubeconfigPath,
      ['cluster', 'label', 'us-1', 'tier=gold', 'region-'],
      180_000,
    );
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.match(labelled.stdout, /tier=gold/);
    const refused = await runTiphysProcess(
      env.cluster.kubeconfigPath,
      ['cluster', 'label', 'us-1', 'bad key=x'],
      180_000,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /not a valid label key/);
    await createSet(env, 'gold', {
      generators: [{ clusters: { selector: { matchLabels: { tier: 'gold' } } } }],
      template: {
        metadata: { name: 'gold-{{name}}' },
        spec: {
          source: { repoURL: repo, path: 'apps/api' },
          destination: { server: '{{server}}', namespace: 'gold' },
        },
      },
    });
    await waitForSet(
      env,
      'gold',
      (s) => (s.status?.applicationStatus?.length ?? 0) === 1,
      'the newly labelled cluster',
    );
    assert.deepEqual(await appsOfSet(env, 'gold'), ['gold-us-1']);
    const cluster = await eventually(
      'the Cluster status',
      async () => {
        const c = await env.rest.request<Cluster>(
          'GET',
          `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters/us-1`,
        );
        // The probe counts what the cluster's cache holds: a probe that ran while the cache was
        // still listing reports 0, the next one the objects.
        return c.status?.connection?.lastSuccessAt &&
          (c.status.applicationsCount ?? 0) > 0 &&
          (c.status.cacheInfo?.resourcesCount ?? 0) > 0
          ? c
          : undefined;
      },
      90_000,
    );
    assert.equal(cluster.status?.connection?.status, 'Successful');
    assert.match(cluster.status?.serverVersion ?? '', /^v1\./);
    assert.ok((cluster.status?.cacheInfo?.resourcesCount ?? 0) > 0);
  });
});
