import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { KubeObject } from '../../core/manifest/object.ts';
import { overlayKustomization, parseImage } from './kustomize.ts';
import {
  type KustomizeOptions,
  PathOutsideRepoError,
  RenderError,
  type RenderRequest,
  RenderTimeoutError,
  RenderToolError,
  renderManifests,
} from './render.ts';
import { examplesDir, tempDir, tempRepo, testTools, treeSnapshot } from './testkit.ts';
import type { RenderTools } from './types.ts';

let tools: RenderTools;
let repo: string;

before(async () => {
  tools = await testTools();
  repo = await tempRepo(examplesDir);
});

const request = (path: string, kustomize?: KustomizeOptions): RenderRequest => ({
  repoDir: repo,
  path,
  source: kustomize === undefined ? {} : { kustomize },
  appName: 'app',
  tools,
});

const deployment = (objects: KubeObject[]) => objects.find((o) => o.kind === 'Deployment') as KubeObject;
const image = (obj: KubeObject) =>
  (obj.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image;

test('options change the output and leave the checkout untouched', async () => {
  const before = await treeSnapshot(repo);
  const plain = await renderManifests(request('pre-post-sync'));
  const result = await renderManifests(
    request('pre-post-sync', {
      namePrefix: 'team-',
      nameSuffix: '-v2',
      images: ['gcr.io/google-samples/gb-frontend:v6'],
      commonLabels: { team: 'blue' },
      commonAnnotations: { owner: 'ops' },
      namespace: 'staging',
    }),
  );
  assert.equal(result.renderer, 'kustomize');
  assert.equal(image(deployment(plain.objects)), 'gcr.io/google-samples/gb-frontend:v5');
  const changed = deployment(result.objects);
  assert.equal(changed.metadata.name, 'team-pre-post-sync-kustomize-guestbook-ui-v2');
  assert.equal(changed.metadata.namespace, 'staging');
  assert.equal(changed.metadata.labels?.team, 'blue');
  assert.equal(changed.metadata.annotations?.owner, 'ops');
  assert.equal(image(changed), 'gcr.io/google-samples/gb-frontend:v6');
  assert.deepEqual(result.objects.map((o) => o.metadata.name).sort(), [
    'team-pre-post-sync-after-v2',
    'team-pre-post-sync-before-v2',
    'team-pre-post-sync-kustomize-guestbook-ui-v2',
    'team-pre-post-sync-kustomize-guestbook-ui-v2',
  ]);
  assert.deepEqual(await treeSnapshot(repo), before);
});

test('an image override can rename the image', async () => {
  const result = await renderManifests(
    request('kustomize-guestbook', {
      images: ['gcr.io/google-samples/gb-frontend=registry.local:5000/gb@sha256:abc'],
    }),
  );
  assert.equal(image(deployment(result.objects)), 'registry.local:5000/gb@sha256:abc');
});

test('empty options build the app path as it is', async () => {
  const result = await renderManifests(request('kustomize-guestbook', { images: [], commonLabels: {} }));
  assert.equal(deployment(result.objects).metadata.name, 'kustomize-guestbook-ui');
});

test('parseImage reads Argo CD image overrides', () => {
  assert.deepEqual(parseImage('nginx:1.27'), { name: 'nginx', newTag: '1.27' });
  assert.deepEqual(parseImage('nginx=registry.local/nginx:1.27'), {
    name: 'nginx',
    newName: 'registry.local/nginx',
    newTag: '1.27',
  });
  assert.deepEqual(parseImage('localhost:5000/app'), { name: 'localhost:5000/app' });
  assert.deepEqual(parseImage('app@sha256:0123'), { name: 'app', digest: 'sha256:0123' });
  assert.throws(() => parseImage('nginx:'), RenderError);
  assert.throws(() => parseImage('=x:1'), RenderError);
});

test('overlayKustomization refers to the app path and carries only the options given', () => {
  assert.deepEqual(overlayKustomization('../repo/app', { namePrefix: 'x-' }), {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['../repo/app'],
    namePrefix: 'x-',
  });
});

test('kustomize refusing the kustomization is a terminal error carrying its stderr', async () => {
  await mkdir(join(repo, 'broken-kustomization'));
  await writeFile(join(repo, 'broken-kustomization', 'kustomization.yaml'), 'resources:\n- missing.yaml\n');
  await assert.rejects(renderManifests(request('broken-kustomization')), (error: unknown) => {
    assert.ok(error instanceof RenderToolError, String(error));
    assert.equal(error.terminal, true);
    assert.match(error.message, /^kustomize failed \(exit 1\): .*missing\.yaml/s);
    return true;
  });
});

test('a resource symlinked from outside the repository is refused before kustomize runs', async () => {
  const outside = await tempDir('tiphys-render-outside-');
  await writeFile(join(outside, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n');
  await mkdir(join(repo, 'symlinked-resource'));
  await symlink(join(outside, 'cm.yaml'), join(repo, 'symlinked-resource', 'cm.yaml'));
  await writeFile(join(repo, 'symlinked-resource', 'kustomization.yaml'), 'resources:\n- cm.yaml\n');
  await assert.rejects(renderManifests(request('symlinked-resource')), (error: unknown) => {
    assert.ok(error instanceof PathOutsideRepoError, String(error));
    assert.match(error.message, /symlinked-resource\/cm\.yaml is a symlink to/);
    return true;
  });
});

test('a tool running past the timeout is killed with its children and the error is not terminal', async () => {
  const dir = await tempDir();
  const slow = join(dir, 'slow-kustomize');
  const pids = join(dir, 'pids');
  await writeFile(
    slow,
    `#!/bin/sh\n# A grandchild holding the pipes: the whole group must go.\nsleep 300 &\necho "$$ $!" > ${pids}\nwait\n`,
  );
  await chmod(slow, 0o755);
  await assert.rejects(
    renderManifests({
      ...request('kustomize-guestbook'),
      tools: { ...tools, kustomize: slow },
      // Long enough for the shell to start and note its pids on a loaded machine.
      timeoutMs: 3_000,
    }),
    (error: unknown) => {
      assert.ok(error instanceof RenderTimeoutError, String(error));
      assert.equal(error.terminal, false);
      return true;
    },
  );
  // The effect, not a duration: the tool and the grandchild it left are gone (or only wait to
  // be reaped), so a stuck render holds no process.
  const [tool, grandchild] = (await readFile(pids, 'utf8')).trim().split(' ').map(Number);
  for (const pid of [tool, grandchild]) {
    await eventually(`process ${pid} to be gone`, async () => !(await isAlive(pid)));
  }
});

/** Whether a process runs (a zombie, killed and waiting to be reaped, does not). */
async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` until true; fails after a generous minute. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a missing binary is an error that is not terminal', async () => {
  await assert.rejects(
    renderManifests({
      ...request('kustomize-guestbook'),
      tools: { ...tools, kustomize: '/nonexistent/kustomize' },
    }),
    (error: unknown) => {
      assert.ok(error instanceof RenderError && !(error instanceof RenderToolError), String(error));
      assert.equal(error.terminal, false);
      return true;
    },
  );
});
