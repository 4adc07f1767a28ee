// The Tiphys image built by `npm run image`, run the way deploy/install runs it (its own user, a
// read-only root, tmpfs where the Pod has emptyDirs, only the image's environment) but without a
// container runtime: its runtime must need nothing from the checkout or from devDependencies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import { ensureTestbedBinaries } from '../../testbed/src/binaries.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { type GitServer, startGitServer } from '../../testbed/src/git-server.ts';
import { type ImageConfig, runImage, runImageToEnd } from '../../testbed/src/image-run.ts';
import { freePorts } from '../../testbed/src/ports.ts';
import { killProcessGroup } from '../../testbed/src/process-cleanup.ts';
import { eventually } from '../e2e/support.ts';
import { podWritableDirs, tiphysTestImage, unpackedTiphysImage } from './image-kit.ts';

const execFileAsync = promisify(execFile);
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

let rootfs: string;
let config: ImageConfig;
before(async () => {
  ({ rootfs, config } = await unpackedTiphysImage());
  const { image, seconds } = await tiphysTestImage();
  const mb = image.layers.reduce((sum, layer) => sum + layer.size, 0) / 1e6;
  console.error(
    `[figures] image ${image.digest}: ${mb.toFixed(1)} MB compressed, built in ${seconds.toFixed(0)} s`,
  );
});

const inImage = (args: string[], command?: string[]) =>
  runImageToEnd(rootfs, config, args, { writable: podWritableDirs, command });

describe('the image on its own', () => {
  test('runs tiphys, Node 24, git, ssh, helm and kustomize as user 65532 on a read-only root', async () => {
    assert.deepEqual(config.Entrypoint, ['/usr/local/bin/tiphys']);
    assert.equal(config.User, '65532:65532');
    const reported = JSON.parse((await inImage(['version', '-o', 'json'])).stdout) as Record<string, string>;
    assert.equal(reported.tiphys, version);
    assert.match(reported.node ?? '', /^v24\./);
    assert.match((await inImage([], ['node', '--version'])).stdout, /^v24\./);
    assert.match((await inImage([], ['git', '--version'])).stdout, /^git version 2\./);
    assert.match((await inImage([], ['ssh', '-V'])).stderr, /OpenSSH/);
    assert.match((await inImage([], ['helm', 'version', '--short'])).stdout, /^v3\./);
    assert.match((await inImage([], ['kustomize', 'version'])).stdout, /^v5\./);
    assert.equal((await inImage([], ['id', '-u'])).stdout.trim(), '65532');
    await assert.rejects(inImage([], ['touch', '/usr/lib/tiphys/x']), /Read-only file system/);
    // The emptyDir folders are writable, and HOME and the cache folder point there.
    const env = (await inImage([], ['env'])).stdout;
    assert.match(env, /^HOME=\/home\/tiphys$/m);
    assert.match(env, /^TIPHYS_CACHE_DIR=\/var\/cache\/tiphys$/m);
    assert.match(env, /^PATH=\/usr\/local\/sbin:\/usr\/local\/bin:/m);
    await inImage([], ['touch', '/var/cache/tiphys/x', '/home/tiphys/x', '/tmp/x']);
  });

  test('holds the production dependencies, the built UI and the sources, and nothing for development', () => {
    const app = join(rootfs, 'usr/lib/tiphys');
    const modules = readdirSync(join(app, 'node_modules'));
    for (const runtime of ['fastify', 'pino', 'yaml', 'commander', '@kubernetes'])
      assert.ok(modules.includes(runtime), runtime);
    for (const dev of [
      'vite',
      'typescript',
      '@biomejs',
      'react',
      'playwright-core',
      'oidc-provider',
      'node',
    ]) {
      assert.ok(!modules.includes(dev), `devDependency ${dev} is in the image`);
    }
    assert.ok(existsSync(join(app, 'ui/dist/index.html')));
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
      );
    const sources = walk(join(app, 'src')).map((file) => file.slice(app.length + 1));
    assert.ok(sources.includes('src/main/main.ts'));
    assert.deepEqual(
      sources.filter((file) => /\.test\.ts$|\/testdata\/|testkit\.ts$/.test(file)),
      [],
    );
    assert.deepEqual(readdirSync(app).sort(), ['bin', 'node_modules', 'package.json', 'src', 'ui']);
  });
});

