// The registry client against the testbed's real registry (distribution, TLS from the testbed
// CA, htpasswd): tags across pages, manifests, an index, creation times, what is cached, and the
// failures a scan must report (wrong credentials, none, unknown CA, registry down).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage, writeImageLayout } from '../../../testbed/src/image.ts';
import { startRegistry, type TestRegistry } from '../../../testbed/src/registry.ts';
import { clearRegistryCaches, RegistryClient, RegistryError } from './client.ts';

const noSleep = async () => {};

function putManifest(registry: TestRegistry, path: string, body: string, mediaType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const req = request(new URL(path, registry.url), {
      method: 'PUT',
      ca: registry.caPem,
      headers: { authorization: `Basic ${auth}`, 'content-type': mediaType },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('RegistryClient against the testbed registry', () => {
  let registry: TestRegistry;
  const digests: Record<string, string> = {};
  const scratch = mkdtempSync(join(tmpdir(), 'tiphys-registry-client-'));
  const client = (options: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
    new RegistryClient({
      registry: registry.host,
      credentials: { username: registry.username, password: registry.password },
      ca: registry.caPem,
      sleep: noSleep,
      ...options,
    });

  before(async () => {
    registry = await startRegistry();
    const access = { caFile: registry.caPath, username: registry.username, password: registry.password };
    for (const [tag, mtime] of [
      ['1.0.0', 1_000],
      ['1.0.1', 2_000],
      ['1.1.0-rc.1', 3_000],
      ['latest', 2_000],
      ['0.9.0', 500],
    ] as const) {
      const dir = join(scratch, `${tag}-${mtime}`);
      const built = await writeImageLayout(dir, registry.ref('team/hello', tag), {
        layers: [{ items: [{ content: `${tag}\n`, to: '/version' }] }],
        config: { cmd: ['/hello'] },
        mtime,
        architecture: tag === '0.9.0' ? 'arm64' : 'amd64',
      });
      await pushImage(dir, registry.ref('team/hello', tag), access);
      digests[tag] = built.digest;
    }
  });
  after(async () => {
    await registry?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('lists every tag (this registry answers in one page; pages: protocol.test.ts)', async () => {
    const c = client({ pageSize: 2 });
    const tags = await c.listTags('team/hello');
    assert.deepEqual([...tags].sort(), ['0.9.0', '1.0.0', '1.0.1', '1.1.0-rc.1', 'latest']);
  });

  test('digests of tags, creation times from config blobs, cached by digest', async () => {
    clearRegistryCaches();
    const c = client();
    assert.equal(await c.tagDigest('team/hello', '1.0.1'), digests['1.0.1']);
    assert.equal(await c.createdAt('team/hello', digests['1.0.1']), 2_000_000);
    assert.equal(await c.createdAt('team/hello', digests['1.0.0']), 1_000_000);
    const before = { ...c.stats };
    assert.equal(await c.createdAt('team/hello', digests['1.0.1']), 2_000_000);
    assert.equal(c.stats.blobs, before.blobs, 'no second blob request');
    assert.equal(c.stats.manifests, before.manifests, 'no second manifest request');
  });

  test('a multi-arch index: the linux/amd64 image gives the creation time', async () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: digests['0.9.0'],
          size: 0,
          platform: { os: 'linux', architecture: 'arm64' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: digests['1.1.0-rc.1'],
          size: 0,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    });
    const status = await putManifest(
      registry,
      '/v2/team/hello/manifests/multi',
      index,
      'application/vnd.oci.image.index.v1+json',
    );
    assert.equal(status, 201);
    const c = client();
    const digest = await c.tagDigest('team/hello', 'multi');
    assert.equal(await c.createdAt('team/hello', digest), 3_000_000);
  });

  test('wrong credentials, no credentials and an unknown CA are refused with a reason and no secret', async () => {
    const wrong = client({ credentials: { username: registry.username, password: 'wrong-pass-123' } });
    await assert.rejects(wrong.listTags('team/hello'), (error: unknown) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.terminal, true);
      assert.match(
        error.message,
        /refused the credentials \(HTTP 401\) for team\/hello: check the credentials Secret/,
      );
      assert.ok(!error.message.includes('wrong-pass-123'));
      return true;
    });
    await assert.rejects(
      client({ credentials: undefined }).listTags('team/hello'),
      /no credentials were given/,
    );
    await assert.rejects(
      client({ ca: undefined, maxAttempts: 1 }).listTags('team/hello'),
      /unreachable: .*(self-signed|unable to)/,
    );
  });

  test('a registry that is down: retried with backoff, then unreachable', async () => {
    const sleeps: number[] = [];
    const down = new RegistryClient({
      registry: '127.0.0.1:1',
      ca: registry.caPem,
      sleep: async (ms) => void sleeps.push(ms),
      backoffMs: 100,
    });
    await assert.rejects(down.listTags('team/hello'), /registry 127\.0\.0\.1:1 unreachable/);
    assert.deepEqual(sleeps, [100, 200, 400]);
  });
});
