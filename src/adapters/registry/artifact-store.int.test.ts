// OCI artifacts from the testbed registry (pushed with Flux's media types and with oras's) and
// from an attacker's registry that sends bytes other than the digests promise.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { filesTarGz, pushArtifact, tarGz } from '../../../testbed/src/artifacts.ts';
import { startRegistry, type TestRegistry } from '../../../testbed/src/registry.ts';
import type { ChartCredentials } from '../charts/types.ts';
import { ArtifactFetchError, ArtifactStore } from './artifact-store.ts';

const work = mkdtempSync(join(tmpdir(), 'tiphys-artifacts-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const terminal = (pattern: RegExp) => (error: Error) => {
  assert.ok(error instanceof ArtifactFetchError, String(error));
  assert.equal(error.terminal, true);
  assert.match(error.message, pattern);
  return true;
};

describe('OCI artifacts in the testbed registry', () => {
  let registry: TestRegistry;
  let repoURL: string;
  let pushed: string;
  before(async () => {
    registry = await startRegistry();
    repoURL = `oci://${registry.host}/team/config`;
    pushed = await pushArtifact(
      registry,
      'team/config',
      'v1',
      filesTarGz({ 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n' }),
    );
  });
  after(async () => registry?.stop());
  const storeWith = (credentials: ChartCredentials | undefined, dir = 'cache') =>
    new ArtifactStore({
      cacheDir: join(work, dir),
      credentialsFor: async () => credentials,
      timeoutMs: 20_000,
    });
  const good = () => ({ username: registry.username, password: registry.password, ca: registry.caPem });

  test('a tag and a digest resolve to the manifest digest; the files are unpacked', async () => {
    const store = storeWith(good());
    assert.equal(await store.resolve(repoURL, 'v1'), pushed);
    assert.equal(await store.resolve(repoURL, pushed), pushed);
    const dir = await store.fetch(repoURL, pushed);
    assert.match(readFileSync(join(dir, 'app/cm.yaml'), 'utf8'), /name: one/);
    // oras's layer type is read the same way.
    const oras = await pushArtifact(registry, 'team/config', 'oras', filesTarGz({ 'x.yaml': 'a: 1\n' }), {
      config: 'application/vnd.oci.empty.v1+json',
      layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
    });
    assert.equal(readFileSync(join(await store.fetch(repoURL, oras), 'x.yaml'), 'utf8'), 'a: 1\n');
  });

  test('wrong credentials, a missing tag or digest, a tarball with ../ entries: terminal errors, nothing unpacked', async () => {
    await assert.rejects(
      storeWith({ ...good(), password: 'nope-nope' }).resolve(repoURL, 'v1'),
      terminal(/refused the credentials \(HTTP 401\)/),
    );
    await assert.rejects(
      storeWith(good()).resolve(repoURL, 'v9'),
      terminal(/team\/config:v9 does not exist/),
    );
    const absent = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(
      storeWith(good()).resolve(repoURL, absent),
      terminal(/@sha256:0{64} does not exist/),
    );
    const evil = await pushArtifact(
      registry,
      'team/config',
      'evil',
      tarGz([
        { name: 'app/cm.yaml', data: 'kind: ConfigMap\n' },
        { name: '../../../escaped.yaml', data: 'x' },
      ]),
    );
    const store = storeWith(good(), 'evil-cache');
    await assert.rejects(
      store.fetch(repoURL, evil),
      terminal(/"\.\.\/\.\.\/\.\.\/escaped\.yaml" climbs out/),
    );
    assert.deepEqual(readdirSync(join(work, 'evil-cache')), [], 'nothing left unpacked');
    assert.equal(existsSync(join(work, 'escaped.yaml')), false);
    // A Helm chart (or anything not of one tarball layer) is not an artifact.
    await pushArtifact(registry, 'team/config', 'chart', filesTarGz({ 'a.yaml': '' }), {
      layer: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    });
    await assert.rejects(storeWith(good()).resolve(repoURL, 'chart'), terminal(/exactly one layer/));
  });
});

describe("an attacker's registry", () => {
  let server: Server;
  let repoURL: string;
  const layer = filesTarGz({ 'cm.yaml': 'kind: ConfigMap\n' });
  const other = filesTarGz({ 'cm.yaml': 'kind: Secret\n' });
  const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const manifestOf = (size: number) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.cncf.flux.config.v1+json',
          digest: sha(Buffer.from('{}')),
          size: 2,
        },
        layers: [{ mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', digest: sha(layer), size }],
      }),
    );
  const honest = manifestOf(layer.length);
  const huge = manifestOf(10 * 1024 * 1024 * 1024);
  before(async () => {
    server = createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? '');
      if (url.includes('/manifests/')) {
        // By tag: a manifest whose layer is `layer`; by any digest: the same bytes, whatever was asked.
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        const big = url.endsWith('/big') || url.endsWith(sha(huge));
        return res.end(big ? huge : honest);
      }
      // The blob sent is not the one the manifest names.
      if (url.includes('/blobs/')) return res.end(other);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repoURL = `oci://127.0.0.1:${(server.address() as AddressInfo).port}/team/config`;
  });
  after(() => server?.close());
  const store = () =>
    new ArtifactStore({
      cacheDir: join(work, 'attacker'),
      credentialsFor: async () => undefined,
      insecureHttp: true,
      timeoutMs: 5_000,
    });

  test('a manifest that is not the digest asked, a layer that is not the digest named, a huge layer: refused', async () => {
    const asked = `sha256:${'1'.repeat(64)}`;
    await assert.rejects(
      store().resolve(repoURL, asked),
      terminal(/manifest sent for sha256:1{64} has digest/),
    );
    const digest = await store().resolve(repoURL, 'v1');
    assert.equal(digest, sha(honest));
    await assert.rejects(
      store().fetch(repoURL, digest),
      terminal(/blob sent for sha256:[0-9a-f]{64} has digest/),
    );
    const big = await store().resolve(repoURL, 'big');
    await assert.rejects(
      store().fetch(repoURL, big),
      terminal(/layer is 10737418240 bytes, more than the 67108864 allowed/),
    );
    assert.equal(existsSync(join(work, 'attacker')), false, 'nothing unpacked');
  });
});