describe('its server and controller against a cluster', () => {
  let cluster: TestCluster;
  let git: GitServer;
  let rest: KubeRest;
  const children: ReturnType<typeof runImage>[] = [];
  before(async () => {
    const { kubectl } = await ensureTestbedBinaries();
    [cluster, git] = await Promise.all([startCluster({ name: 'tiphys-image' }), startGitServer()]);
    // What `kubectl apply -k deploy/install` puts first; the server makes the rest on its first start.
    await execFileAsync(kubectl, ['apply', '--server-side', '-k', join(repoRoot, 'deploy/crds')], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
    });
    await execFileAsync(kubectl, ['create', 'namespace', 'tiphys'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
    });
    rest = new KubeRest(loadKubeConfig(cluster.kubeconfigPath));
    mkdirSync(join(rootfs, 'etc/tiphys'), { recursive: true });
    copyFileSync(cluster.kubeconfigPath, join(rootfs, 'etc/tiphys/kubeconfig'));
    chmodSync(join(rootfs, 'etc/tiphys/kubeconfig'), 0o644);
  });
  after(async () => {
    for (const child of children) killProcessGroup(child);
    rest?.close();
    await git?.close();
    await cluster?.stop();
  });

  test('log in, create apps from examples/ in Git, and they become Synced and Healthy', async () => {
    const [serverPort, controllerPort] = await freePorts(2);
    const kubeconfig = ['--kubeconfig', '/etc/tiphys/kubeconfig'];
    const stdio = process.env.TIPHYS_TEST_LOG ? 'inherit' : 'ignore';
    children.push(
      runImage(rootfs, config, ['server', ...kubeconfig, '--port', String(serverPort)], {
        writable: podWritableDirs,
        stdio,
      }),
      runImage(
        rootfs,
        config,
        ['controller', ...kubeconfig, '--port', String(controllerPort), '--poll-interval', '5'],
        {
          writable: podWritableDirs,
          stdio,
        },
      ),
    );
    const base = `http://127.0.0.1:${serverPort}`;
    await eventually('the API server answers', async () => (await fetch(`${base}/healthz`)).ok);
    await eventually(
      'the controller answers',
      async () => (await fetch(`http://127.0.0.1:${controllerPort}/healthz`)).ok,
    );
    const page = await fetch(`${base}/`);
    assert.match(await page.text(), /<div id="root">/);

    const secret = await rest.request<{ data: { password: string } }>(
      'GET',
      '/api/v1/namespaces/tiphys/secrets/tiphys-initial-admin-secret',
    );
    const password = Buffer.from(secret.data.password, 'base64').toString();
    const login = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // The project's own examples/, as `npm run demo` serves them.
    const { url } = await git.createRepo('examples', join(repoRoot, 'examples'));
    for (const [name, path] of [
      ['shop-dev', 'kustomize/overlays/dev'],
      ['hello-chart', 'helm'],
    ]) {
      const created = await fetch(`${base}/api/v1/applications`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          metadata: { name },
          spec: {
            source: { repoURL: url, path },
            destination: { namespace: name },
            syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
          },
        }),
      });
      assert.equal(created.status, 201, await created.text());
    }
    for (const name of ['shop-dev', 'hello-chart']) {
      await eventually(
        `${name} Synced and Healthy`,
        async () => {
          const app = (await (
            await fetch(`${base}/api/v1/applications/${name}`, { headers: auth })
          ).json()) as {
            status?: { sync?: { status?: string }; health?: { status?: string } };
          };
          return app.status?.sync?.status === 'Synced' && app.status?.health?.status === 'Healthy';
        },
        180_000,
      );
    }
  });
});
