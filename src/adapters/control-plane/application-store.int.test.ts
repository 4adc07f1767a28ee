// ApplicationStore against a real API server: `current` answers from the informer only when it
// holds the store's own last write (never the version before it), hands out copies, and reads
// the API server otherwise; AppProjects come from a watch, and one created a moment ago is read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import type { Application } from '../../core/model/application.ts';
import { installTiphys, loadKubeConfig } from '../kube/install.ts';
import { KubeRest } from '../kube/rest.ts';
import { ApplicationStore } from './application-store.ts';

const namespace = 'tiphys';
const appsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${namespace}/applications`;

let cluster: TestCluster;
let rest: KubeRest;
let store: ApplicationStore;

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  cluster = await startCluster({ name: 'app-store' });
  await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
  rest = new KubeRest(loadKubeConfig(cluster.kubeconfigPath));
  await rest.request('POST', appsPath, {
    body: {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace },
      spec: { source: { repoURL: 'https://git.example/config.git', path: 'shop' }, destination: {} },
    },
  });
  store = new ApplicationStore(loadKubeConfig(cluster.kubeconfigPath), namespace, { watchProjects: true });
  await store.start();
});

after(async () => {
  await store?.stop();
  rest?.close();
  await cluster?.stop();
});

test('current: each write of the store is seen at once, the informer is not trusted behind it', async () => {
  await until(() => store.get('shop') !== undefined, 'the informer to list the app');
  for (let i = 0; i < 20; i++) {
    const reconciledAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    await store.patchStatus('shop', { reconciledAt });
    // Right after the write the informer may still hold the version before it.
    const current = await store.current('shop');
    assert.equal(current?.status?.reconciledAt, reconciledAt, `write ${i}`);
  }
});

test('a new app found without a status gets its first status, later writes replace fields whole', async () => {
  await rest.request('POST', appsPath, {
    body: {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'new', namespace },
      spec: { source: { repoURL: 'https://git.example/config.git', path: 'new' }, destination: {} },
    },
  });
  await until(async () => (await store.current('new')) !== undefined, 'the new app');
  assert.equal((await store.current('new'))?.status, undefined);
  await store.patchStatus('new', { sync: { status: 'OutOfSync', revision: 'a'.repeat(40) } });
  await store.patchStatus('new', { sync: { status: 'Synced' } });
  const read = await rest.request<Application>('GET', `${appsPath}/new`);
  assert.deepEqual(read.status?.sync, { status: 'Synced' }, 'the second write replaced sync whole');
});

test('the store keeps no managedFields of the apps it lists or watches; the API server has them', async () => {
  await until(() => store.get('shop') !== undefined, 'the informer to list the app');
  await store.patchStatus('shop', { reconciledAt: '2026-02-01T00:00:00Z' });
  await until(
    async () => store.get('shop')?.status?.reconciledAt === '2026-02-01T00:00:00Z',
    'the watch event of the write',
  );
  const managedFieldsOf = (app: Application | undefined) =>
    (app?.metadata as { managedFields?: unknown[] } | undefined)?.managedFields;
  assert.equal(managedFieldsOf(store.get('shop')), undefined, 'watched');
  assert.equal(managedFieldsOf(await store.current('shop')), undefined);
  const read = await rest.request<Application>('GET', `${appsPath}/shop`);
  assert.ok((managedFieldsOf(read)?.length ?? 0) > 0, 'the API server keeps them');
});

test('current hands out a copy: changing it leaves the informer as it was', async () => {
  const app = (await store.current('shop')) as Application;
  (app.spec.source as { path: string }).path = 'changed';
  assert.equal(store.get('shop')?.spec.source?.path, 'shop');
  assert.equal(await store.current('nothing-here'), undefined, 'an app that does not exist');
});

test('projects: from the watch, and one created a moment ago is read from the API server', async () => {
  const projectsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${namespace}/appprojects`;
  await rest.request('POST', projectsPath, {
    body: {
      apiVersion: 'tiphys.dev/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'fresh', namespace },
      spec: { sourceRepos: ['https://git.example/fresh.git'] },
    },
  });
  // Asked at once: the watch may not hold it yet, the read does.
  assert.deepEqual((await store.fetchProject('fresh'))?.spec.sourceRepos, ['https://git.example/fresh.git']);
  const changed: string[][] = [];
  store.onProjectChange((names) => changed.push(names));
  await rest.request('PATCH', `${projectsPath}/fresh`, {
    body: { spec: { sourceRepos: ['https://git.example/other.git'] } },
    contentType: 'application/merge-patch+json',
  });
  await until(
    async () =>
      (await store.fetchProject('fresh'))?.spec.sourceRepos?.[0] === 'https://git.example/other.git',
    'the watch to hold the change',
  );
  assert.ok(
    changed.some((names) => names.includes('fresh')),
    `the change was reported: ${JSON.stringify(changed)}`,
  );
  assert.equal(await store.fetchProject('none'), undefined);
});
