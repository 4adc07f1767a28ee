// `tiphys app actions` and `tiphys app logs` with a kubeconfig alone (no API server) on a real
// cluster (kube-apiserver, controller-manager, scheduler, a kwok node): the same project checks
// as the API server's, from the domain layer. The test plays the controller's part (tracking ids
// on the objects, status.resources on the apps). The attacker's app lists objects it does not
// own: one tracked by another app in its namespace, one of another project's app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import { installTiphys } from '../../adapters/kube/install.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { setTrackingId } from '../../core/manifest/tracking.ts';
import { MERGE_PATCH, tiphysPath } from '../kube-context.ts';
import { runTiphys, runTiphysProcess, testRest } from './cli-testkit.ts';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const NOT_THE_APPS = /no such resource in application "web"/;

const deployment = (namespace: string, name: string, app: string): KubeObject =>
  setTrackingId(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'main', image: 'example.com/web:1' }] },
        },
      },
    },
    app,
  );

const project = (name: string) => ({
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'AppProject',
  metadata: { name, namespace: 'tiphys' },
  spec: { sourceRepos: ['*'], destinations: [{ cluster: 'in-cluster', namespace: name }] },
});

const resource = (namespace: string, name: string) => ({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace,
  name,
  status: 'Synced',
});

describe('tiphys app actions and logs with a kubeconfig', () => {
  let cluster: TestCluster;
  let rest: KubeRest;
  const tiphys = (...args: string[]) => runTiphys(cluster.kubeconfigPath, args);
  const readDeployment = (namespace: string, name: string) =>
    rest.request<KubeObject>('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  const restartedAt = async (namespace: string, name: string) =>
    ((await readDeployment(namespace, name)).spec as { template: { metadata: { annotations?: object } } })
      .template.metadata.annotations?.[RESTARTED_AT as never];

  async function podOf(namespace: string, app: string): Promise<string> {
    for (;;) {
      const list = await rest.request<{ items: KubeObject[] }>(
        'GET',
        `/api/v1/namespaces/${namespace}/pods`,
        {
          query: { labelSelector: `app=${app}` },
        },
      );
      const name = list.items[0]?.metadata.name;
      if (name) return name;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  before(async () => {
    cluster = await startCluster({ name: 'cli-objects' });
    await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
    rest = testRest(cluster.kubeconfigPath);
    for (const ns of ['team-a', 'team-b']) {
      await rest.request('POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } });
      await rest.request('POST', tiphysPath('tiphys', 'appprojects'), { body: project(ns) });
    }
    const objects = [
      deployment('team-a', 'web', 'web'),
      // In the attacker's namespace, but another app's.
      deployment('team-a', 'stray', 'neighbour'),
      // Another project's app's object.
      deployment('team-b', 'secret', 'other'),
    ];
    for (const obj of objects) {
      const ns = obj.metadata.namespace as string;
      await rest.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { body: obj });
    }
    const app = (name: string, team: string, resources: object[]) => ({
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'tiphys' },
      spec: {
        project: team,
        source: { repoURL: 'https://git.example.com/config.git', path: name },
        destination: { namespace: team },
      },
      resources,
    });
    for (const { resources, ...body } of [
      // The attacker's status lists objects that are not its own.
      app('web', 'team-a', [
        resource('team-a', 'web'),
        resource('team-a', 'stray'),
        resource('team-b', 'secret'),
      ]),
      app('other', 'team-b', [resource('team-b', 'secret')]),
    ]) {
      await rest.request('POST', tiphysPath('tiphys', 'applications'), { body });
      await rest.request('PATCH', tiphysPath('tiphys', 'applications', body.metadata.name, 'status'), {
        body: { status: { resources } },
        contentType: MERGE_PATCH,
      });
    }
  });

  after(async () => {
    rest?.close();
    await cluster?.stop();
  });

  test("actions list and run on the app's own Deployment", async () => {
    const list = await tiphys('app', 'actions', 'list', 'web', '--kind', 'Deployment', '--name', 'web');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^restart\s+false\s+builtin/m);
    assert.match(list.stdout, /^scale\s+false\s+builtin\s+replicas/m);
    const run = await tiphys(
      'app',
      'actions',
      'run',
      'web',
      'restart',
      '--kind',
      'Deployment',
      '--name',
      'web',
    );
    assert.deepEqual([run.code, run.stdout], [0, 'restart of Deployment team-a/web done\n'], run.stderr);
    assert.match(String(await restartedAt('team-a', 'web')), /^\d{4}-\d\d-\d\dT/);
  });

  test('attacker: an object another app tracks, or of another project, is not there; nothing changes', async () => {
    for (const name of ['stray', 'secret']) {
      for (const verb of [['list'], ['run', 'restart']]) {
        const [first, ...rest_] = verb;
        const result = await tiphys(
          'app',
          'actions',
          first,
          'web',
          ...rest_,
          '--kind',
          'Deployment',
          '--name',
          name,
        );
        assert.equal(result.code, 1, `${name} ${verb.join(' ')}: ${result.stdout}`);
        assert.match(result.stderr, NOT_THE_APPS);
      }
    }
    assert.equal(await restartedAt('team-a', 'stray'), undefined);
    assert.equal(await restartedAt('team-b', 'secret'), undefined);
    // The other project's own app acts on its object: the refusal above was the project's.
    const own = await tiphys(
      'app',
      'actions',
      'run',
      'other',
      'restart',
      '--kind',
      'Deployment',
      '--name',
      'secret',
    );
    assert.equal(own.code, 0, own.stderr);
  });

  test("logs read the app's Pods only (a kwok node serves none: said why, exit 1)", async () => {
    const mine = await podOf('team-a', 'web');
    const stray = await podOf('team-a', 'stray');
    const args = ['app', 'logs', 'web', '--kubeconfig', cluster.kubeconfigPath];
    const all = await runTiphysProcess(cluster.kubeconfigPath, args);
    assert.equal(all.code, 1, all.stderr);
    assert.equal(all.stdout, '');
    assert.match(
      all.stderr,
      new RegExp(`^${mine}/main: log not available: the node did not serve the log`, 'm'),
    );
    assert.doesNotMatch(all.stderr, /stray|secret/);

    const one = await runTiphysProcess(cluster.kubeconfigPath, [...args, '--kind', 'Pod', '--name', stray]);
    assert.equal(one.code, 1);
    assert.match(one.stderr, NOT_THE_APPS);
    const other = await runTiphysProcess(cluster.kubeconfigPath, [
      ...args,
      '--kind',
      'Deployment',
      '--name',
      'secret',
    ]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, NOT_THE_APPS);
  });
});
