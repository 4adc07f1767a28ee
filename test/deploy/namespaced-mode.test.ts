// Namespaced mode for real: deploy/overlays/namespaced applied to a testbed cluster, then the
// controller and the API server run with the tokens of their own service accounts (no cluster-wide
// right at all) and TIPHYS_MANAGED_NAMESPACES. An app in a bound namespace syncs; one aimed at
// another namespace is refused by name, and nothing reaches that namespace.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import type { Application } from '../../src/core/model/application.ts';
import { ensureTestbedBinaries } from '../../testbed/src/binaries.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { type GitServer, startGitServer } from '../../testbed/src/git-server.ts';
import { freePorts } from '../../testbed/src/ports.ts';
import { eventually } from '../e2e/support.ts';

let cluster: TestCluster;
let git: GitServer;
let rest: KubeRest;
let scratch: string;
let serverUrl: string;
const children: ChildProcess[] = [];
let kubectl: string;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      kubectl,
      args,
      { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } },
      (error, out, err) =>
        error ? reject(new Error(`kubectl ${args.join(' ')}: ${err || error.message}`)) : resolve(out),
    );
  });
}

/** A kubeconfig that authenticates as a service account of the tiphys namespace. */
async function kubeconfigAs(account: string): Promise<string> {
  const token = (await run(['create', 'token', account, '-n', 'tiphys', '--duration', '1h'])).trim();
  const ca = Buffer.from(cluster.ca).toString('base64');
  const file = join(scratch, `${account}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': ca } }],
      users: [{ name: account, user: { token } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: account } }],
      'current-context': 'c',
    }),
    { mode: 0o600 },
  );
  return file;
}

function startTiphys(args: string[], kubeconfig: string): void {
  const { helm, kustomize } = tools;
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin/tiphys.mjs'), ...args, '--kubeconfig', kubeconfig],
    {
      env: {
        ...process.env,
        TIPHYS_MANAGED_NAMESPACES: 'team-a',
        TIPHYS_HELM_BIN: helm,
        TIPHYS_KUSTOMIZE_BIN: kustomize,
      },
      stdio: ['ignore', 'ignore', process.env.TIPHYS_TEST_LOG ? 'inherit' : 'ignore'],
    },
  );
  children.push(child);
}

let tools: { helm: string; kustomize: string };
before(async () => {
  const bins = await ensureTestbedBinaries();
  kubectl = bins.kubectl;
  tools = { helm: bins.helm, kustomize: bins.kustomize };
  scratch = mkdtempSync(join(tmpdir(), 'tiphys-namespaced-'));
  [cluster, git] = await Promise.all([startCluster({ name: 'namespaced-mode' }), startGitServer()]);
  rest = new KubeRest(loadKubeConfig(cluster.kubeconfigPath));
  // A cluster admin installs (the CRDs are cluster-scoped) and binds team-a; team-b stays foreign.
  await run(['apply', '--server-side', '-k', join(repoRoot, 'deploy/overlays/namespaced')]);
  await run(['create', 'namespace', 'team-a']);
  await run(['create', 'namespace', 'team-b']);
  await run(
    ['create', 'rolebinding', 'tiphys-deploy', '-n', 'team-a', '--clusterrole=tiphys-deploy'].concat([
      '--serviceaccount=tiphys:tiphys-controller',
      '--serviceaccount=tiphys:tiphys-server',
    ]),
  );
  const [serverPort] = await freePorts(1);
  serverUrl = `http://127.0.0.1:${serverPort}`;
  startTiphys(['controller', '--port', '0'], await kubeconfigAs('tiphys-controller'));
  startTiphys(['server', '--port', String(serverPort)], await kubeconfigAs('tiphys-server'));
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  rest?.close();
  await git?.close();
  await cluster?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const application = (name: string, namespace: string, repoURL: string) => ({
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: 'tiphys' },
  spec: {
    source: { repoURL, path: 'plain' },
    destination: { namespace },
    syncPolicy: { automated: { prune: true } },
  },
});

test('an app in a managed namespace syncs; one aimed elsewhere is refused by name', async () => {
  const { url } = await git.createRepo('examples', join(repoRoot, 'examples'));
  // The server, running as its own account, made the default project on start.
  await eventually('the default AppProject', async () =>
    rest.request('GET', '/apis/tiphys.dev/v1alpha1/namespaces/tiphys/appprojects/default'),
  );
  const apps = '/apis/tiphys.dev/v1alpha1/namespaces/tiphys/applications';
  await rest.request('POST', apps, { body: application('in-team-a', 'team-a', url) });
  await rest.request('POST', apps, { body: application('in-team-b', 'team-b', url) });

  const read = (name: string) => rest.request<Application>('GET', `${apps}/${name}`);
  await eventually(
    'in-team-a Synced and Healthy',
    async () => {
      const app = await read('in-team-a');
      return app.status?.sync?.status === 'Synced' && app.status?.health?.status === 'Healthy';
    },
    120_000,
  );
  const refused = await eventually(
    'in-team-b refused',
    async () => {
      const conditions = (await read('in-team-b')).status?.conditions ?? [];
      return conditions.find((c) => /namespace team-b is not one this Tiphys manages/.test(c.message));
    },
    120_000,
  );
  assert.match(refused.message, /--managed-namespaces/);
  const inB = await rest.request<{ items: unknown[] }>('GET', '/apis/apps/v1/namespaces/team-b/deployments');
  assert.deepEqual(inB.items, []);

  // The API server reads the live objects through its own namespaced caches.
  const secret = await rest.request<{ data: { password: string } }>(
    'GET',
    '/api/v1/namespaces/tiphys/secrets/tiphys-initial-admin-secret',
  );
  const login = await fetch(`${serverUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: 'admin',
      password: Buffer.from(secret.data.password, 'base64').toString(),
    }),
  });
  assert.equal(login.status, 200);
  const { token } = (await login.json()) as { token: string };
  const tree = await fetch(`${serverUrl}/api/v1/applications/in-team-a/resource-tree`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(tree.status, 200);
  assert.match(await tree.text(), /"kind":"Deployment"/);
});
