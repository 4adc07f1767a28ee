// The README's run command: the whole demo on a fresh machine. Starts a local testbed cluster,
// installs Tiphys into it, serves the project's own examples/ from a local Git server, runs the
// controller and the API server (with the web UI), creates an Application per example (and a
// dev and a prod one for the Kustomize overlays), then prints the URL and the login.
//
// TIPHYS_DEMO_EXIT=1 exits once every app is Synced and Healthy (used by the tests).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installTiphys, loadKubeConfig } from '../src/adapters/kube/install.ts';
import { KubeRest } from '../src/adapters/kube/rest.ts';
import { Controller } from '../src/controller/controller.ts';
import type { Application } from '../src/core/model/application.ts';
import { buildServer } from '../src/server/app.ts';
import { createAuthService, ensureAdminAccount } from '../src/server/auth/index.ts';
import { ensureTestbedBinaries } from '../testbed/src/binaries.ts';
import { startGitServer } from '../testbed/src/git-server.ts';
import { upNamedCluster } from '../testbed/src/named-clusters.ts';
import { addSystemDirsToPath } from '../testbed/src/system-path.ts';
import { ensureUiBuilt } from './test-setup.ts';

const NAMESPACE = 'tiphys';
const clusterName = process.env.TIPHYS_DEMO_CLUSTER ?? 'demo';
const port = Number(process.env.TIPHYS_DEMO_PORT ?? 8080);
const log = (line: string) => console.error(line);

const apps: { name: string; path: string; namespace: string; extra?: Record<string, unknown> }[] = [
  { name: 'hello', path: 'plain', namespace: 'hello' },
  { name: 'shop-dev', path: 'kustomize/overlays/dev', namespace: 'shop-dev' },
  { name: 'shop-prod', path: 'kustomize/overlays/prod', namespace: 'shop-prod' },
  {
    name: 'greeter',
    path: 'helm',
    namespace: 'greeter',
    extra: { helm: { valueFiles: ['values-production.yaml'] } },
  },
  { name: 'orders', path: 'hooks', namespace: 'orders' },
];

addSystemDirsToPath();
const bins = await ensureTestbedBinaries({ log });
ensureUiBuilt();
const { cluster } = await upNamedCluster(clusterName, log);
log(`[demo] installing Tiphys into ${cluster.server}`);
await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
const kubeConfig = loadKubeConfig(cluster.kubeconfigPath);
await ensureAdminAccount(kubeConfig, NAMESPACE);
const rest = new KubeRest(kubeConfig);

const git = await startGitServer();
const { url: repoURL } = await git.createRepo('config', join(import.meta.dirname, '..', 'examples'));
log(`[demo] config repo: ${repoURL}`);

const controller = new Controller({
  kubeConfig,
  namespace: NAMESPACE,
  tools: { helm: bins.helm, kustomize: bins.kustomize },
  leaderElection: false,
  log: (line) => process.env.TIPHYS_DEMO_VERBOSE && log(`[controller] ${line}`),
});
await controller.start();
const auth = await createAuthService({ kubeConfig, namespace: NAMESPACE });
const server = await buildServer({
  kubeConfig,
  namespace: NAMESPACE,
  auth,
  controller,
  tools: { helm: bins.helm, kustomize: bins.kustomize },
});
const url = await server.listen({ port, host: '127.0.0.1' });

const base = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`;
for (const app of apps) {
  const body = {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: app.name, namespace: NAMESPACE },
    spec: {
      source: { repoURL, path: app.path, ...app.extra },
      destination: { namespace: app.namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    },
  };
  // Server-side apply: creates the app, or brings it back to this spec when the demo runs again
  // on the cluster it left up (a PUT without resourceVersion is refused, a POST finds it exists).
  await rest.request('PATCH', `${base}/${app.name}`, {
    body,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: 'tiphys-demo', force: 'true' },
  });
}

const password = await initialPassword();
console.log(`
Tiphys is running.
  Web UI and API:  ${url}
  Login:           admin / ${password ?? '(already revealed: tiphys admin initial-password)'}
  Config repo:     ${repoURL}  (the project's examples/)
  Cluster:         kubectl --kubeconfig ${cluster.kubeconfigPath} get pods -A
  CLI:             KUBECONFIG=${cluster.kubeconfigPath} node bin/tiphys.mjs app list
Stop with Ctrl-C (the cluster keeps running: npm run testbed -- down ${clusterName}).`);

if (process.env.TIPHYS_DEMO_EXIT === '1') {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const list = await rest.request<{ items: Application[] }>('GET', base);
    const ready = list.items.filter(
      (a) => a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy',
    );
    if (ready.length === apps.length) break;
    if (Date.now() > deadline) {
      console.error(
        list.items.map((a) => `${a.metadata.name}: ${a.status?.sync?.status}/${a.status?.health?.status}`),
      );
      process.exit(1);
    }
    await sleep(500);
  }
  console.log(`All ${apps.length} applications are Synced and Healthy.`);
  await shutdown();
} else {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await shutdown();
}

async function shutdown(): Promise<void> {
  await server.close();
  await controller.stop();
  await git.close();
  rest.close();
  process.exit(0);
}

async function initialPassword(): Promise<string | undefined> {
  try {
    const secret = await rest.request<{ data?: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/secrets/tiphys-initial-admin-secret`,
    );
    const value = secret.data?.password;
    return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}
