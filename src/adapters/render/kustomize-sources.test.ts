// The tenant writes the kustomization: every way it names something outside its repository, or
// something on the network its project did not allow, is refused before kustomize runs.
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { stringify } from 'yaml';
import { checkKustomizeSources, remoteRepoOf } from './kustomize-sources.ts';
import { RenderError, renderManifests } from './render.ts';
import { tempDir, testTools } from './testkit.ts';
import type { RenderTools } from './types.ts';

let tools: RenderTools;
let root: string;
let repo: string;

before(async () => {
  tools = await testTools();
  // Beside the repository: what another tenant's checkout or the mirror cache looks like.
  root = await tempDir('tiphys-kustomize-sources-');
  repo = join(root, 'checkouts', 'tenant', 'a'.repeat(40));
  await mkdir(join(root, 'checkouts', 'victim', 'secret-app'), { recursive: true });
  await writeFile(
    join(root, 'checkouts', 'victim', 'secret-app', 'kustomization.yaml'),
    stringify({ resources: ['secret.yaml'] }),
  );
  await writeFile(
    join(root, 'checkouts', 'victim', 'secret-app', 'secret.yaml'),
    stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'victim' }, stringData: { token: 'x' } }),
  );
  await mkdir(join(repo, 'base'), { recursive: true });
  await writeFile(join(repo, 'base', 'kustomization.yaml'), stringify({ resources: ['cm.yaml'] }));
  await writeFile(
    join(repo, 'base', 'cm.yaml'),
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }),
  );
});

async function app(name: string, kustomization: Record<string, unknown>): Promise<string> {
  await mkdir(join(repo, name), { recursive: true });
  await writeFile(join(repo, name, 'kustomization.yaml'), stringify(kustomization));
  return join(repo, name);
}

async function refused(dir: string, allowed: string[], message: RegExp): Promise<void> {
  await assert.rejects(checkKustomizeSources(repo, dir, allowed), (error: unknown) => {
    assert.ok(error instanceof RenderError, String(error));
    assert.equal(error.terminal, true);
    assert.match(error.message, message);
    return true;
  });
}

test('remote bases are refused unless the project allows their repository', async () => {
  const addresses = [
    'https://github.com/org/repo//base?ref=v1',
    'github.com/org/repo/base?ref=v1',
    'git@github.com:org/repo.git//base',
    'git::https://github.com/org/repo.git//base',
    'ssh://git@github.com/org/repo.git//base',
  ];
  for (const [index, address] of addresses.entries()) {
    const dir = await app(`remote-${index}`, { resources: ['../base', address] });
    await refused(
      dir,
      [],
      /resources ".*" is a remote source .* the project's source repositories do not allow/,
    );
    await refused(dir, ['https://github.com/other/*'], /do not allow/);
    const allowed = ['https://github.com/org/*', 'git@github.com:org/*', 'ssh://git@github.com/org/*'];
    assert.deepEqual(await checkKustomizeSources(repo, dir, allowed), { remote: [address] });
  }
});

test('file:// bases and remote files in any field are remote sources too', async () => {
  const cases: Record<string, unknown>[] = [
    { resources: ['file:///etc/kubernetes'] },
    { components: ['https://evil.example/component'] },
    { configMapGenerator: [{ name: 'x', files: ['meta=http://169.254.169.254/latest/meta-data'] }] },
    { secretGenerator: [{ name: 'x', envs: ['https://evil.example/env'] }] },
    { patches: [{ path: 'https://evil.example/patch.yaml' }] },
    { patchesStrategicMerge: ['https://evil.example/patch.yaml'] },
    { openapi: { path: 'https://evil.example/schema.json' } },
    { crds: ['http://127.0.0.1:8081/metrics'] },
  ];
  for (const [index, kustomization] of cases.entries()) {
    const dir = await app(`remote-file-${index}`, kustomization);
    await refused(dir, ['https://git.example.com/tenant/*'], /is a remote source/);
  }
});

test("local sources must stay in the repository: '..', absolute paths, symlinks", async () => {
  await refused(
    await app('climb', { resources: ['../../../victim/secret-app'] }),
    ['*'],
    /leads outside the repository/,
  );
  await refused(
    await app('absolute', { resources: [join(root, 'checkouts', 'victim', 'secret-app')] }),
    ['*'],
    /absolute path/,
  );
  await symlink(join(root, 'checkouts', 'victim'), join(repo, 'link-out'));
  await refused(
    await app('through-link', { resources: ['../link-out/secret-app'] }),
    ['*'],
    /leads outside the repository/,
  );
  await refused(
    await app('gen', {
      configMapGenerator: [{ name: 'x', files: ['../../../victim/secret-app/secret.yaml'] }],
    }),
    ['*'],
    /outside the repository/,
  );
  // A base that is itself fine but loads from outside is followed and refused.
  await app('sneaky-base', { resources: ['../../../victim/secret-app'] });
  await refused(
    await app('via-base', { resources: ['../sneaky-base'] }),
    ['*'],
    /sneaky-base\/kustomization.yaml: resources .* leads outside/,
  );
});

test('an allowed local base is followed; the render works', async () => {
  const dir = await app('ok', { resources: ['../base'], namePrefix: 'ok-' });
  assert.deepEqual(await checkKustomizeSources(repo, dir, []), { remote: [] });
  const result = await renderManifests({ repoDir: repo, path: 'ok', source: {}, appName: 'ok', tools });
  assert.deepEqual(
    result.objects.map((o) => o.metadata.name),
    ['ok-cm'],
  );
});

test('the whole render refuses, and kustomize never reaches the network', async () => {
  const hits: string[] = [];
  const listener = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    await app('fetches', { resources: [`${url}/org/repo.git//base`, `${url}/manifest.yaml`] });
    await assert.rejects(
      renderManifests({
        repoDir: repo,
        path: 'fetches',
        source: {},
        appName: 'x',
        tools,
        remoteSources: ['https://git.example.com/*'],
      }),
      /fetches\/kustomization.yaml: resources .* is a remote source/,
    );
    // The load restrictor stays on: a file outside the kustomization's own folder is refused by
    // kustomize itself, even when it is in the repository.
    await app('restricted', { configMapGenerator: [{ name: 'x', files: ['../base/cm.yaml'] }] });
    await assert.rejects(
      renderManifests({ repoDir: repo, path: 'restricted', source: {}, appName: 'x', tools }),
      /security; file .* is not in or below/,
    );
    assert.deepEqual(hits, []);
  } finally {
    listener.close();
  }
});

test('remoteRepoOf gives the repository an address fetches from', () => {
  assert.equal(remoteRepoOf('https://github.com/org/repo//base?ref=v1'), 'https://github.com/org/repo');
  assert.equal(remoteRepoOf('github.com/org/repo/base?ref=v1'), 'https://github.com/org/repo');
  assert.equal(remoteRepoOf('git@github.com:org/repo.git//base'), 'git@github.com:org/repo.git');
  assert.equal(remoteRepoOf('git::https://github.com/org/repo.git//x'), 'https://github.com/org/repo.git');
});
