// The testbed registry, for real: Debian's docker-registry with TLS from the testbed CA and
// htpasswd auth, on loopback only. Attacker checks: no CA, no credentials, wrong password.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage, remoteDigest, validateRemote, writeImageLayout } from './image.ts';
import { registryGet, startRegistry, type TestRegistry } from './registry.ts';

describe('testbed registry', () => {
  let registry: TestRegistry;

  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
  });

  test('serves TLS signed by the testbed CA, on 127.0.0.1 only', async () => {
    assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(registry.host.split(':')[1]);
    const listening = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && Number.parseInt(cols[1]?.split(':')[1] ?? '', 16) === port)
      .map((cols) => cols[1]?.split(':')[0]);
    assert.deepEqual(listening, ['0100007F']);
    // A client that does not trust the testbed CA refuses the certificate.
    await assert.rejects(
      new Promise((resolve, reject) => {
        const req = request(`${registry.url}/v2/`, { timeout: 5_000 }, resolve);
        req.on('error', reject);
        req.end();
      }),
      /self-signed|unable to (get|verify)/,
    );
  });

  test('refuses anonymous callers and a wrong password, accepts its credentials', async () => {
    const anonymous = await registryGet(registry, '/v2/', false);
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="tiphys-testbed"/);
    assert.equal(
      (await registryGet({ ...registry, caPem: registry.caPem, password: 'not-it' }, '/v2/')).status,
      401,
    );
    assert.equal(
      (await registryGet({ ...registry, caPem: registry.caPem, username: 'admin' }, '/v2/')).status,
      401,
    );
    assert.equal((await registryGet(registry, '/v2/')).status, 200);
  });

  test('crane pushes an image with its credentials and reads it back; without them it is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiphys-registry-test-'));
    try {
      const ref = registry.ref('tests/hello', 'v1');
      const built = await writeImageLayout(dir, ref, {
        layers: [
          { items: [{ content: 'hello\n', to: '/hello.txt' }] },
          { items: [{ content: 'two\n', to: '/two' }] },
        ],
        config: { cmd: ['/hello'] },
      });
      const access = { caFile: registry.caPath, username: registry.username, password: registry.password };
      await assert.rejects(pushImage(dir, ref, { ...access, password: 'wrong' }), /UNAUTHORIZED|401/);
      await assert.rejects(pushImage(dir, ref, { caFile: registry.caPath }), /UNAUTHORIZED|401/);
      await pushImage(dir, ref, access);
      assert.equal(await remoteDigest(ref, access), built.digest);
      await validateRemote(ref, access);
      const manifest = await registryGet(registry, '/v2/tests/hello/manifests/v1', true, {
        accept: 'application/vnd.oci.image.manifest.v1+json',
      });
      assert.equal(manifest.headers['docker-content-digest'], built.digest);
      assert.equal(JSON.parse(manifest.body).layers.length, 2);
      assert.equal((await registryGet(registry, '/v2/tests/hello/manifests/v1', false)).status, 401);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the password is stored only as a bcrypt hash and never reaches its command line or log', () => {
    const htpasswd = readFileSync(`${registry.dir}/htpasswd`, 'utf8');
    assert.match(htpasswd, /^tiphys:\$2y\$/);
    assert.ok(!htpasswd.includes(registry.password));
    assert.ok(!readFileSync(`${registry.dir}/registry.log`, 'utf8').includes(registry.password));
    const pid = JSON.parse(readFileSync(`${registry.dir}/state.json`, 'utf8')).pid as number;
    assert.ok(!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(registry.password));
  });

  test('stop ends the registry and removes its folder', async () => {
    const other = await startRegistry();
    const pid = JSON.parse(readFileSync(`${other.dir}/state.json`, 'utf8')).pid as number;
    await other.stop();
    assert.equal(other.isRunning(), false);
    assert.equal(existsSync(`/proc/${pid}`), false);
    assert.equal(existsSync(other.dir), false);
  });
});
