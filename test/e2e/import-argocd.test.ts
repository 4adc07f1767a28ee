// tiphys import argocd against a real control cluster: Argo CD's objects are read from that
// cluster (its argoproj.io CRDs installed, as Argo CD would have them) and from a file, written as
// Tiphys objects, and synced by the controller. An Application of a team namespace naming a
// project that does not admit it, and a cluster Secret with an exec plugin, are refused; Secret
// values are never printed; existing objects are not overwritten unless asked.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import type { Controller } from '../../src/controller/controller.ts';
import {
  createExamplesRepo,
  type Env,
  NAMESPACE,
  readObject,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

// As its own process, as a person runs it: this also proves the command exits by itself.
const tiphysCli = (args: string[]) =>
  runTiphysProcess(kubeconfig, [...args, '--kubeconfig', kubeconfig], 120_000);
let kubeconfig = '';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const PASSWORD = 'import-test-git-password';
const tiphys = (plural: string, name = '') =>
  `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/${plural}${name ? `/${name}` : ''}`;

function crd(kind: string, plural: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.argoproj.io` },
    spec: {
      group: 'argoproj.io',
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

describe('tiphys import argocd', () => {
  let env: Env;
  let controller: Controller | undefined;
  let repo: string;
  let token: string;
  let dir: string;
  const secretsShown = () => [PASSWORD, token];

  before(async () => {
    env = await startEnv('import');
    kubeconfig = env.cluster.kubeconfigPath;
    token = env.cluster.token;
    dir = mkdtempSync(join(tmpdir(), 'tiphys-import-'));
    repo = await createExamplesRepo(env);
    for (const [kind, plural] of [
      ['Application', 'applications'],
      ['AppProject', 'appprojects'],
      ['ApplicationSet', 'applicationsets'],
    ]) {
      await env.rest.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        body: crd(kind, plural),
      });
    }
    for (const ns of ['argocd', 'team-a']) {
      await env.rest.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      });
    }
    const post = async (path: string, body: Record<string, unknown>) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await env.rest.request('POST', path, { body });
        } catch (error) {
          // The CRDs just created may not be served yet.
          if (attempt > 50 || (error as { status?: number }).status !== 404) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };
    const argo = (ns: string, plural: string) => `/apis/argoproj.io/v1alpha1/namespaces/${ns}/${plural}`;
    await post(argo('argocd', 'appprojects'), {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'platform' },
      spec: {
        sourceRepos: [repo],
        destinations: [{ server: env.cluster.server, namespace: 'guest*' }],
        clusterResourceWhitelist: [],
      },
    });
    const app = (name: string, namespace: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'platform',
        source: { repoURL: repo, targetRevision: 'HEAD', path: 'guestbook' },
        destination: { server: env.cluster.server, namespace },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      },
    });
    await post(argo('argocd', 'applications'), app('guestbook', 'guestbook-imported'));
    // A team's Application naming a project that does not admit its namespace.
    await post(argo('team-a', 'applications'), app('team-a-escalation', 'guest-team'));
    const secret = (name: string, type: string, data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, labels: { 'argocd.argoproj.io/secret-type': type, region: 'lab' } },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    });
    await post(
      '/api/v1/namespaces/argocd/secrets',
      secret('repo-config', 'repository', { url: repo, username: 'ci', password: PASSWORD }),
    );
    await post(
      '/api/v1/namespaces/argocd/secrets',
      secret('cluster-lab', 'cluster', {
        name: 'lab',
        server: env.cluster.server,
        config: JSON.stringify({ bearerToken: token, tlsClientConfig: { caData: b64(env.cluster.ca) } }),
      }),
    );
    await post(
      '/api/v1/namespaces/argocd/secrets',
      secret('cluster-pwn', 'cluster', {
        name: 'pwn',
        server: 'https://pwn.example:6443',
        config: JSON.stringify({ execProviderConfig: { command: 'sh', args: ['-c', 'touch /tmp/pwned'] } }),
      }),
    );
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const args = ['import', 'argocd', '--from-kubeconfig', '', '--all-namespaces'];
  const importArgs = (...extra: string[]) => [...args.map((a) => a || env.cluster.kubeconfigPath), ...extra];

  test('a dry run prints what would be written and what is refused, writes nothing, shows no secret', async () => {
    const result = await tiphysCli(importArgs('--dry-run'));
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stdout,
      /would write Secret cluster-lab \(cluster credentials; keys bearerToken, caData\)/,
    );
    assert.match(result.stdout, /would write Application guestbook from Application argocd\/guestbook/);
    assert.match(
      result.stdout,
      /Application team-a\/team-a-escalation: it lived in namespace team-a, and project platform does not admit/,
    );
    assert.match(
      result.stdout,
      /Secret argocd\/cluster-pwn: config\.execProviderConfig: exec plugins are not imported/,
    );
    for (const secret of secretsShown())
      assert.ok(!`${result.stdout}${result.stderr}`.includes(secret), 'a secret was printed');
    assert.equal(await readObject(env, tiphys('applications', 'guestbook')), undefined);
    assert.equal(await readObject(env, tiphys('clusters', 'lab')), undefined);
  });

  test('the import writes the translated objects, refuses the rest, and the controller syncs the app', async () => {
    const result = await tiphysCli(importArgs());
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /imported into namespace tiphys: 5 created, 0 replaced, 0 unchanged/);
    for (const secret of secretsShown())
      assert.ok(!`${result.stdout}${result.stderr}`.includes(secret), 'a secret was printed');
    assert.equal(await readObject(env, tiphys('applications', 'team-a-escalation')), undefined);
    assert.equal(await readObject(env, tiphys('clusters', 'pwn')), undefined);
    const lab = await readObject(env, tiphys('clusters', 'lab'));
    assert.deepEqual(lab?.metadata.labels, { region: 'lab' });
    controller = startInProcessController(env);
    await controller.start();
    const app = await waitForApp(env, 'guestbook', syncedAndHealthy, 'the imported app synced', 120_000);
    assert.deepEqual(app.spec.destination, { namespace: 'guestbook-imported', cluster: 'lab' });
    assert.ok(await readObject(env, '/apis/apps/v1/namespaces/guestbook-imported/deployments/guestbook-ui'));
  });

  test('importing again writes nothing; a changed object is not overwritten unless asked', async () => {
    const again = await tiphysCli(importArgs());
    assert.match(again.stdout, /0 created, 0 replaced, 5 unchanged/);
    await env.rest.request('PATCH', tiphys('appprojects', 'platform'), {
      body: { spec: { description: 'changed in Tiphys' } },
      contentType: 'application/merge-patch+json',
    });
    const refused = await tiphysCli(importArgs());
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /already has, different from the import: AppProject platform; nothing was imported \(pass --overwrite/,
    );
    const kept = await readObject(env, tiphys('appprojects', 'platform'));
    assert.equal(
      (kept as unknown as { spec: { description?: string } }).spec.description,
      'changed in Tiphys',
    );
    const overwritten = await tiphysCli(importArgs('--overwrite'));
    assert.match(overwritten.stdout, /0 created, 1 replaced, 4 unchanged/);
  });

  test('the same objects from a file plan the same, and a file that is not YAML imports nothing', async () => {
    const file = join(dir, 'export.yaml');
    const list = await env.rest.request<{ items: unknown[] }>(
      'GET',
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
    );
    writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: list.items.map((i) => ({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          ...(i as object),
        })),
      }),
    );
    const fromFile = await tiphysCli(['import', 'argocd', '-f', file, '--dry-run']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stdout, /would write Application guestbook from Application argocd\/guestbook/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'kind: [unclosed\n');
    const bad = await tiphysCli(['import', 'argocd', '-f', broken]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /broken\.yaml.*nothing was imported/);
  });
});
